// Compiles InfluxQL WHERE conditions into ClickHouse boolean SQL over one measurement's table,
// and extracts the time range InfluxQL semantics need (bucketing, fill, aggregate timestamps).

import type { MeasurementView } from '../../meta/schema-view.js';
import { fieldColumn, quoteIdent, quoteString, tagColumn } from '../../store/naming.js';
import type { Expr } from '../language/ast.js';
import { StatementError } from '../execute/result.js';
import { formatRfc3339Nano, parseTimeString, MAX_TIME_NS, MIN_TIME_NS } from '../language/time-literal.js';
import { zoneOffsetSeconds } from '../language/time-zone.js';
import { clickhouseMatchPattern } from '../language/regex.js';

export interface ConditionContext {
  /** Schema of the measurement; undefined compiles every tag as '' and every field as NULL. */
  readonly measurement: MeasurementView | undefined;
  readonly nowNs: bigint;
  /**
   * SELECT semantics of InfluxDB 1.x: time comparisons only shape the global time range (see
   * extractTimeRange) and count as true inside the condition, even under OR.
   */
  readonly timeAsRange?: boolean;
  /** The statement's tz() zone: time strings without an offset are local times there. */
  readonly timezone?: string | undefined;
}

export interface TimeRange {
  /** Inclusive bounds in ns; MIN/MAX_TIME_NS when unbounded. */
  readonly minNs: bigint;
  readonly maxNs: bigint;
  /**
   * The condition compares time with an upper bound, even one at MAX_TIME_NS: InfluxDB ends
   * GROUP BY time() buckets at now() only when there is none.
   */
  readonly upperBounded?: boolean;
}

export const TIME_NS_SQL = 'toUnixTimestamp64Nano(`time`)';

const COMPARISON = new Set(['=', '!=', '<', '<=', '>', '>=']);
const ORDERING = new Set(['<', '<=', '>', '>=']);

function stripParens(expr: Expr): Expr {
  let e = expr;
  while (e.kind === 'paren') e = e.expr;
  return e;
}

export function isTimeRef(expr: Expr): boolean {
  const e = stripParens(expr);
  return e.kind === 'var-ref' && e.name.toLowerCase() === 'time';
}

const ZONE_SUFFIX = /(?:Z|[+-]\d{2}:\d{2})$/;

/** A time string as InfluxDB reads it: without an offset it is a local time in the tz() zone. */
function parseTimeInZone(text: string, zone: string | undefined): bigint | undefined {
  const ns = parseTimeString(text);
  if (ns === undefined || zone === undefined || ZONE_SUFFIX.test(text)) return ns;
  const firstGuess = ns - BigInt(zoneOffsetSeconds(zone, ns)) * 1_000_000_000n;
  return ns - BigInt(zoneOffsetSeconds(zone, firstGuess)) * 1_000_000_000n;
}

/** Evaluates a time-valued operand (integer ns, RFC3339 string, duration, now(), +/-). */
export function evalTimeValue(expr: Expr, nowNs: bigint, zone?: string): bigint {
  const e = stripParens(expr);
  switch (e.kind) {
    case 'integer':
      return e.value;
    case 'unsigned':
      throw new StatementError('invalid operation: time and *influxql.UnsignedLiteral are not compatible');
    case 'number':
      return BigInt(Math.trunc(e.value));
    case 'duration':
      return e.ns;
    case 'string': {
      const ns = parseTimeInZone(e.value, zone);
      if (ns !== undefined) return ns;
      // Like influxql's IsTimeLiteral: only a date-shaped string is a (bad) timestamp.
      if (/^\d{4}-\d{2}-\d{2}/.test(e.value)) throw new StatementError('invalid timestamp string');
      throw new StatementError('invalid operation: time and *influxql.StringLiteral are not compatible');
    }
    case 'call':
      if (e.name === 'now' && e.args.length === 0) return nowNs;
      break;
    case 'binary':
      if (e.op === '+') return evalTimeValue(e.lhs, nowNs, zone) + evalTimeValue(e.rhs, nowNs, zone);
      if (e.op === '-') return evalTimeValue(e.lhs, nowNs, zone) - evalTimeValue(e.rhs, nowNs, zone);
      break;
    default:
      break;
  }
  throw new StatementError(`invalid operation: time and ${describe(e)} are not compatible`);
}

function describe(e: Expr): string {
  switch (e.kind) {
    case 'var-ref':
      return '*influxql.VarRef';
    case 'boolean':
      return '*influxql.BooleanLiteral';
    case 'regex':
      return '*influxql.RegexLiteral';
    default:
      return '*influxql.BinaryExpr';
  }
}

/**
 * Whether a time operand is a time literal once InfluxQL reduces it: a time string or now(),
 * moved by durations, or an integer timestamp moved by a duration. (A bare integer is not.)
 */
