// The retention service's decisions: whole partitions past the cutoff are dropped, a partition
// straddling it gets one delete (not while an earlier one still runs), infinite policies and
// unknown tables are left alone, and every table that lost rows is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Catalog } from '../../../src/core/meta/catalog.js';
import { createRetentionMetrics, retentionActions, RetentionService } from '../../../src/core/services/retention.js';
import type { RetentionStore, StoredPartition } from '../../../src/core/store/retention-store.js';
import { chTableName } from '../../../src/core/store/naming.js';
import { ManualClock } from './support/manual-clock.js';

const H = 3_600_000_000_000n;
const D = 24n * H;
const ns = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n;
const part = (table: string, id: string, min: string, max: string, rows = 10): StoredPartition => ({ table, partitionId: id, minTimeNs: ns(min), maxTimeNs: ns(max), rows });

test('retentionActions: drop what ends before the cutoff, delete inside the straddling partition', () => {
  const cutoff = ns('2024-01-10T00:00:00Z');
  const partitions = [part('t', 'a', '2024-01-01T00:00:00Z', '2024-01-07T23:00:00Z'), part('t', 'b', '2024-01-08T00:00:00Z', '2024-01-14T23:00:00Z'), part('t', 'c', '2024-01-15T00:00:00Z', '2024-01-16T00:00:00Z')];
  assert.deepEqual(retentionActions(partitions, cutoff), { drop: [partitions[0]], deleteRows: true });
  assert.deepEqual(retentionActions(partitions.slice(2), cutoff), { drop: [], deleteRows: false });
  const lastSecond = part('t', 'x', '2024-01-09T00:00:00Z', '2024-01-09T23:59:59Z');
  assert.deepEqual(retentionActions([lastSecond], cutoff), { drop: [lastSecond], deleteRows: false }, 'max_time is whole seconds: its rows end before the next second');
  assert.deepEqual(retentionActions([part('t', 'y', '2024-01-09T00:00:00Z', '2024-01-10T00:00:00Z')], cutoff), { drop: [], deleteRows: true }, 'a row in the cutoff second may be kept');
});

function fakeStore(partitions: StoredPartition[], busy: string[] = []) {
  const calls: string[] = [];
  const store: RetentionStore = {
    partitions: async (db, rp) => (calls.push(`list ${db}.${rp}`), partitions),
    busyTables: async () => new Set(busy),
    dropPartition: async (_db, _rp, m, id) => void calls.push(`drop ${m} ${id}`),
    countBefore: async () => 7,
    deleteBefore: async (_db, _rp, m, cutoff) => void calls.push(`delete ${m} < ${cutoff}`),
  };
  return { store, calls };
}

function catalog(): Catalog {
  return Catalog.empty()
    .apply({ kind: 'create-database', name: 'db' })
    .apply({ kind: 'create-retention-policy', db: 'db', rp: { name: 'week', durationNs: 7n * D, shardGroupDurationNs: D, replicaN: 1 }, makeDefault: false })
    .apply({ kind: 'extend-measurement', db: 'db', rp: 'week', measurement: 'cpu', tagKeys: [], fields: [['v', 'float']] })
    .apply({ kind: 'extend-measurement', db: 'db', rp: 'autogen', measurement: 'cpu', tagKeys: [], fields: [['v', 'float']] });
}

test('a pass removes expired data of finite policies only, one delete per table, and reports the tables', async () => {
  const cpu = chTableName('cpu');
  const { store, calls } = fakeStore([part(cpu, '20240101', '2024-01-01T00:00:00Z', '2024-01-07T23:00:00Z', 100), part(cpu, '20240108', '2024-01-08T00:00:00Z', '2024-01-14T23:00:00Z'), part('m_unknown', '20240101', '2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z')]);
  const changed: string[] = [];
  const metrics = createRetentionMetrics(new Registry());
  const service = new RetentionService({ enabled: true, intervalMs: 60_000 }, {
    schema: catalog,
    store,
    tableChanged: (db, rp, m) => changed.push(`${db}.${rp}.${m}`),
    clock: new ManualClock(Date.parse('2024-01-17T10:30:00Z')),
    log: pino({ level: 'silent' }),
    metrics,
  });
  await service.enforce();
  // 7d before 2024-01-17T10:30 is 2024-01-10T10:30, rounded down to the day's shard group.
  assert.deepEqual(calls, ['list db.week', `drop cpu 20240101`, `delete cpu < ${ns('2024-01-10T00:00:00Z')}`]);
  assert.deepEqual(changed, ['db.week.cpu']);
  assert.equal((await metrics.rowsRemoved.get()).values[0]!.value, 107);
  assert.equal((await metrics.partitionsDropped.get()).values[0]!.value, 1);
  assert.equal((await metrics.runs.get()).values[0]!.value, 1);
});

test('no second delete while the table\'s earlier mutation still runs', async () => {
  const cpu = chTableName('cpu');
  const { store, calls } = fakeStore([part(cpu, '20240108', '2024-01-08T00:00:00Z', '2024-01-14T23:00:00Z')], [cpu]);
  const service = new RetentionService({ enabled: true, intervalMs: 60_000 }, {
    schema: catalog,
    store,
    tableChanged: () => undefined,
    clock: new ManualClock(Date.parse('2024-01-17T10:30:00Z')),
    log: pino({ level: 'silent' }),
    metrics: createRetentionMetrics(new Registry()),
  });
  await service.enforce();
  assert.deepEqual(calls, ['list db.week']);
});
