// Compiles one selected InfluxQL expression (field and tag references, aggregates, math) into
// ClickHouse SQL over a measurement's physical columns. Pure text; it never plans or runs a query.

import type { MeasurementView } from '../../meta/schema-view.js';
import { fieldColumn, quoteIdent, quoteString } from '../../store/naming.js';
import type { Expr } from '../language/ast.js';
import { numberSql, resolveRef, TIME_NS_SQL } from './condition-sql.js';
import { StatementError } from '../execute/result.js';
import { percentileTupleSql, topPointsSql } from './selector-sql.js';
import { integralAggregateSql, type IntegralColumn } from './integral-sql.js';

export const AGGREGATES: ReadonlySet<string> = new Set([
  'count', 'distinct', 'integral', 'mean', 'median', 'mode', 'spread', 'stddev', 'sum',
  'first', 'last', 'min', 'max', 'percentile', 'top', 'bottom', 'sample',
]);
const MATH = new Set(['abs', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'exp', 'ln', 'log', 'log2', 'log10', 'sqrt', 'pow', 'ceil', 'floor', 'round']);

export function stripParens(expr: Expr): Expr {
  let e = expr;
  while (e.kind === 'paren') e = e.expr;
  return e;
}

export interface CompileScope {
  readonly measurement: MeasurementView;
  readonly aggregate: boolean;
  /** SQL of plain fields selected next to top()/bottom(): carried inside each selected point. */
  readonly companions?: readonly string[];
  /** Under GROUP BY time over a table: integral() columns, computed from per-row areas (integral-sql.ts). */
  readonly integrals?: IntegralColumn[];
  /** The measurement is a table, so its field types are its columns' (a subquery's view calls every column float). */
  readonly storedTypes?: boolean;
}

export function fieldRefSql(name: string, type: string | undefined, scope: CompileScope): string {
  const ref = resolveRef(name, type, scope.measurement);
  if (ref.kind === 'tag') return `nullIf(${ref.sql}, '')`;
  if (ref.kind === 'field') return castSql(ref.sql, scope.measurement.fieldTypes.get(name), type);
  return 'NULL';
}

/** `field::type` casts: numeric types convert (floats truncate), anything else must match. */
function castSql(sql: string, actual: string | undefined, wanted: string | undefined): string {
  if (wanted === undefined || wanted === 'field' || wanted === 'tag' || wanted === actual) return sql;
  const numeric = (t: string | undefined): boolean => t === 'float' || t === 'integer' || t === 'unsigned';
  if (!numeric(actual) || !numeric(wanted)) return 'NULL';
  if (wanted === 'float') return `toFloat64(${sql})`;
  if (wanted === 'integer') return `toInt64(trunc(${sql}))`;
  return `toUInt64(trunc(${sql}))`;
}

function argFieldType(expr: Expr | undefined, scope: CompileScope): string | undefined {
  const e = expr === undefined ? undefined : stripParens(expr);
  return e?.kind === 'var-ref' ? scope.measurement.fieldTypes.get(e.name) : undefined;
}

const NUMERIC_ONLY = new Set(['mean', 'median', 'spread', 'stddev', 'sum', 'integral', 'percentile']);

export function aggregateArgSql(expr: Expr | undefined, fn: string, scope: CompileScope): string {
  if (expr === undefined) throw new StatementError(`invalid number of arguments for ${fn}, expected at least 1, got 0`);
  const e = stripParens(expr);
  if (e.kind === 'var-ref') {
    const ref = resolveRef(e.name, e.type, scope.measurement);
    if (ref.kind !== 'field') return 'NULL';
    const type = scope.measurement.fieldTypes.get(e.name);
    if (NUMERIC_ONLY.has(fn) && (type === 'string' || type === 'boolean')) {
      throw new StatementError(`unsupported ${fn} iterator type: *query.${type}InterruptIterator`);
    }
    return ref.sql;
  }
  if (e.kind === 'call' && e.name === 'distinct' && fn === 'count') return aggregateArgSql(e.args[0], 'distinct', scope);
  if (e.kind === 'distinct' && fn === 'count') return quoteIdent(fieldColumn(e.name));
  throw new StatementError(`expected field argument in ${fn}()`);
}

function durationArg(expr: Expr, fn: string): bigint {
  const e = stripParens(expr);
  if (e.kind !== 'duration') throw new StatementError(`second argument to ${fn} must be a duration, got ${e.kind}`);
  return e.ns;
}

export function numericLiteral(expr: Expr | undefined, fn: string): number {
  const e = expr === undefined ? undefined : stripParens(expr);
  if (e?.kind === 'integer' || e?.kind === 'unsigned') return Number(e.value);
  if (e?.kind === 'number') return e.value;
  throw new StatementError(`expected float argument in ${fn}()`);
}

/**
 * mode() as 1.x's ModeReduceSlice computes it: the points sorted by value (then time), one pass
 * keeping the most frequent run; a tied run wins when its first point is not later than the time
 * the current mode reached that count. State: (mostFreq, currFreq, currMode, mostMode, mostTime, currTime).
 */
