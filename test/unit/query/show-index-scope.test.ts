// SHOW statements answered from 1.x's per-database index see every retention policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/core/meta/catalog.js';
import { indexedMeasurements, mergeSorted, sourceNameFilter, withMeasurementFilter } from '../../../src/core/query/execute/show-index-scope.js';

const catalog = Catalog.empty()
  .apply({ kind: 'create-database', name: 'db' })
  .apply({ kind: 'create-retention-policy', db: 'db', rp: { name: 'two', durationNs: 7_200_000_000_000n, shardGroupDurationNs: 3_600_000_000_000n, replicaN: 1 }, makeDefault: false })
  .apply({ kind: 'extend-measurement', db: 'db', rp: 'autogen', measurement: 'cpu', tagKeys: ['host'], fields: [['v', 'float']] })
  .apply({ kind: 'extend-measurement', db: 'db', rp: 'autogen', measurement: 'mem', tagKeys: ['host'], fields: [['v', 'float']] })
  .apply({ kind: 'extend-measurement', db: 'db', rp: 'two', measurement: 'cpu', tagKeys: ['host', 'zone'], fields: [['v', 'float']] })
  .apply({ kind: 'extend-measurement', db: 'db', rp: 'two', measurement: 'disk', tagKeys: ['dev'], fields: [['v', 'float']] });

test('measurements of every policy, by name, each with its table in every policy holding it', () => {
  const db = catalog.database('db')!;
  const list = indexedMeasurements(db);
  assert.deepEqual(list.map((m) => [m.name, m.parts.map((p) => p.rp)]), [['cpu', ['autogen', 'two']], ['disk', ['two']], ['mem', ['autogen']]]);
  assert.deepEqual(indexedMeasurements(db, sourceNameFilter([{ kind: 'measurement', retentionPolicy: 'two', name: 'cpu' }])).map((m) => m.parts.length), [2]);
  assert.deepEqual(indexedMeasurements(db, sourceNameFilter([{ kind: 'measurement', regex: '^d' }])).map((m) => m.name), ['disk']);
  assert.deepEqual(indexedMeasurements(db, withMeasurementFilter({ op: '!=', name: 'cpu' })).map((m) => m.name), ['disk', 'mem']);
});

test('mergeSorted unions sorted lists once per key', () => {
  assert.deepEqual(mergeSorted([['host'], ['host', 'zone']], (k) => k), ['host', 'zone']);
  assert.deepEqual(mergeSorted([[['host', 'a']], [['host', 'c'], ['host', 'a']]], ([k, v]) => `${k}\u0000${v}`), [['host', 'a'], ['host', 'c']]);
});
