// Compile-time SELECT checks: InfluxDB 1.6's messages, raised before any data is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelect } from '../../../src/core/query/language/parser.js';
import { validateSelect } from '../../../src/core/query/execute/select-validate.js';

const CASES: Array<[string, string]> = [
  ['SELECT time FROM cpu LIMIT 3', 'at least 1 non-time field must be queried'],
  ['SELECT 1 + 1 FROM cpu', 'field must contain at least one variable'],
  ['SELECT count() FROM cpu', 'invalid number of arguments for count, expected 1, got 0'],
  ['SELECT count(a, b) FROM cpu', 'invalid number of arguments for count, expected 1, got 2'],
  ['SELECT percentile(a) FROM cpu', 'invalid number of arguments for percentile, expected 2, got 1'],
  ['SELECT top(a) FROM cpu', 'invalid number of arguments for top, expected at least 2, got 1'],
  ['SELECT top(a, 0) FROM cpu', 'limit (0) in top function must be at least 1'],
  ['SELECT bottom(a, host, 3) FROM cpu GROUP BY region LIMIT 2', 'limit (3) in bottom function can not be larger than the LIMIT (2) in the select statement'],
  ['SELECT distinct(*) FROM cpu', 'expected field argument in distinct()'],
  ["SELECT derivative(a, 'x') FROM cpu", 'second argument to derivative must be a duration, got *influxql.StringLiteral'],
  ['SELECT derivative(mean(a)) FROM cpu', 'derivative aggregate requires a GROUP BY interval'],
  ['SELECT a, derivative(a) FROM cpu', 'mixing aggregate and non-aggregate queries is not supported'],
  ['SELECT mean(a) FROM cpu GROUP BY time(10m), time(5m)', 'multiple time dimensions not allowed'],
  ['SELECT count(a) FROM cpu WHERE mean(a) > 2', 'invalid function call in condition: mean(a)'],
];

test('invalid SELECTs fail with InfluxDB messages', () => {
  for (const [query, message] of CASES) assert.throws(() => validateSelect(parseSelect(query)), { message }, query);
});

test('valid SELECTs pass', () => {
  for (const query of [
    'SELECT a, b FROM cpu',
    'SELECT time, a FROM cpu',
    'SELECT count(distinct(a)) FROM cpu',
    'SELECT top(a, host, 3) FROM cpu',
    'SELECT top(a, 3) FROM cpu LIMIT 3',
    'SELECT derivative(mean(a), 1s) FROM cpu WHERE time > now() - 1h GROUP BY time(1m)',
    'SELECT max(a), host FROM cpu',
  ]) {
    assert.doesNotThrow(() => validateSelect(parseSelect(query)), query);
  }
});
