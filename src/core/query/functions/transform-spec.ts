// Reads an InfluxQL transformation call (derivative, moving_average, the technical-analysis
// family, holt_winters ...) into the parameters its per-series step needs. Pure AST reading.

import type { Expr } from '../language/ast.js';
import type { ForecastParams } from './holt-winters.js';
import { StatementError } from '../execute/result.js';
import { INDICATOR_NAMES, type IndicatorParams } from './technical-analysis.js';
import { FORECAST_NAMES, forecastParams, indicatorParams, isIndicator } from './technical-analysis-args.js';

export const TRANSFORMS: ReadonlySet<string> = new Set([
  'cumulative_sum', 'derivative', 'difference', 'elapsed', 'moving_average', 'non_negative_derivative', 'non_negative_difference',
  ...INDICATOR_NAMES, ...FORECAST_NAMES,
]);

/** A TypeScript post-step applied to one output column per series (InfluxQL-only semantics). */
export interface TransformSpec {
  readonly name: string;
  /** derivative/elapsed unit, moving_average window. */
  readonly unitNs: bigint;
  readonly window: number;
  /** Technical-analysis functions (exponential_moving_average, ...): period, hold, warm-up. */
  readonly indicator?: IndicatorParams;
  /** holt_winters / holt_winters_with_fit. */
  readonly forecast?: ForecastParams;
}

function stripParens(expr: Expr): Expr {
  return expr.kind === 'paren' ? stripParens(expr.expr) : expr;
}

/** The transformation's parameters and its input expression (a field or an aggregate call). */
export function transformSpec(call: Extract<Expr, { kind: 'call' }>): { spec: TransformSpec; inner: Expr } {
  const [inner, second] = call.args;
  if (inner === undefined) throw new StatementError(`invalid number of arguments for ${call.name}, expected at least 1, got 0`);
  if (isIndicator(call.name)) return { spec: { name: call.name, unitNs: 0n, window: 0, indicator: indicatorParams(call) }, inner };
  if (FORECAST_NAMES.has(call.name)) return { spec: { name: call.name, unitNs: 0n, window: 0, forecast: forecastParams(call) }, inner };
  let unitNs = call.name === 'elapsed' ? 1n : 1_000_000_000n;
  let window = 0;
  if (call.name === 'moving_average') {
    const s = second === undefined ? undefined : stripParens(second);
    if (s?.kind !== 'integer' || s.value < 1n) throw new StatementError('moving_average window must be greater than 1, got 0');
    window = Number(s.value);
  } else if (second !== undefined) {
    const s = stripParens(second);
    if (s.kind !== 'duration') throw new StatementError(`second argument to ${call.name} must be a duration, got ${s.kind}`);
    unitNs = s.ns;
  }
  return { spec: { name: call.name, unitNs, window }, inner };
}