function isTimeLiteral(expr: Expr): boolean {
  const e = stripParens(expr);
  if (e.kind === 'string') return true;
  if (e.kind === 'call') return e.name === 'now';
  if (e.kind !== 'binary' || (e.op !== '+' && e.op !== '-')) return false;
  if (stripParens(e.lhs).kind === 'integer' && stripParens(e.rhs).kind === 'duration') return true;
  const lhs = isTimeLiteral(e.lhs);
  const rhs = isTimeLiteral(e.rhs);
  // time - time is a duration; time + time is no time at all.
  return e.op === '+' ? lhs !== rhs : lhs && !rhs;
}

/** InfluxDB refuses a time literal outside the times it can store (MinTime itself is a sentinel). */
function checkTimeLiteral(ns: bigint): void {
  const seconds = ns - (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n);
  if (ns > MAX_TIME_NS) throw new StatementError(`time ${formatRfc3339Nano(seconds)} overflows time literal`);
  if (ns <= MIN_TIME_NS) throw new StatementError(`time ${formatRfc3339Nano(seconds)} underflows time literal`);
}

const flip: Readonly<Record<string, string>> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '!=': '!=' };

/**
 * Time range of a condition as InfluxDB 1.6 computes it: every comparison on `time` narrows the
 * range (under AND and OR alike); everything else leaves it unbounded.
 */
export function extractTimeRange(condition: Expr | undefined, nowNs: bigint, zone?: string): TimeRange {
  const all: TimeRange = { minNs: MIN_TIME_NS, maxNs: MAX_TIME_NS };
  const visit = (expr: Expr): TimeRange | undefined => {
    const e = stripParens(expr);
    if (e.kind !== 'binary') return undefined;
    if (e.op === 'AND' || e.op === 'OR') {
      const l = visit(e.lhs);
      const r = visit(e.rhs);
      if (l === undefined) return r;
      if (r === undefined) return l;
      // influxd 1.6 intersects time comparisons under OR as well (verified against the oracle).
      const upperBounded = l.upperBounded === true || r.upperBounded === true;
      return { minNs: l.minNs > r.minNs ? l.minNs : r.minNs, maxNs: l.maxNs < r.maxNs ? l.maxNs : r.maxNs, ...(upperBounded ? { upperBounded } : {}) };
    }
    if (!COMPARISON.has(e.op)) return undefined;
    let op = e.op as string;
    let operand: Expr;
    if (isTimeRef(e.lhs)) operand = e.rhs;
    else if (isTimeRef(e.rhs)) {
      operand = e.lhs;
      op = flip[op] ?? op;
    } else return undefined;
    const value = evalTimeValue(operand, nowNs, zone);
    if (isTimeLiteral(operand)) checkTimeLiteral(value);
    switch (op) {
      case '>':
        return { minNs: value + 1n, maxNs: MAX_TIME_NS };
      case '>=':
        return { minNs: value, maxNs: MAX_TIME_NS };
      case '<':
        return { minNs: MIN_TIME_NS, maxNs: value - 1n, upperBounded: true };
      case '<=':
        return { minNs: MIN_TIME_NS, maxNs: value, upperBounded: true };
      case '=':
        return { minNs: value, maxNs: value, upperBounded: true };
      default:
        return undefined;
    }
  };
  return condition === undefined ? all : (visit(condition) ?? all);
}

/** The DateTime64 literal of a nanosecond timestamp. */
export function timeLiteralSql(ns: bigint): string {
  return `fromUnixTimestamp64Nano(toInt64(${ns.toString()}), 'UTC')`;
}

/**
 * SQL for a time range (empty when unbounded). It compares the `time` column itself, not a
 * function of it, so partition and primary-key pruning apply.
 */
export function timeRangeSql(range: TimeRange): string[] {
  const out: string[] = [];
  if (range.minNs !== MIN_TIME_NS) out.push(`\`time\` >= ${timeLiteralSql(range.minNs)}`);
  if (range.maxNs !== MAX_TIME_NS) out.push(`\`time\` <= ${timeLiteralSql(range.maxNs)}`);
  return out;
}

/**
 * A SHOW statement's condition as InfluxDB 1.6's index evaluates it, on tags only: time comparisons
 * are cut out of the expression (so `time > x OR tag = 'v'` is `tag = 'v'`), a comparison of a
 * field or with a non-string literal holds for every series, and ordering comparisons fail.
 * Undefined when nothing but time was compared.
 */
