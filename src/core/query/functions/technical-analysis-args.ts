// Reads the arguments of InfluxQL's technical-analysis and holt_winters calls into parameters,
// failing with influxql 1.6's exact messages. Pure: it only inspects the call's AST.

import type { Expr } from '../language/ast.js';
import type { ForecastParams } from './holt-winters.js';
import { StatementError } from '../execute/result.js';
import { INDICATOR_NAMES, type IndicatorName, type IndicatorParams, type Warmup } from './technical-analysis.js';

type Call = Extract<Expr, { kind: 'call' }>;

export const FORECAST_NAMES: ReadonlySet<string> = new Set(['holt_winters', 'holt_winters_with_fit']);
const INDICATORS: ReadonlySet<string> = new Set(INDICATOR_NAMES);
const KAUFMANS: ReadonlySet<string> = new Set(['kaufmans_efficiency_ratio', 'kaufmans_adaptive_moving_average']);

export function isIndicator(name: string): name is IndicatorName {
  return INDICATORS.has(name);
}

/** Name of a function's iterator in InfluxDB's type errors ("unsupported <label> iterator type"). */
export function indicatorIteratorLabel(name: IndicatorName): string {
  return name.replace(/_/g, ' ');
}

function strip(expr: Expr | undefined): Expr | undefined {
  return expr?.kind === 'paren' ? strip(expr.expr) : expr;
}

function integerArg(expr: Expr | undefined): number | undefined {
  const e = strip(expr);
  return e?.kind === 'integer' ? Number(e.value) : undefined;
}

function checkArity(call: Call, max: number): void {
  const got = call.args.length;
  if (got < 2 || got > max) throw new StatementError(`invalid number of arguments for ${call.name}, expected at least 2 but no more than ${max}, got ${got}`);
}

function readHold(call: Call): number {
  if (call.args.length < 3) return -1;
  const hold = integerArg(call.args[2]);
  const name = call.name;
  if (hold === undefined) throw new StatementError(`${name} hold period must be an integer`);
  if (name === 'triple_exponential_derivative' && hold < 1 && hold !== -1) throw new StatementError(`${name} hold period must be greater than or equal to 1`);
  if (hold < 0 && hold !== -1) throw new StatementError(`${name} hold period must be greater than or equal to 0`);
  return hold;
}

function readWarmup(call: Call): Warmup {
  const cmo = call.name === 'chande_momentum_oscillator';
  if (call.args.length < 4) return cmo ? 'none' : 'exponential';
  const arg = strip(call.args[3]);
  if (arg?.kind !== 'string') throw new StatementError(`${call.name} warmup type must be a string`);
  const allowed = cmo ? ['none', 'exponential', 'simple'] : ['exponential', 'simple'];
  if (!allowed.includes(arg.value)) throw new StatementError(`${call.name} warmup type must be one of: ${allowed.map((w) => `'${w}'`).join(' ')}`);
  return arg.value as Warmup;
}

/** Period, hold period and warm-up type of an indicator call (argument checks in influxql's order). */
export function indicatorParams(call: Call): IndicatorParams {
  if (!isIndicator(call.name)) throw new StatementError(`undefined function ${call.name}()`);
  checkArity(call, KAUFMANS.has(call.name) ? 3 : 4);
  const period = integerArg(call.args[1]);
  if (period === undefined) throw new StatementError(`${call.name} period must be an integer`);
  if (period < 1) throw new StatementError(`${call.name} period must be greater than or equal to 1`);
  const hold = readHold(call);
  const warmup = KAUFMANS.has(call.name) ? 'exponential' : readWarmup(call);
  // influxd 1.6 panics here (an empty ring of differences); answer with an error instead.
  if (call.name === 'chande_momentum_oscillator' && warmup === 'none' && period < 2) {
    throw new StatementError(`chande_momentum_oscillator period must be greater than 1 with warmup type 'none'`);
  }
  return { name: call.name, period, hold, warmup };
}

/** N (points to predict) and S (season length) of a holt_winters call. */
export function forecastParams(call: Call): ForecastParams {
  const name = call.name;
  if (call.args.length !== 3) throw new StatementError(`invalid number of arguments for ${name}, expected 3, got ${call.args.length}`);
  const horizon = integerArg(call.args[1]);
  if (horizon === undefined) throw new StatementError(`expected integer argument as second arg in ${name}`);
  if (horizon <= 0) throw new StatementError(`second arg to ${name} must be greater than 0, got ${horizon}`);
  const season = integerArg(call.args[2]);
  if (season === undefined) throw new StatementError(`expected integer argument as third arg in ${name}`);
  if (season < 0) throw new StatementError(`third arg to ${name} cannot be negative, got ${season}`);
  return { horizon, season, withFit: name === 'holt_winters_with_fit' };
}

/**
 * Compile-time checks of an indicator or holt_winters call, as influxql makes them: arguments,
 * then whether its input must (or must not) be an aggregate under GROUP BY time().
 */
export function validateAnalysisCall(call: Call, options: { readonly hasInterval: boolean }): void {
  const forecast = FORECAST_NAMES.has(call.name);
  if (forecast) forecastParams(call);
  else indicatorParams(call);
  const input = strip(call.args[0]);
  if (input?.kind === 'call') {
    if (!options.hasInterval) throw new StatementError(`${call.name} aggregate requires a GROUP BY interval`);
    return;
  }
  if (forecast) throw new StatementError(`must use aggregate function with ${call.name}`);
  if (options.hasInterval) throw new StatementError(`aggregate function required inside the call to ${call.name}`);
  if (input?.kind !== 'var-ref' && input?.kind !== 'wildcard' && input?.kind !== 'regex') throw new StatementError(`expected field argument in ${call.name}()`);
}