export function modeSql(x: string): string {
  const sorted = `arraySort(groupArrayIf(tuple(assumeNotNull(${x}), ${TIME_NS_SQL}), ${x} IS NOT NULL))`;
  const step =
    '(s, p) -> if(p.1 != s.3, (s.1, toUInt64(1), p.1, s.4, s.5, p.2), ' +
    'if(s.1 > s.2 + 1 OR (s.1 = s.2 + 1 AND s.6 > s.5), (s.1, s.2 + 1, s.3, s.4, s.5, s.6), (s.2 + 1, s.2 + 1, s.3, p.1, p.2, s.6)))';
  const first = `arrayElement(${sorted}, 1)`;
  return `if(count(${x}) = 0, NULL, arrayFold(${step}, ${sorted}, (toUInt64(0), toUInt64(0), ${first}.1, ${first}.1, ${first}.2, ${first}.2)).4)`;
}

function aggregateSql(call: Extract<Expr, { kind: 'call' }>, scope: CompileScope): string {
  const arg0 = call.args[0];
  const isCountDistinct = call.name === 'count' && arg0 !== undefined && ((arg0.kind === 'call' && arg0.name === 'distinct') || arg0.kind === 'distinct');
  const x = aggregateArgSql(arg0, call.name, scope);
  if (x === 'NULL') return 'NULL';
  switch (call.name) {
    case 'count':
      return isCountDistinct ? `uniqExact(${x})` : `count(${x})`;
    case 'sum':
      return `sum(${x})`;
    case 'mean':
      return `avg(${x})`;
    case 'median':
      return `quantileExactInclusive(0.5)(${x})`;
    case 'mode':
      return argFieldType(arg0, scope) === 'boolean' ? `if(count(${x}) = 0, NULL, toBool(countIf(${x}) >= countIf(NOT ${x})))` : modeSql(x);
    case 'spread':
      return `(max(${x}) - min(${x}))`;
    case 'stddev':
      return `stddevSamp(${x})`;
    case 'min':
      return `min(${x})`;
    case 'max':
      return `max(${x})`;
    // On equal times influxd 1.6 keeps the larger value (strings and booleans too).
    case 'first':
      return `argMax(${x}, tuple(-${TIME_NS_SQL}, ${x}))`;
    case 'last':
      return `argMax(${x}, tuple(${TIME_NS_SQL}, ${x}))`;
    case 'distinct':
      return `arrayDistinct(arrayMap(p -> p.2, arraySort(groupArrayIf(tuple(${TIME_NS_SQL}, assumeNotNull(${x})), ${x} IS NOT NULL))))`;
    case 'percentile':
      return `${percentileTupleSql(x, numericLiteral(call.args[1], 'percentile'))}.1`;
    case 'integral': {
      const unit = call.args[1] === undefined ? 1_000_000_000n : durationArg(call.args[1], 'integral');
      if (scope.integrals !== undefined) {
        scope.integrals.push({ valueSql: x, unitNs: unit });
        return integralAggregateSql(x, scope.integrals.length - 1);
      }
      const a = `arraySort(groupArrayIf(tuple(${TIME_NS_SQL}, toFloat64(assumeNotNull(${x}))), ${x} IS NOT NULL))`;
      return `if(count(${x}) = 0, NULL, arraySum(arrayMap((p, q) -> (p.2 + q.2) / 2 * (q.1 - p.1), arrayPopBack(${a}), arrayPopFront(${a}))) / ${unit})`;
    }
    case 'sample': {
      const nArg = call.args[1] === undefined ? undefined : stripParens(call.args[1]);
      if (nArg?.kind !== 'integer' || nArg.value < 1n) throw new StatementError('sample window must be greater than 1, got 0');
      const picked = `groupArraySample(${nArg.value})(if(${x} IS NULL, NULL, tuple(assumeNotNull(${x}), ${TIME_NS_SQL})))`;
      return `arraySort(p -> p.2, ${picked})`;
    }
    case 'top':
    case 'bottom': {
      const nArg = call.args[call.args.length - 1];
      const nValue = nArg !== undefined && stripParens(nArg).kind === 'integer' ? (stripParens(nArg) as { value: bigint }).value : 0n;
      if (call.args.length < 2 || nValue < 1n) throw new StatementError(`${call.name} requires 2 or more arguments, got ${call.args.length}`);
      // Past 2^53 the count keeps every point anyway (arraySlice reads a longer one as negative).
      const n = nValue > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(nValue);
      const tagKeySql = topTagKeySql(call, scope.measurement);
      const valueType = scope.storedTypes === true ? argFieldType(arg0, scope) : undefined;
      return topPointsSql({
        name: call.name === 'top' ? 'top' : 'bottom',
        valueSql: x,
        companionsSql: scope.companions ?? [],
        n,
        ...(tagKeySql !== undefined ? { tagKeySql } : {}),
        ...(valueType !== undefined ? { valueType } : {}),
      });
    }
    default:
      throw new StatementError(`unsupported aggregate function ${call.name}()`);
  }
}