export function indexCondition(expr: Expr | undefined, measurement: MeasurementView | undefined): Expr | undefined {
  if (expr === undefined) return undefined;
  switch (expr.kind) {
    case 'paren': {
      const inner = indexCondition(expr.expr, measurement);
      return inner === undefined ? undefined : { kind: 'paren', expr: inner };
    }
    case 'binary': {
      if (expr.op === 'AND' || expr.op === 'OR') {
        const lhs = indexCondition(expr.lhs, measurement);
        const rhs = indexCondition(expr.rhs, measurement);
        if (lhs === undefined || rhs === undefined) return lhs ?? rhs;
        return { ...expr, lhs, rhs };
      }
      const isComparison = COMPARISON.has(expr.op) || expr.op === '=~' || expr.op === '!~';
      if (!isComparison) return expr;
      if (isTimeRef(expr.lhs) || isTimeRef(expr.rhs)) return undefined;
      if (ORDERING.has(expr.op)) throw new StatementError('invalid tag comparison operator');
      const tagOnly = !conditionReadsFields(expr, measurement) && literalKind(expr.rhs) !== 'number' && literalKind(expr.lhs) !== 'number';
      return tagOnly ? expr : { kind: 'boolean', value: true };
    }
    default:
      return expr;
  }
}

/** Whether a condition compares `time` anywhere. */
export function conditionHasTime(expr: Expr | undefined): boolean {
  if (expr === undefined) return false;
  const e = stripParens(expr);
  if (e.kind !== 'binary') return false;
  return isTimeRef(e.lhs) || isTimeRef(e.rhs) || conditionHasTime(e.lhs) || conditionHasTime(e.rhs);
}

/** Whether a condition reads any field column (tags and time never need FINAL's merge). */
export function conditionReadsFields(expr: Expr | undefined, measurement: MeasurementView | undefined): boolean {
  if (expr === undefined) return false;
  const e = stripParens(expr);
  switch (e.kind) {
    case 'var-ref':
      return e.type !== 'tag' && e.name.toLowerCase() !== 'time' && (measurement?.fieldTypes.has(e.name) ?? false);
    case 'binary':
      return conditionReadsFields(e.lhs, measurement) || conditionReadsFields(e.rhs, measurement);
    case 'call':
      return e.args.some((a) => conditionReadsFields(a, measurement));
    default:
      return false;
  }
}

type Operand = { readonly sql: string; readonly kind: 'tag' | 'field' | 'time' | 'literal' | 'string' | 'null' | 'regex' };

/** Compiles a condition into SQL; tags compare as strings ('' when absent), unknown fields are NULL. */
export function compileCondition(expr: Expr, ctx: ConditionContext): string {
  const e = stripParens(expr);
  if (e.kind === 'binary') {
    if (e.op === 'AND' || e.op === 'OR') {
      const l = compileCondition(e.lhs, ctx);
      const r = compileCondition(e.rhs, ctx);
      if (l === '1') return e.op === 'AND' ? r : '1';
      if (r === '1') return e.op === 'AND' ? l : '1';
      return `(${l} ${e.op} ${r})`;
    }
    if (COMPARISON.has(e.op) || e.op === '=~' || e.op === '!~') return compileComparison(e.op, e.lhs, e.rhs, ctx);
  }
  if (e.kind === 'boolean') return e.value ? '1' : '0';
  const operand = compileOperand(e, ctx);
  return `ifNull(toBool(${operand.sql}), 0)`;
}

function compileComparison(op: string, lhsExpr: Expr, rhsExpr: Expr, ctx: ConditionContext): string {
  if (isTimeRef(lhsExpr) || isTimeRef(rhsExpr)) {
    if (ctx.timeAsRange === true) {
      evalTimeValue(isTimeRef(lhsExpr) ? rhsExpr : lhsExpr, ctx.nowNs, ctx.timezone);
      return '1';
    }
    const timeOnLeft = isTimeRef(lhsExpr);
    const value = evalTimeValue(timeOnLeft ? rhsExpr : lhsExpr, ctx.nowNs, ctx.timezone);
    const sqlOp = op === '!=' ? '!=' : timeOnLeft ? op : (flip[op] ?? op);
    return `(${TIME_NS_SQL} ${sqlOp} ${value.toString()})`;
  }
  const hint = literalKind(rhsExpr) ?? literalKind(lhsExpr);
  const lhs = compileOperand(lhsExpr, ctx, hint);
  const rhs = compileOperand(rhsExpr, ctx, hint);
  if (op === '=~' || op === '!~') {
    const [subject, re] = rhs.kind === 'regex' ? [lhs, rhs] : [rhs, lhs];
    if (re.kind !== 'regex') return '0';
    if (subject.kind === 'null') return op === '=~' ? '0' : '0';
    const subjectSql = subject.kind === 'field' ? `toString(${subject.sql})` : subject.sql;
    const m = `match(${subjectSql}, ${re.sql})`;
    // Tag columns are never NULL (a missing tag is ''): plain matches keep skip indexes usable.
    if (subject.kind === 'tag') return op === '=~' ? m : `(NOT ${m})`;
    return op === '=~' ? `ifNull(${m}, 0)` : `ifNull(NOT ${m}, 0)`;
  }
  // A tag compared with a non-string (or a string field with a number) never matches in InfluxDB.
  const isStringy = (o: Operand): boolean => o.kind === 'tag' || o.kind === 'string';
  const isNumeric = (o: Operand): boolean => o.kind === 'literal';
  if ((isStringy(lhs) && isNumeric(rhs)) || (isNumeric(lhs) && isStringy(rhs))) return '0';
  // influxd 1.6 only tests tags for (in)equality: an ordering comparison on a tag matches nothing.
  if (ORDERING.has(op) && (lhs.kind === 'tag' || rhs.kind === 'tag')) return '0';
  if (lhs.kind === 'null' || rhs.kind === 'null') return '0';
  const sqlOp = op === '!=' ? '!=' : op;
  // Tags and literals are never NULL: plain comparisons keep the planner's index analysis simple.
  const neverNull = (o: Operand): boolean => o.kind === 'tag' || o.kind === 'string' || o.kind === 'literal';
  if (neverNull(lhs) && neverNull(rhs)) return `(${lhs.sql} ${sqlOp} ${rhs.sql})`;
  return `ifNull(${lhs.sql} ${sqlOp} ${rhs.sql}, 0)`;
}

