// SHOW conditions as InfluxDB 1.6's index reads them: on tags only, time cut out, orderings refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelect } from '../../../src/core/query/language/parser.js';
import { compileCondition, conditionHasTime, extractTimeRange, indexCondition } from '../../../src/core/query/sql/condition-sql.js';
import { MAX_TIME_NS, MIN_TIME_NS } from '../../../src/core/query/language/time-literal.js';
import type { MeasurementView } from '../../../src/core/meta/schema-view.js';

const cpu: MeasurementView = { name: 'cpu', tagKeys: ['host', 'region'], fieldTypes: new Map([['usage', 'float']]) };
const where = (text: string) => parseSelect(`SELECT usage FROM cpu WHERE ${text}`).condition;
const show = (text: string): string | undefined => {
  const e = indexCondition(where(text), cpu);
  return e === undefined ? undefined : compileCondition(e, { measurement: cpu, nowNs: 0n });
};

test('time comparisons are cut out of the expression, under AND and OR alike', () => {
  assert.equal(show("time > '2023-03-01T01:00:00Z'"), undefined);
  assert.equal(show("time > 0 OR region = 'us-west'"), "(`t_region` = 'us-west')");
  assert.equal(show("(time > 0 AND host = 'a') OR region = 'b'"), "((`t_host` = 'a') OR (`t_region` = 'b'))");
});

test('a field comparison or a non-string literal holds for every series', () => {
  assert.equal(show('usage = 5'), '1');
  assert.equal(show("usage = 5 AND host = 'a'"), "(`t_host` = 'a')");
  assert.equal(show("usage =~ /5/ OR host = 'a'"), '1');
  assert.equal(show("host = 4 OR host = 'a'"), '1');
});

test('ordering comparisons other than on time are refused', () => {
  assert.throws(() => show("host > 'a'"), { message: 'invalid tag comparison operator' });
  assert.throws(() => show('usage > 99'), { message: 'invalid tag comparison operator' });
});

test('conditionHasTime finds time anywhere in the tree', () => {
  assert.equal(conditionHasTime(where("host = 'a' OR (region = 'b' AND time > 0)")), true);
  assert.equal(conditionHasTime(where("host = 'a'")), false);
  assert.equal(conditionHasTime(undefined), false);
});

test('the time range says whether any upper bound was given, even one at the largest time', () => {
  assert.deepEqual(extractTimeRange(where('time < 9223372036854775807'), 0n), { minNs: MIN_TIME_NS, maxNs: MAX_TIME_NS, upperBounded: true });
  assert.deepEqual(extractTimeRange(where("time >= 5 AND host = 'a'"), 0n), { minNs: 5n, maxNs: MAX_TIME_NS });
  assert.deepEqual(extractTimeRange(where('time >= 5 AND time <= 9223372036854775806'), 0n), { minNs: 5n, maxNs: MAX_TIME_NS, upperBounded: true });
  assert.equal(extractTimeRange(where('time = 7'), 0n).upperBounded, true);
});

test('time literals past the storable range are refused as influxd 1.6 does; integers are not', () => {
  const range = (text: string) => () => extractTimeRange(where(text), 0n);
  assert.throws(range("time < '9999-12-31T23:59:59Z'"), { message: 'time 9999-12-31T23:59:59Z overflows time literal' });
  assert.throws(range("time < '2262-04-11T23:47:16.854775807Z'"), { message: 'time 2262-04-11T23:47:16Z overflows time literal' });
  assert.throws(range("time < '2262-04-11T23:00:00Z' + 1h"), { message: 'time 2262-04-12T00:00:00Z overflows time literal' });
  assert.throws(range('time < 9223372036854775806 + 1h'), { message: /overflows time literal/ });
  assert.throws(range("time > '1677-09-21T00:12:43.145224194Z' - 1h"), { message: 'time 1677-09-20T23:12:43Z underflows time literal' });
  assert.throws(range("time > '1677-09-21T00:12:43.145224194Z'"), { message: 'time 1677-09-21T00:12:43Z underflows time literal' });
  assert.throws(range('time < 9223372036854775808'), { message: 'invalid operation: time and *influxql.UnsignedLiteral are not compatible' });
  assert.equal(extractTimeRange(where("time < '2262-04-11T23:47:16.854775806Z'"), 0n).maxNs, MAX_TIME_NS - 1n);
  assert.equal(extractTimeRange(where("time > '1677-09-21T00:12:43.145224195Z'"), 0n).minNs, MIN_TIME_NS + 2n);
  assert.equal(extractTimeRange(where('time <= 9223372036854775807'), 0n).maxNs, MAX_TIME_NS + 1n);
  assert.equal(extractTimeRange(where("time > now() - '2023-03-01T00:00:00Z'"), 0n).minNs, 1n - 1_677_628_800_000_000_000n);
});
