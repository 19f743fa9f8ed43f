import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog, MAX_DELETE_RECORDS } from '../../../src/core/meta/catalog.js';
import { CatalogStore } from '../../../src/core/meta/catalog-store.js';
import { CatalogApplier, LocalCatalogWriter, type CatalogEffects } from '../../../src/core/meta/catalog-applier.js';
import type { CatalogCommand } from '../../../src/core/meta/commands.js';
import { BadRequestError, DatabaseNotFoundError, RetentionPolicyNotFoundError } from '../../../src/core/errors.js';

const extend = (measurement: string, fields: Array<[string, 'float' | 'integer' | 'string']>, tagKeys: string[] = [], limits: { maxFields?: number; maxTagKeys?: number } = {}): CatalogCommand => ({
  kind: 'extend-measurement',
  db: 'db',
  rp: 'autogen',
  measurement,
  tagKeys,
  fields,
  ...limits,
});

test('a new database has the autogen default retention policy, infinite, 7d shards', () => {
  const catalog = Catalog.empty().apply({ kind: 'create-database', name: 'db' });
  const db = catalog.database('db')!;
  assert.equal(db.defaultRetentionPolicy, 'autogen');
  assert.deepEqual(db.retentionPolicies, [{ name: 'autogen', durationNs: 0n, shardGroupDurationNs: 604800000000000n, replicaN: 1 }]);
  assert.equal(catalog.index, 1);
});

test('apply returns a new value and leaves the old one untouched; the first type of a field wins', () => {
  const a = Catalog.empty().apply({ kind: 'create-database', name: 'db' });
  const b = a.apply(extend('m', [['f', 'float']], ['t']));
  assert.equal(a.measurementState('db', 'autogen', 'm'), undefined);
  assert.equal(b.fieldType('db', 'autogen', 'm', 'f'), 'float');
  assert.equal(b.measurementState('db', 'autogen', 'm')!.createdAtIndex, 2);
  const c = b.apply(extend('m', [['f', 'integer']]));
  assert.equal(c.fieldType('db', 'autogen', 'm', 'f'), 'float', 'a field type never changes once set');
  assert.equal(c.index, b.index + 1, 'an applied command takes its index even when it changes nothing');
  assert.equal(c.measurementState('db', 'autogen', 'm'), b.measurementState('db', 'autogen', 'm'));
});

test('extend-measurement adds fields and tag keys only up to the limits it carries', () => {
  const base = Catalog.empty().apply({ kind: 'create-database', name: 'db' }).apply(extend('m', [['a', 'float'], ['b', 'float']], ['x']));
  const next = base.apply(extend('m', [['c', 'float'], ['d', 'float'], ['e', 'float']], ['y', 'z'], { maxFields: 4, maxTagKeys: 2 }));
  assert.deepEqual([...next.measurementState('db', 'autogen', 'm')!.fieldTypes.keys()], ['a', 'b', 'c', 'd']);
  assert.deepEqual(next.measurementState('db', 'autogen', 'm')!.tagKeys, ['x', 'y']);
});

test('a measurement dropped and written again records when it came back', () => {
  let catalog = Catalog.empty().apply({ kind: 'create-database', name: 'db' }).apply(extend('m', [['f', 'float']]));
  catalog = catalog.apply({ kind: 'drop-measurement', db: 'db', name: 'm' });
  assert.equal(catalog.measurementState('db', 'autogen', 'm'), undefined);
  catalog = catalog.applyAll([extend('m', [['f', 'string']])], 9);
  assert.equal(catalog.measurementState('db', 'autogen', 'm')!.createdAtIndex, 9);
  assert.equal(catalog.fieldType('db', 'autogen', 'm', 'f'), 'string');
});

test('refused commands throw InfluxDB errors and change nothing; a batch applies whole or not at all', () => {
  const base = Catalog.empty().apply({ kind: 'create-database', name: 'db' });
  const week = { name: 'week', durationNs: 604800000000000n, shardGroupDurationNs: 0n, replicaN: 1 };
  const withWeek = base.apply({ kind: 'create-retention-policy', db: 'db', rp: week, makeDefault: false });
  assert.equal(withWeek.database('db')!.retentionPolicies.find((rp) => rp.name === 'week')!.shardGroupDurationNs, 86400000000000n);
  assert.throws(() => withWeek.apply({ kind: 'create-retention-policy', db: 'db', rp: { ...week, durationNs: 2n * 604800000000000n }, makeDefault: false }), (e: unknown) => e instanceof BadRequestError && e.message === 'retention policy already exists');
  assert.throws(() => withWeek.apply({ kind: 'create-database', name: 'db', rp: { ...week, replicaN: 3 } }), /retention policy conflicts with an existing policy/);
  assert.throws(() => base.apply({ kind: 'alter-retention-policy', db: 'db', name: 'nope', durationNs: 1n }), RetentionPolicyNotFoundError);
  assert.throws(() => base.apply({ kind: 'drop-measurement', db: 'missing', name: 'm' }), DatabaseNotFoundError);
  assert.throws(() => base.applyAll([extend('m', [['f', 'float']]), { kind: 'drop-measurement', db: 'missing', name: 'm' }], 5), DatabaseNotFoundError);
  assert.equal(base.measurementState('db', 'autogen', 'm'), undefined);
});

