import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogStore } from '../../../src/core/meta/catalog-store.js';
import { CatalogApplier, catchUpCommands, type CatalogEffects } from '../../../src/core/meta/catalog-applier.js';
import { Catalog } from '../../../src/core/meta/catalog.js';
import { ClusterStateMachine, encodeClusterCommand, decodeClusterCommand, type ClusterCommand } from '../../../src/cluster/cluster-state-machine.js';

function effects(seen: string[]): CatalogEffects {
  return {
    async apply(command) {
      seen.push(command.kind === 'drop-measurement' ? `drop-measurement:${command.name}` : command.kind);
    },
    exclusive: (fn) => fn(),
  };
}

async function open(dir: string, seen: string[]): Promise<{ store: CatalogStore; sm: ClusterStateMachine }> {
  const store = new CatalogStore(dir);
  await store.open();
  return { store, sm: new ClusterStateMachine(new CatalogApplier(store, effects(seen))) };
}

const cmd = (command: ClusterCommand): Uint8Array => encodeClusterCommand(command);

test('commands round-trip with bigint durations', () => {
  const command: ClusterCommand = { kind: 'catalog', commands: [{ kind: 'create-retention-policy', db: 'd', rp: { name: 'w', durationNs: 604800000000000n, shardGroupDurationNs: 0n, replicaN: 3 }, makeDefault: true }] };
  assert.deepEqual(decodeClusterCommand(encodeClusterCommand(command)), command);
});

test('catalog and membership apply in log order, persist with the index, and a replay applies nothing twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-sm-'));
  const seen: string[] = [];
  try {
    let { store, sm } = await open(dir, seen);
    await sm.apply(cmd({ kind: 'catalog', commands: [{ kind: 'create-database', name: 'db' }] }), 4);
    await sm.apply(cmd({ kind: 'register-node', id: 'n1', httpAddress: 'h:1', raftAddress: 'h:2', initialState: 'active' }), 5);
    await sm.apply(cmd({ kind: 'catalog', commands: [{ kind: 'extend-measurement', db: 'db', rp: 'autogen', measurement: 'm', tagKeys: [], fields: [['v', 'float']] }] }), 6);
    await sm.apply(cmd({ kind: 'catalog', commands: [{ kind: 'drop-measurement', db: 'db', name: 'm' }] }), 7);
    await assert.rejects(sm.apply(cmd({ kind: 'set-node-state', id: 'ghost', state: 'active' }), 8), /not a member/);
    assert.equal(sm.appliedIndex, 7);
    assert.deepEqual(seen, ['drop-measurement:m']);
    await store.close();

    ({ store, sm } = await open(dir, seen));
    assert.equal(sm.appliedIndex, 7);
    assert.equal(sm.membership.get('n1')!.httpAddress, 'h:1', 'membership persisted with the catalog');
    // Raft replays entries after its own snapshot: those at or below the applied index change nothing.
    await sm.apply(cmd({ kind: 'catalog', commands: [{ kind: 'drop-database', name: 'db' }] }), 6);
    await sm.apply(cmd({ kind: 'remove-node', id: 'n1' }), 5);
    assert.ok(store.catalog.database('db'));
    assert.ok(sm.membership.get('n1'));
    assert.deepEqual(seen, ['drop-measurement:m'], 'no effect ran twice');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a snapshot restores catalog and membership, doing to stored data what the skipped commands did', async () => {
  const source = mkdtempSync(join(tmpdir(), 'hb-sm-'));
  const target = mkdtempSync(join(tmpdir(), 'hb-sm-'));
  const seen: string[] = [];
  try {
    const a = await open(source, []);
    const b = await open(target, seen);
    for (const sm of [a.sm, b.sm]) {
      await sm.apply(cmd({ kind: 'catalog', commands: [{ kind: 'create-database', name: 'db' }] }), 1);
      await sm.apply(cmd({ kind: 'catalog', commands: [{ kind: 'extend-measurement', db: 'db', rp: 'autogen', measurement: 'gone', tagKeys: [], fields: [['v', 'float']] }] }), 2);
    }
    await a.sm.apply(cmd({ kind: 'catalog', commands: [{ kind: 'drop-measurement', db: 'db', name: 'gone' }] }), 3);
    await a.sm.apply(cmd({ kind: 'catalog', commands: [{ kind: 'delete-data', db: 'db', measurements: [], whereSql: 'true', dropSeries: false }] }), 4);
    await a.sm.apply(cmd({ kind: 'register-node', id: 'n2', httpAddress: 'x', raftAddress: 'y', initialState: 'active' }), 5);
    await b.sm.restore(await a.sm.snapshot());
    assert.equal(b.sm.appliedIndex, 5);
    assert.equal(b.store.catalog.measurementState('db', 'autogen', 'gone'), undefined);
    assert.equal(b.sm.membership.get('n2')!.raftAddress, 'y');
    assert.deepEqual(seen, ['drop-measurement:gone', 'delete-data']);
    await a.store.close();
    await b.store.close();
  } finally {
    rmSync(source, { recursive: true, force: true });
    rmSync(target, { recursive: true, force: true });
  }
});

test('catch-up commands name dropped databases, policies, re-created measurements and later deletes', () => {
  const before = Catalog.empty()
    .apply({ kind: 'create-database', name: 'a' })
    .apply({ kind: 'create-database', name: 'b' })
    .apply({ kind: 'create-retention-policy', db: 'b', rp: { name: 'w', durationNs: 7_200_000_000_000n, shardGroupDurationNs: 0n, replicaN: 1 }, makeDefault: false })
    .apply({ kind: 'extend-measurement', db: 'b', rp: 'autogen', measurement: 'm', tagKeys: [], fields: [['v', 'float']] });
  const after = before
    .apply({ kind: 'drop-database', name: 'a' })
    .apply({ kind: 'drop-retention-policy', db: 'b', name: 'w' })
    .apply({ kind: 'drop-measurement', db: 'b', name: 'm' })
    .apply({ kind: 'extend-measurement', db: 'b', rp: 'autogen', measurement: 'm', tagKeys: [], fields: [['v', 'string']] })
    .apply({ kind: 'delete-data', db: 'b', measurements: ['m'], whereSql: 'x', dropSeries: false });
  assert.deepEqual(catchUpCommands(before, after).map((c) => c.kind), ['drop-database', 'drop-retention-policy', 'drop-measurement', 'delete-data']);
});
