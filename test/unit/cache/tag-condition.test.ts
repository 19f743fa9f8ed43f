// WHERE on tags decided per series as the compiled SQL decides it per row; anything reading a
// field, or a form the evaluator does not know, is left to chDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuery } from '../../../src/core/query/language/parser.js';
import type { SelectStatement } from '../../../src/core/query/language/ast.js';
import type { MeasurementView } from '../../../src/core/meta/schema-view.js';
import { seriesPredicate } from '../../../src/core/cache/tag-condition.js';

const cpu: MeasurementView = { name: 'cpu', tagKeys: ['env', 'host', 'region'], fieldTypes: new Map([['v', 'float'], ['s', 'string'], ['host2', 'float']]) };

function where(condition: string): SelectStatement['condition'] {
  const [statement] = parseQuery(`SELECT v FROM cpu WHERE ${condition}`, {});
  return (statement as SelectStatement).condition;
}

function decide(condition: string, tags: Record<string, string>): boolean | undefined {
  const predicate = seriesPredicate(where(condition), cpu);
  return predicate === undefined ? undefined : predicate((key) => tags[key] ?? '');
}

const a = { host: 'a', region: 'west' };

test('tag equality, regex, missing tags and boolean logic', () => {
  assert.equal(decide("host = 'a'", a), true);
  assert.equal(decide("host != 'a'", a), false);
  assert.equal(decide("env = ''", a), true, 'a missing tag is empty');
  assert.equal(decide("nosuch = ''", a), true, 'an unknown name compares as an empty tag');
  assert.equal(decide("nosuch != 'x'", a), true);
  assert.equal(decide('region =~ /^we/', a), true);
  assert.equal(decide('region !~ /^we/', a), false);
  assert.equal(decide("host = 'b' OR region = 'west'", a), true);
  assert.equal(decide("(host = 'a' AND region = 'east') OR env = 'x'", a), false);
  assert.equal(decide('host = region', a), false);
});

test('time comparisons hold (they shape the range), even under OR', () => {
  assert.equal(decide("time > now() - 1h AND host = 'a'", a), true);
  assert.equal(decide("time > now() - 1h OR host = 'b'", a), true);
});

test('a tag compared with a number or ordered never matches, as in InfluxDB 1.x', () => {
  assert.equal(decide('host = 1', a), false);
  assert.equal(decide("host > 'a'", a), false);
});

test('field conditions and unknown forms are left to chDB', () => {
  assert.equal(decide('v > 1', a), undefined);
  assert.equal(decide("s = 'x'", a), undefined);
  assert.equal(decide("host = 'a' AND v > 1", a), undefined);
  assert.equal(decide("'a' = 'a'", a), undefined);
  assert.equal(decide('host::field = 1', a), false, 'a cast to a field that does not exist reads NULL');
});
