import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/core/meta/catalog.js';
import { admitPoints, validateWrite } from '../../../src/core/write-validator.js';
import type { FieldType, FieldValue, Point } from '../../../src/core/model/point.js';

function point(measurement: string, fields: Array<[string, FieldType, FieldValue]>, tags: string[] = []): Point {
  return {
    measurement,
    tags,
    fieldKeys: fields.map((f) => f[0]),
    fieldTypes: fields.map((f) => f[1]),
    fieldValues: fields.map((f) => f[2]),
    timeNs: 1n,
  };
}

const base = Catalog.empty()
  .apply({ kind: 'create-database', name: 'db' })
  .apply({ kind: 'extend-measurement', db: 'db', rp: 'autogen', measurement: 'cpu', tagKeys: ['host'], fields: [['v', 'float']] });

test('a point conflicting with an existing field type is dropped with InfluxDB 1.6 wording', () => {
  const result = validateWrite(base, 'db', 'autogen', [point('cpu', [['v', 'integer', '1']]), point('cpu', [['v', 'float', 2]])]);
  assert.equal(result.accepted.length, 1);
  assert.equal(result.dropped, 1);
  assert.equal(result.firstReason, 'field type conflict: input field "v" on measurement "cpu" is type integer, already exists as type float');
  assert.equal(result.inBatchConflict, false);
});

test('a conflict within one batch in a policy holding data is a partial write (1.6.7: the shard exists)', () => {
  const result = validateWrite(base, 'db', 'autogen', [point('mem', [['a', 'integer', '1']]), point('mem', [['a', 'float', 2]]), point('mem', [['a', 'integer', '3']])]);
  assert.equal(result.accepted.length, 2);
  assert.equal(result.dropped, 1);
  assert.equal(result.firstReason, 'field type conflict: input field "a" on measurement "mem" is type float, already exists as type integer');
  assert.equal(result.inBatchConflict, false);
});

test('a conflict within the first batch of an empty policy rejects the whole batch (1.6.7: a new shard)', () => {
  const empty = Catalog.empty().apply({ kind: 'create-database', name: 'db' });
  const result = validateWrite(empty, 'db', 'autogen', [point('cpu', [['v', 'float', 1]]), point('mem', [['a', 'float', 1]]), point('mem', [['a', 'integer', '1']])]);
  assert.equal(result.inBatchConflict, true);
  assert.deepEqual(result.accepted, []);
  assert.deepEqual(result.commands, []);
});

test('new tag keys and fields become one extend-measurement command per measurement', () => {
  const result = validateWrite(base, 'db', 'autogen', [
    point('cpu', [['v', 'float', 1], ['w', 'string', 'x']], ['host', 'a', 'region', 'eu']),
    point('cpu', [['v', 'float', 1]], ['zone', 'z']),
  ]);
  assert.deepEqual(result.commands, [
    { kind: 'extend-measurement', db: 'db', rp: 'autogen', measurement: 'cpu', tagKeys: ['region', 'zone'], fields: [['w', 'string']], maxFields: 10_000, maxTagKeys: 1_000 },
  ]);
});

test('known schema yields no catalog command', () => {
  const result = validateWrite(base, 'db', 'autogen', [point('cpu', [['v', 'float', 1]], ['host', 'a'])]);
  assert.deepEqual(result.commands, []);
});

test('a field named time is dropped from a point, a point with only time is rejected', () => {
  const result = validateWrite(base, 'db', 'autogen', [point('cpu', [['v', 'float', 1], ['time', 'float', 2]]), point('cpu', [['time', 'float', 2]])]);
  assert.equal(result.accepted.length, 1);
  assert.deepEqual(result.accepted[0]!.fieldKeys, ['v']);
  assert.equal(result.firstReason, 'invalid field name: input field "time" on measurement "cpu" is invalid');
});

test('a tag key named time rejects the point', () => {
  const result = validateWrite(base, 'db', 'autogen', [point('cpu', [['v', 'float', 1]], ['time', '1'])]);
  assert.equal(result.dropped, 1);
  assert.equal(result.firstReason, 'invalid tag key: input tag "time" on measurement "cpu" is invalid');
});

test('admitPoints keeps only what the applied catalog holds, naming conflicts and limits', () => {
  // Another writer gave "x" the type string first; the limits left out field "over" and tag "t2".
  const applied = base.apply({ kind: 'extend-measurement', db: 'db', rp: 'autogen', measurement: 'cpu', tagKeys: ['t1'], fields: [['x', 'string']] });
  const tags = ['host', 'a'];
  const result = admitPoints(applied, 'db', 'autogen', [
    point('cpu', [['v', 'float', 1]], tags),
    point('cpu', [['x', 'integer', '1']], tags),
    point('cpu', [['over', 'float', 1]], tags),
    point('cpu', [['v', 'float', 2]], ['t2', 'b']),
    point('nowhere', [['v', 'float', 2]]),
    point('cpu', [['x', 'string', 'ok']], ['t1', 'z']),
  ], { maxFieldsPerMeasurement: 2, maxTagKeysPerMeasurement: 2 });
  assert.equal(result.accepted.length, 2);
  assert.equal(result.dropped, 4);
  assert.equal(result.firstReason, 'field type conflict: input field "x" on measurement "cpu" is type integer, already exists as type string');
  const one = (p: Point): string | null => admitPoints(applied, 'db', 'autogen', [p], { maxFieldsPerMeasurement: 2, maxTagKeysPerMeasurement: 2 }).firstReason;
  assert.equal(one(point('cpu', [['over', 'float', 1]])), 'max-fields-per-measurement limit exceeded: (2/2): measurement="cpu" field="over"');
  assert.equal(one(point('cpu', [['v', 'float', 1]], ['t2', 'b'])), 'max-tag-keys-per-measurement limit exceeded: (2/2): measurement="cpu" tag="t2"');
});

test('admitPoints checks each shape once but never trusts a types array shared by other keys', () => {
  const types: FieldType[] = ['float'];
  const a: Point = { measurement: 'cpu', tags: [], fieldKeys: ['v'], fieldTypes: types, fieldValues: [1], timeNs: 1n };
  const b: Point = { measurement: 'cpu', tags: [], fieldKeys: ['nope'], fieldTypes: types, fieldValues: [1], timeNs: 1n };
  const result = admitPoints(base, 'db', 'autogen', [a, a, b], { maxFieldsPerMeasurement: 1, maxTagKeysPerMeasurement: 10 });
  assert.equal(result.accepted.length, 2);
  assert.equal(result.dropped, 1);
});
