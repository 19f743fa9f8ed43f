// What InfluxQL 1.x reads from a continuous query's SELECT: its GROUP BY time() interval and
// offset, whether it aggregates, and the rule tying RESAMPLE FOR to them. Pure.

import type { Expr, SelectStatement } from './ast.js';
import { formatInfluxDuration } from './duration.js';

function timeCall(select: SelectStatement): Extract<Expr, { kind: 'call' }> | undefined {
  for (const dimension of select.dimensions) if (dimension.kind === 'call' && dimension.name.toLowerCase() === 'time') return dimension;
  return undefined;
}

/** SelectStatement.GroupByInterval(): the first time() dimension's duration, 0n without one. */
export function groupByIntervalNs(select: SelectStatement): bigint {
  const call = timeCall(select);
  const first = call?.args[0];
  return first?.kind === 'duration' ? first.ns : 0n;
}

/** SelectStatement.GroupByOffset(): a duration offset modulo the interval (sign kept, as Go's %). */
export function groupByOffsetNs(select: SelectStatement): bigint {
  const interval = groupByIntervalNs(select);
  const second = timeCall(select)?.args[1];
  if (interval === 0n || second?.kind !== 'duration') return 0n;
  return second.ns % interval;
}

function hasCall(expr: Expr): boolean {
  switch (expr.kind) {
    case 'call':
    case 'distinct':
      return true;
    case 'binary':
      return hasCall(expr.lhs) || hasCall(expr.rhs);
    case 'paren':
      return hasCall(expr.expr);
    default:
      return false;
  }
}

/** IsRawQuery: no function call among the fields. */
export function isRawSelect(select: SelectStatement): boolean {
  return !select.fields.some((field) => hasCall(field.expr));
}

/** CreateContinuousQueryStatement.validate(): the error text when FOR is shorter than the interval (or EVERY). */
export function resampleForError(select: SelectStatement, everyNs: bigint, forNs: bigint): string | undefined {
  if (forNs === 0n) return undefined;
  let interval = groupByIntervalNs(select);
  if (everyNs !== 0n && everyNs > interval) interval = everyNs;
  if (interval <= forNs) return undefined;
  return `FOR duration must be >= GROUP BY time duration: must be a minimum of ${formatInfluxDuration(interval)}, got ${formatInfluxDuration(forNs)}`;
}