test('deletes are remembered (bounded) for writes validated before them', () => {
  let catalog = Catalog.empty().apply({ kind: 'create-database', name: 'db' });
  catalog = catalog.applyAll([{ kind: 'delete-data', db: 'db', measurements: ['cpu'], whereSql: 'true', dropSeries: false }], 10);
  catalog = catalog.applyAll([{ kind: 'delete-data', db: 'db', measurements: [], whereSql: 'x', dropSeries: true }], 12);
  assert.deepEqual(catalog.deletesAfter(9, 'db', 'cpu').map((d) => d.index), [10, 12]);
  assert.deepEqual(catalog.deletesAfter(10, 'db', 'cpu').map((d) => d.index), [12]);
  assert.deepEqual(catalog.deletesAfter(9, 'db', 'mem').map((d) => d.index), [12]);
  assert.deepEqual(catalog.deletesAfter(12, 'db', 'cpu'), []);
  for (let i = 0; i < MAX_DELETE_RECORDS + 10; i++) catalog = catalog.apply({ kind: 'delete-data', db: 'db', measurements: [], whereSql: 'true', dropSeries: false });
  assert.equal(catalog.deletes.length, MAX_DELETE_RECORDS);
});

test('databases keep creation order; drops remove measurements', () => {
  let catalog = Catalog.empty();
  for (const name of ['z', 'a', 'm']) catalog = catalog.apply({ kind: 'create-database', name });
  assert.deepEqual(catalog.databaseNames(), ['z', 'a', 'm']);
  catalog = catalog
    .apply({ kind: 'extend-measurement', db: 'a', rp: 'autogen', measurement: 'm1', tagKeys: [], fields: [['f', 'float']] })
    .apply({ kind: 'drop-measurement', db: 'a', name: 'm1' });
  assert.deepEqual(catalog.database('a')!.measurements('autogen'), []);
  assert.deepEqual(catalog.apply({ kind: 'drop-database', name: 'a' }).databaseNames(), ['z', 'm']);
});

function recordingEffects(): CatalogEffects & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    async apply(command) {
      seen.push(command.kind);
    },
    async exclusive(fn) {
      seen.push('exclusive');
      return fn();
    },
  };
}

test('the applier persists the catalog with its index and sidecar, skips replays, runs effects before publishing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-catalog-'));
  try {
    const store = new CatalogStore(dir);
    await store.open();
    const effects = recordingEffects();
    const applier = new CatalogApplier(store, effects);
    const writer = new LocalCatalogWriter(applier);
    await writer.apply([
      { kind: 'create-database', name: 'db' },
      { kind: 'create-retention-policy', db: 'db', rp: { name: 'week', durationNs: 604800000000000n, shardGroupDurationNs: 86400000000000n, replicaN: 1 }, makeDefault: true },
      { kind: 'extend-measurement', db: 'db', rp: 'week', measurement: 'cpu', tagKeys: ['host'], fields: [['v', 'integer']] },
    ]);
    assert.deepEqual(effects.seen, [], 'schema-only commands have no effects');
    await applier.apply([{ kind: 'drop-measurement', db: 'db', name: 'cpu' }], 7, () => Buffer.from('members'));
    assert.deepEqual(effects.seen, ['exclusive', 'drop-measurement']);
    const replay = await applier.apply([{ kind: 'drop-database', name: 'db' }], 7);
    assert.equal(replay.database('db')?.name, 'db', 'an index already applied changes nothing');
    await assert.rejects(writer.apply([{ kind: 'drop-measurement', db: 'nope', name: 'x' }]), DatabaseNotFoundError);
    assert.equal(applier.catalog.index, 7, 'a refused command takes no index');
    await store.close();

    const reopened = new CatalogStore(dir);
    await reopened.open();
    const db = reopened.catalog.database('db')!;
    assert.equal(reopened.catalog.index, 7);
    assert.equal(reopened.sidecar?.toString(), 'members');
    assert.equal(db.defaultRetentionPolicy, 'week');
    assert.equal(db.retentionPolicies.find((rp) => rp.name === 'week')!.durationNs, 604800000000000n);
    assert.equal(db.measurement('week', 'cpu'), undefined);
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
