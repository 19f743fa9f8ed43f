// SHOW conditions as InfluxDB 1.6's index reads them: on tags only, time cut out, orderings refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelect } from '../../../src/core/query/parser.js';
import { compileCondition, conditionHasTime, indexCondition } from '../../../src/core/query/condition-sql.js';
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