function literalKind(expr: Expr): 'string' | 'number' | undefined {
  const e = stripParens(expr);
  if (e.kind === 'string' || e.kind === 'regex') return 'string';
  if (e.kind === 'number' || e.kind === 'integer' || e.kind === 'unsigned' || e.kind === 'boolean') return 'number';
  return undefined;
}

/** Resolves an identifier to a tag or field column (a cast forces the namespace). */
export function resolveRef(
  name: string,
  type: string | undefined,
  measurement: MeasurementView | undefined,
  hint?: 'string' | 'number',
): { kind: 'tag' | 'field' | 'none'; sql: string } {
  const isTag = measurement?.tagKeys.includes(name) ?? false;
  const fieldType = measurement?.fieldTypes.get(name);
  const tagSql = quoteIdent(tagColumn(name));
  const fieldSql = quoteIdent(fieldColumn(name));
  if (type === 'tag') return isTag ? { kind: 'tag', sql: tagSql } : { kind: 'none', sql: "''" };
  if (type !== undefined && type !== 'tag') return fieldType !== undefined ? { kind: 'field', sql: fieldSql } : { kind: 'none', sql: 'NULL' };
  if (isTag && fieldType !== undefined) {
    return hint === 'number' ? { kind: 'field', sql: fieldSql } : { kind: 'tag', sql: tagSql };
  }
  if (fieldType !== undefined) return { kind: 'field', sql: fieldSql };
  if (isTag) return { kind: 'tag', sql: tagSql };
  return { kind: 'none', sql: 'NULL' };
}

function compileOperand(expr: Expr, ctx: ConditionContext, hint?: 'string' | 'number'): Operand {
  const e = stripParens(expr);
  switch (e.kind) {
    case 'var-ref': {
      const ref = resolveRef(e.name, e.type, ctx.measurement, hint);
      if (ref.kind === 'none') {
        // A missing tag compares as ''; a missing field is NULL.
        return hint === 'string' ? { sql: "''", kind: 'tag' } : { sql: 'NULL', kind: 'null' };
      }
      return { sql: ref.sql, kind: ref.kind };
    }
    case 'string':
      return { sql: quoteString(e.value), kind: 'string' };
    case 'regex':
      return { sql: quoteString(clickhouseMatchPattern(e.source)), kind: 'regex' };
    case 'integer':
    case 'unsigned':
      return { sql: e.value.toString(), kind: 'literal' };
    case 'number':
      return { sql: Number.isFinite(e.value) ? numberSql(e.value) : 'NULL', kind: 'literal' };
    case 'boolean':
      return { sql: e.value ? 'true' : 'false', kind: 'literal' };
    case 'duration':
      return { sql: e.ns.toString(), kind: 'literal' };
    case 'binary': {
      if (['+', '-', '*', '/', '%'].includes(e.op)) {
        const l = compileOperand(e.lhs, ctx, hint);
        const r = compileOperand(e.rhs, ctx, hint);
        if (l.kind === 'null' || r.kind === 'null') return { sql: 'NULL', kind: 'null' };
        return { sql: `(${l.sql} ${e.op} ${r.sql})`, kind: 'field' };
      }
      return { sql: compileCondition(e, ctx), kind: 'literal' };
    }
    default:
      throw new StatementError(`invalid condition expression`);
  }
}

export function numberSql(value: number): string {
  const text = String(value);
  return /^-?\d+$/.test(text) ? `${text}.0` : `toFloat64(${text})`;
}