/** top()/bottom() tag arguments as one tuple of tag values ('' when absent); undefined without any. */
function topTagKeySql(call: Extract<Expr, { kind: 'call' }>, measurement: MeasurementView): string | undefined {
  const tags = call.args.slice(1, -1).map((a) => {
    const e = stripParens(a);
    if (e.kind !== 'var-ref') throw new StatementError(`only fields or tags are allowed in ${call.name}(), found ${e.kind}`);
    return resolveRef(e.name, 'tag', measurement).sql;
  });
  return tags.length > 0 ? `tuple(${tags.join(', ')})` : undefined;
}

/** Compiles a selected expression into SQL (aggregates allowed only in aggregate mode). */
export function valueSql(expr: Expr, scope: CompileScope): string {
  const e = stripParens(expr);
  switch (e.kind) {
    case 'var-ref':
      if (scope.aggregate) throw new StatementError('mixing aggregate and non-aggregate queries is not supported');
      return fieldRefSql(e.name, e.type, scope);
    case 'call': {
      if (AGGREGATES.has(e.name)) {
        if (!scope.aggregate) throw new StatementError('mixing aggregate and non-aggregate queries is not supported');
        return aggregateSql(e, scope);
      }
      if (MATH.has(e.name)) {
        // influxd 1.6 returns abs() of an integer unchanged (-6 stays -6).
        const [arg] = e.args;
        if (e.name === 'abs' && e.args.length === 1 && arg !== undefined && isIntegerExpr(arg, scope)) return valueSql(arg, scope);
        return mathSql(e.name, e.args.map((a) => valueSql(a, scope)));
      }
      throw new StatementError(`undefined function ${e.name}()`);
    }
    case 'distinct':
      return aggregateSql({ kind: 'call', name: 'distinct', args: [{ kind: 'var-ref', name: e.name }] }, scope);
    case 'binary': {
      if (!['+', '-', '*', '/', '%', '&', '|', '^'].includes(e.op)) throw new StatementError(`invalid operator ${e.op} in select`);
      const l = valueSql(e.lhs, scope);
      const r = valueSql(e.rhs, scope);
      if (e.op === '/') return `if(${r} = 0, 0., ${l} / ${r})`;
      if (e.op === '&') return `bitAnd(${l}, ${r})`;
      if (e.op === '|') return `bitOr(${l}, ${r})`;
      if (e.op === '^') return `bitXor(${l}, ${r})`;
      return `(${l} ${e.op} ${r})`;
    }
    case 'integer':
    case 'unsigned':
      return e.value.toString();
    case 'number':
      return numberSql(e.value);
    case 'string':
      return quoteString(e.value);
    case 'boolean':
      return e.value ? 'true' : 'false';
    case 'duration':
      return e.ns.toString();
    default:
      throw new StatementError(`unsupported expression in select`);
  }
}

/** Whether a selected expression has InfluxQL integer type (integer fields, literals and their arithmetic). */
function isIntegerExpr(expr: Expr, scope: CompileScope): boolean {
  const e = stripParens(expr);
  if (e.kind === 'integer') return true;
  if (e.kind === 'var-ref') return resolveRef(e.name, e.type, scope.measurement).kind === 'field' && castType(e.type, scope.measurement.fieldTypes.get(e.name)) === 'integer';
  if (e.kind === 'binary') return ['+', '-', '*', '%', '&', '|', '^'].includes(e.op) && isIntegerExpr(e.lhs, scope) && isIntegerExpr(e.rhs, scope);
  if (e.kind === 'call' && e.name === 'abs' && e.args.length === 1 && e.args[0] !== undefined) return isIntegerExpr(e.args[0], scope);
  return false;
}

function castType(wanted: string | undefined, actual: string | undefined): string | undefined {
  return wanted === undefined || wanted === 'field' ? actual : wanted;
}

function mathSql(name: string, args: readonly string[]): string {
  const [a, b] = args;
  const arity = name === 'atan2' || name === 'pow' || name === 'log' ? 2 : 1;
  if (args.length !== arity || a === undefined) throw new StatementError(`invalid number of arguments for ${name}, expected ${arity}, got ${args.length}`);
  switch (name) {
    case 'ln':
      return `log(${a})`;
    case 'log':
      return `(log(${a}) / log(${b}))`;
    case 'pow':
      return `pow(${a}, ${b})`;
    case 'atan2':
      return `atan2(${a}, ${b})`;
    case 'ceil':
    case 'floor':
      return `${name}(toFloat64(${a}))`;
    case 'round':
      // Go's math.Round: halves away from zero (ClickHouse's round() goes to even); -0 stays -0.
      return `if(abs(toFloat64(${a}) - trunc(toFloat64(${a}))) >= 0.5, trunc(toFloat64(${a})) + sign(toFloat64(${a})), trunc(toFloat64(${a})))`;
    default:
      return `${name}(${a})`;
  }
}
