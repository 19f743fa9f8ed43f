// WHERE split for the recent-points cache: tag conjuncts per series, numeric field comparisons per
// row (a missing field fails every comparison, as SQL's NULL under ifNull), anything else undecided.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelect } from '../../../src/core/query/language/parser.js';
import type { MeasurementView } from '../../../src/core/meta/schema-view.js';
import { splitCondition } from '../../../src/core/cache/row-condition.js';

const cpu: MeasurementView = { name: 'cpu', tagKeys: ['host', 'region'], fieldTypes: new Map([['v', 'float'], ['i', 'integer'], ['s', 'string'], ['b', 'boolean']]) };

type Row = Record<string, number>;

/** The split's verdict on one row of a series, or undefined when it leaves the condition to chDB. */
function decide(condition: string, tags: Record<string, string>, row: Row): boolean | undefined {
  const split = splitCondition(parseSelect(`SELECT v FROM cpu WHERE ${condition}`).condition, cpu);
  if (split === undefined) return undefined;
  if (!split.series((key) => tags[key] ?? '')) return false;
  return split.row === undefined ? true : split.row((field) => row[field] ?? NaN);
}

const a = { host: 'a', region: 'west' };

test('numeric field comparisons per row, tags per series, time holds', () => {
  assert.equal(decide('v > 90', a, { v: 95 }), true);
  assert.equal(decide('v > 90.0', a, { v: 90 }), false);
  assert.equal(decide('90 < v', a, { v: 95 }), true);
  assert.equal(decide("v >= 1 AND host = 'a'", a, { v: 1 }), true);
  assert.equal(decide("v >= 1 AND host = 'b'", a, { v: 1 }), false);
  assert.equal(decide('i = 7 OR v <= 0.5', a, { i: 7 }), true);
  assert.equal(decide('i = 7.5', a, { i: 7 }), false);
  assert.equal(decide('v != 3', a, { v: 4 }), true);
  assert.equal(decide("time > now() - 1h AND v < 2", a, { v: 1 }), true);
  assert.equal(decide('v < i', a, { v: 1, i: 2 }), true);
});

test('a missing field or unknown name fails every comparison, != included', () => {
  assert.equal(decide('v > 1', a, {}), false);
  assert.equal(decide('v != 3', a, {}), false);
  assert.equal(decide('nosuch > 1', a, { v: 5 }), false);
  assert.equal(decide('nosuch > 1 OR v = 5', a, { v: 5 }), true);
});

test('forms the row evaluator does not know are left to chDB', () => {
  assert.equal(decide("s = 'x'", a, {}), undefined, 'string field');
  assert.equal(decide('b = true', a, {}), undefined, 'boolean field');
  assert.equal(decide('v + 1 > 2', a, { v: 5 }), undefined, 'arithmetic');
  assert.equal(decide("v > 1 OR host = 'a'", a, { v: 5 }), undefined, 'a field and a tag under OR');
  assert.equal(decide('v =~ /1/', a, { v: 1 }), undefined, 'regex on a field');
  assert.equal(decide('i > 9223372036854775807', a, { i: 1 }), undefined, 'an integer beyond 2^53');
});
