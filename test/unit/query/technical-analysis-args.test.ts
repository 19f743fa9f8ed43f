// Arguments of technical-analysis and holt_winters calls: parameters read, and influxd 1.6.7's
// exact error messages (each one recorded from a live influxd).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Expr } from '../../../src/core/query/language/ast.js';
import { parseSelect } from '../../../src/core/query/language/parser.js';
import { forecastParams, indicatorIteratorLabel, indicatorParams, validateAnalysisCall } from '../../../src/core/query/functions/technical-analysis-args.js';

function callOf(query: string): Extract<Expr, { kind: 'call' }> {
  const expr = parseSelect(query).fields[0]?.expr;
  assert.equal(expr?.kind, 'call');
  return expr as Extract<Expr, { kind: 'call' }>;
}

const INTERVAL = " WHERE time >= '2023-03-01T00:00:00Z' AND time < '2023-03-01T01:00:00Z' GROUP BY time(10m)";

const ERRORS: Array<[string, string]> = [
  ['SELECT exponential_moving_average(usage_user) FROM cpu', 'invalid number of arguments for exponential_moving_average, expected at least 2 but no more than 4, got 1'],
  ["SELECT exponential_moving_average(usage_user, 2, 1, 'simple', 3) FROM cpu", 'invalid number of arguments for exponential_moving_average, expected at least 2 but no more than 4, got 5'],
  ['SELECT exponential_moving_average(usage_user, 2.5) FROM cpu', 'exponential_moving_average period must be an integer'],
  ['SELECT exponential_moving_average(usage_user, 0) FROM cpu', 'exponential_moving_average period must be greater than or equal to 1'],
  ['SELECT exponential_moving_average(usage_user, 3, -2) FROM cpu', 'exponential_moving_average hold period must be greater than or equal to 0'],
  ['SELECT exponential_moving_average(usage_user, 3, 1.5) FROM cpu', 'exponential_moving_average hold period must be an integer'],
  ["SELECT exponential_moving_average(usage_user, 3, 1, 'foo') FROM cpu", "exponential_moving_average warmup type must be one of: 'exponential' 'simple'"],
  ["SELECT exponential_moving_average(usage_user, 3, 1, 'none') FROM cpu", "exponential_moving_average warmup type must be one of: 'exponential' 'simple'"],
  ['SELECT exponential_moving_average(usage_user, 3, 1, 5) FROM cpu', 'exponential_moving_average warmup type must be a string'],
  ['SELECT triple_exponential_derivative(usage_user, 3, 0) FROM cpu', 'triple_exponential_derivative hold period must be greater than or equal to 1'],
  ["SELECT kaufmans_efficiency_ratio(usage_user, 3, 1, 'simple') FROM cpu", 'invalid number of arguments for kaufmans_efficiency_ratio, expected at least 2 but no more than 3, got 4'],
  ['SELECT kaufmans_efficiency_ratio(usage_user) FROM cpu', 'invalid number of arguments for kaufmans_efficiency_ratio, expected at least 2 but no more than 3, got 1'],
  ["SELECT chande_momentum_oscillator(usage_user, 3, 1, 'foo') FROM cpu", "chande_momentum_oscillator warmup type must be one of: 'none' 'exponential' 'simple'"],
  ['SELECT exponential_moving_average(mean(usage_user), 3) FROM cpu', 'exponential_moving_average aggregate requires a GROUP BY interval'],
  [`SELECT exponential_moving_average(usage_user, 3) FROM cpu${INTERVAL}`, 'aggregate function required inside the call to exponential_moving_average'],
  ['SELECT holt_winters(usage_user, 3, 0) FROM cpu', 'must use aggregate function with holt_winters'],
  ['SELECT holt_winters(mean(usage_user), 3, 0) FROM cpu', 'holt_winters aggregate requires a GROUP BY interval'],
  ['SELECT holt_winters(mean(usage_user), 3) FROM cpu', 'invalid number of arguments for holt_winters, expected 3, got 2'],
  [`SELECT holt_winters(mean(usage_user), 0, 0) FROM cpu${INTERVAL}`, 'second arg to holt_winters must be greater than 0, got 0'],
  [`SELECT holt_winters(mean(usage_user), 2, -1) FROM cpu${INTERVAL}`, 'third arg to holt_winters cannot be negative, got -1'],
  [`SELECT holt_winters(mean(usage_user), 2.5, 1) FROM cpu${INTERVAL}`, 'expected integer argument as second arg in holt_winters'],
  [`SELECT holt_winters_with_fit(mean(usage_user), 2, 'a') FROM cpu${INTERVAL}`, 'expected integer argument as third arg in holt_winters_with_fit'],
];

test('invalid calls fail with influxql 1.6 messages', () => {
  for (const [query, message] of ERRORS) {
    const hasInterval = query.includes('GROUP BY time');
    assert.throws(() => validateAnalysisCall(callOf(query), { hasInterval }), { message }, query);
  }
});

test('parameters: hold defaults to -1, warm-up to exponential (none for chande_momentum_oscillator)', () => {
  assert.deepEqual(indicatorParams(callOf('SELECT exponential_moving_average(a, 3) FROM m')), { name: 'exponential_moving_average', period: 3, hold: -1, warmup: 'exponential' });
  assert.deepEqual(indicatorParams(callOf("SELECT relative_strength_index(a, 4, 2, 'simple') FROM m")), { name: 'relative_strength_index', period: 4, hold: 2, warmup: 'simple' });
  assert.deepEqual(indicatorParams(callOf('SELECT chande_momentum_oscillator(a, 5) FROM m')), { name: 'chande_momentum_oscillator', period: 5, hold: -1, warmup: 'none' });
  assert.deepEqual(indicatorParams(callOf('SELECT kaufmans_efficiency_ratio(a, 2, 0) FROM m')), { name: 'kaufmans_efficiency_ratio', period: 2, hold: 0, warmup: 'exponential' });
  assert.deepEqual(forecastParams(callOf('SELECT holt_winters_with_fit(mean(a), 10, 4) FROM m')), { horizon: 10, season: 4, withFit: true });
});

test('valid calls pass; iterator labels read like influxd type errors', () => {
  for (const query of ['SELECT exponential_moving_average(a, 3) FROM m', 'SELECT chande_momentum_oscillator(*, 3, -1) FROM m', 'SELECT kaufmans_adaptive_moving_average(/a/, 2) FROM m']) {
    assert.doesNotThrow(() => validateAnalysisCall(callOf(query), { hasInterval: false }), query);
  }
  assert.doesNotThrow(() => validateAnalysisCall(callOf('SELECT holt_winters(max(a), 1, 0) FROM m'), { hasInterval: true }));
  assert.equal(indicatorIteratorLabel('kaufmans_efficiency_ratio'), 'kaufmans efficiency ratio');
});
