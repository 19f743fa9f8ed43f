import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog } from '../../../src/core/meta/catalog.js';
import { CatalogStore } from '../../../src/core/meta/catalog-store.js';

test('a new database has the autogen default retention policy, infinite, 7d shards', () => {
  const catalog = Catalog.empty().apply({ kind: 'create-database', name: 'db' });
  const db = catalog.database('db')!;
  assert.equal(db.defaultRetentionPolicy, 'autogen');
  assert.deepEqual(db.retentionPolicies, [{ name: 'autogen', durationNs: 0n, shardGroupDurationNs: 604800000000000n, replicaN: 1 }]);
});

test('apply returns a new value and leaves the old one untouched', () => {
  const a = Catalog.empty().apply({ kind: 'create-database', name: 'db' });
  const b = a.apply({ kind: 'extend-measurement', db: 'db', rp: 'autogen', measurement: 'm', tagKeys: ['t'], fields: [['f', 'float']] });
  assert.equal(a.measurementState('db', 'autogen', 'm'), undefined);
  assert.equal(b.fieldType('db', 'autogen', 'm', 'f'), 'float');
  const c = b.apply({ kind: 'extend-measurement', db: 'db', rp: 'autogen', measurement: 'm', tagKeys: [], fields: [['f', 'integer']] });
  assert.equal(c.fieldType('db', 'autogen', 'm', 'f'), 'float', 'a field type never changes once set');
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

test('the catalog store persists across reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-catalog-'));
  try {
    const store = new CatalogStore(dir);
    await store.open();
    await store.apply([
      { kind: 'create-database', name: 'db' },
      { kind: 'create-retention-policy', db: 'db', rp: { name: 'week', durationNs: 604800000000000n, shardGroupDurationNs: 86400000000000n, replicaN: 1 }, makeDefault: true },
      { kind: 'extend-measurement', db: 'db', rp: 'week', measurement: 'cpu', tagKeys: ['host'], fields: [['v', 'integer']] },
    ]);
    await store.close();
    const reopened = new CatalogStore(dir);
    await reopened.open();
    const db = reopened.catalog.database('db')!;
    assert.equal(db.defaultRetentionPolicy, 'week');
    assert.equal(db.retentionPolicies.find((rp) => rp.name === 'week')!.durationNs, 604800000000000n);
    assert.deepEqual(db.measurement('week', 'cpu')!.tagKeys, ['host']);
    assert.equal(reopened.catalog.fieldType('db', 'week', 'cpu', 'v'), 'integer');
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
