// Plans one SELECT over one measurement: expands wildcards, names columns like InfluxDB, and
// compiles filters, buckets, aggregates and per-series limits into one ClickHouse query.

import type { MeasurementView } from '../meta/schema-view.js';
import { fieldColumn, quoteIdent, quoteString, tagColumn } from '../store/naming.js';
import type { Expr, Field, SelectStatement } from './ast.js';
import { compileCondition, numberSql, resolveRef, TIME_NS_SQL, timeRangeSql, type TimeRange } from './condition-sql.js';
import { StatementError } from './result.js';
import { edgeRowsSql, tableSourceSql } from './table-source.js';

const AGGREGATES = new Set([
  'count', 'distinct', 'integral', 'mean', 'median', 'mode', 'spread', 'stddev', 'sum',
  'first', 'last', 'min', 'max', 'percentile', 'top', 'bottom', 'sample',
]);
const SELECTORS = new Set(['first', 'last', 'min', 'max', 'percentile']);
export const TRANSFORMS = new Set([
  'cumulative_sum', 'derivative', 'difference', 'elapsed', 'moving_average', 'non_negative_derivative', 'non_negative_difference',
]);
const MATH = new Set(['abs', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'exp', 'ln', 'log', 'log2', 'log10', 'sqrt', 'pow', 'ceil', 'floor', 'round']);

export interface GroupInterval {
  readonly everyNs: bigint;
  readonly offsetNs: bigint;
}

/** A TypeScript post-step applied to one output column per series (InfluxQL-only semantics). */
export interface TransformSpec {
  readonly name: string;
  /** derivative/elapsed unit, moving_average window. */
  readonly unitNs: bigint;
  readonly window: number;
}

export interface OutputColumn {
  readonly name: string;
  /** SQL for the value (aggregate SQL in aggregate mode). */
  readonly sql: string;
  readonly transform?: TransformSpec;
  /** count(): empty buckets report 0 under fill(null). */
  readonly fillZero?: boolean;
}

export interface MeasurementPlan {
  readonly sql: string;
  readonly columns: readonly OutputColumn[];
  /** GROUP BY tag keys, sorted (series tags). */
  readonly groupTags: readonly string[];
  readonly aggregate: boolean;
  /** A lone selector: output the selected point's own time. */
  readonly selectorTime: boolean;
  readonly interval?: GroupInterval;
  /** distinct(): expand the array cell into one row per value. */
  readonly expandDistinct: boolean;
  /** top()/bottom()/sample(): expand the array of (value, time, companions...) into one row per point. */
  readonly expandPoints: boolean;
  /** Output column index holding the point array, and per output column its tuple index. */
  readonly pointColumn: number;
  readonly pointLayout: readonly number[];
  /** LIMIT/OFFSET already applied by SQL. */
  readonly limitInSql: boolean;
}

export interface PlanInput {
  readonly statement: SelectStatement;
  readonly db: string;
  readonly rp: string;
  readonly measurement: MeasurementView;
  /** Union of all source measurements' tags and fields: what `*` expands to (InfluxDB shares columns). */
  readonly universe: MeasurementView;
  readonly range: TimeRange;
  readonly nowNs: bigint;
  /** A subquery's SQL (columns in the physical layout) to read instead of the measurement's table. */
  readonly fromSql?: string;
  /** Whether the table's parts may hold a point twice, so reading fields needs FINAL (default true). */
  readonly final?: boolean;
}

function stripParens(expr: Expr): Expr {
  let e = expr;
  while (e.kind === 'paren') e = e.expr;
  return e;
}

/** InfluxDB's default column name of a field. */
export function fieldName(field: Field): string {
  if (field.alias !== undefined) return field.alias;
  const names: string[] = [];
  const visit = (e: Expr): void => {
    if (e.kind === 'var-ref') names.push(e.name);
    else if (e.kind === 'call') names.push(e.name);
    else if (e.kind === 'distinct') names.push('distinct');
    else if (e.kind === 'binary') {
      visit(e.lhs);
      visit(e.rhs);
    } else if (e.kind === 'paren') visit(e.expr);
  };
  const e = stripParens(field.expr);
  if (e.kind === 'call') return e.name;
  visit(e);
  return names.join('_');
}

/** De-duplicates column names as InfluxDB does (`mean`, `mean_1`, ...). */
export function uniqueNames(names: readonly string[], aliases: readonly boolean[]): string[] {
  const seen = new Map<string, number>();
  const out: string[] = names.slice();
  names.forEach((n, i) => {
    if (aliases[i] === true) seen.set(n, 1);
  });
  names.forEach((n, i) => {
    if (aliases[i] === true) return;
    let name = n;
    let count = seen.get(name);
    if (count !== undefined) {
      for (;;) {
        const candidate = `${n}_${count}`;
        if (!seen.has(candidate)) {
          seen.set(n, count + 1);
          name = candidate;
          break;
        }
        count++;
      }
    }
    seen.set(name, (seen.get(name) ?? 0) + 1);
    out[i] = name;
  });
  return out;
}

function hasCall(expr: Expr, names: ReadonlySet<string>): boolean {
  const e = expr;
  if (e.kind === 'call') return names.has(e.name) || e.args.some((a) => hasCall(a, names));
  if (e.kind === 'distinct') return names.has('distinct');
  if (e.kind === 'binary') return hasCall(e.lhs, names) || hasCall(e.rhs, names);
  if (e.kind === 'paren') return hasCall(e.expr, names);
  return false;
}

export function isAggregateStatement(statement: SelectStatement): boolean {
  return statement.fields.some((f) => hasCall(f.expr, AGGREGATES));
}

/** GROUP BY time(every[, offset]) of a statement, if any. */
export function groupInterval(statement: SelectStatement): GroupInterval | undefined {
  for (const dim of statement.dimensions) {
    const d = stripParens(dim);
    if (d.kind !== 'call' || d.name !== 'time') continue;
    const [every, offset] = d.args;
    if (d.args.length < 1 || d.args.length > 2 || every === undefined) throw new StatementError('time dimension expected 1 or 2 arguments');
    if (every.kind !== 'duration') throw new StatementError('time dimension must have duration argument');
    // influxd 1.6 reads GROUP BY time(0s) as no interval at all.
    if (every.ns === 0n) return undefined;
    if (every.ns < 0n) throw new StatementError('time dimension must have a positive duration');
    let offsetNs = 0n;
    if (offset !== undefined) {
      if (offset.kind === 'duration') offsetNs = offset.ns;
      else if (offset.kind === 'call' && offset.name === 'now') offsetNs = 0n;
      else throw new StatementError('time dimension offset must be duration or now()');
    }
    offsetNs = ((offsetNs % every.ns) + every.ns) % every.ns;
    return { everyNs: every.ns, offsetNs };
  }
  return undefined;
}

/** GROUP BY tag keys for one measurement (`*` and /regex/ expand against its tag keys). */
export function groupTagKeys(statement: SelectStatement, measurement: MeasurementView): string[] {
  const keys = new Set<string>();
  for (const dim of statement.dimensions) {
    const d = stripParens(dim);
    if (d.kind === 'call' && d.name === 'time') continue;
    if (d.kind === 'var-ref') keys.add(d.name);
    else if (d.kind === 'wildcard') measurement.tagKeys.forEach((k) => keys.add(k));
    else if (d.kind === 'regex') {
      const re = compileRegex(d.source);
      measurement.tagKeys.filter((k) => re.test(k)).forEach((k) => keys.add(k));
    } else throw new StatementError('only time and tag dimensions allowed');
  }
  return [...keys].sort();
}

export function compileRegex(source: string): RegExp {
  try {
    return new RegExp(source.replace(/^\(\?i\)/, ''), source.startsWith('(?i)') ? 'i' : '');
  } catch {
    throw new StatementError(`error parsing regexp: ${source}`);
  }
}

/** Expands `*`, `*::field`, regex and wildcard call arguments into concrete fields. */
export function expandFields(statement: SelectStatement, measurement: MeasurementView, groupTags: readonly string[]): Field[] {
  const fieldKeys = [...measurement.fieldTypes.keys()].sort();
  const tagKeys = measurement.tagKeys.filter((k) => !groupTags.includes(k));
  const out: Field[] = [];
  for (const field of statement.fields) {
    const e = stripParens(field.expr);
    if (e.kind === 'wildcard') {
      const refs: Array<{ name: string; type: 'field' | 'tag' }> = [];
      if (e.type !== 'tag') fieldKeys.forEach((k) => refs.push({ name: k, type: 'field' }));
      if (e.type !== 'field') tagKeys.forEach((k) => refs.push({ name: k, type: 'tag' }));
      refs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      refs.forEach((r) => out.push({ expr: { kind: 'var-ref', name: r.name, type: r.type } }));
      continue;
    }
    if (e.kind === 'regex') {
      const re = compileRegex(e.source);
      const names = [...fieldKeys.map((k) => ({ name: k, type: 'field' as const })), ...tagKeys.map((k) => ({ name: k, type: 'tag' as const }))]
        .filter((r) => re.test(r.name))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      names.forEach((r) => out.push({ expr: { kind: 'var-ref', name: r.name, type: r.type } }));
      continue;
    }
    if (e.kind === 'call' && AGGREGATES.has(e.name)) {
      const [arg, ...rest] = e.args;
      const a = arg === undefined ? undefined : stripParens(arg);
      if (a !== undefined && (a.kind === 'wildcard' || a.kind === 'regex')) {
        const re = a.kind === 'regex' ? compileRegex(a.source) : undefined;
        for (const key of fieldKeys) {
          if (re !== undefined && !re.test(key)) continue;
          const type = measurement.fieldTypes.get(key);
          if (e.name !== 'count' && e.name !== 'distinct' && e.name !== 'first' && e.name !== 'last' && e.name !== 'mode' && e.name !== 'sample' && (type === 'string' || type === 'boolean')) continue;
          out.push({ expr: { kind: 'call', name: e.name, args: [{ kind: 'var-ref', name: key }, ...rest] }, alias: field.alias ?? `${e.name}_${key}` });
        }
        continue;
      }
    }
    out.push(field);
  }
  return out;
}

interface CompileScope {
  readonly measurement: MeasurementView;
  readonly aggregate: boolean;
  /** SQL of plain fields selected next to top()/bottom(): carried inside each selected point. */
  readonly companions?: readonly string[];
}

function fieldRefSql(name: string, type: string | undefined, scope: CompileScope): string {
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

function aggregateArgSql(expr: Expr | undefined, fn: string, scope: CompileScope): string {
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

function percentileTupleSql(call: Extract<Expr, { kind: 'call' }>, x: string): string {
  const p = numericLiteral(call.args[1], 'percentile');
  const idx = `toInt64(floor(count(${x}) * ${numberSql(p)} / 100 + 0.5))`;
  const sorted = `arraySort(groupArrayIf(tuple(assumeNotNull(${x}), ${TIME_NS_SQL}), ${x} IS NOT NULL))`;
  return `if(${idx} >= 1 AND ${idx} <= count(${x}), toNullable(arrayElement(${sorted}, ${idx})), NULL)`;
}

function durationArg(expr: Expr, fn: string): bigint {
  const e = stripParens(expr);
  if (e.kind !== 'duration') throw new StatementError(`second argument to ${fn} must be a duration, got ${e.kind}`);
  return e.ns;
}

function numericLiteral(expr: Expr | undefined, fn: string): number {
  const e = expr === undefined ? undefined : stripParens(expr);
  if (e?.kind === 'integer' || e?.kind === 'unsigned') return Number(e.value);
  if (e?.kind === 'number') return e.value;
  throw new StatementError(`expected float argument in ${fn}()`);
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
    case 'mode': {
      // Most frequent value; ties go to the smallest number (largest string), as influxd 1.6 does.
      const pairs = `arrayMap((v, c) -> (v, c), mapKeys(sumMap(map(assumeNotNull(${x}), toUInt64(1)))), mapValues(sumMap(map(assumeNotNull(${x}), toUInt64(1)))))`;
      const isString = argFieldType(arg0, scope) === 'string';
      return isString ? `arrayElement(arrayReverseSort(p -> (p.2, p.1), ${pairs}), 1).1` : `arrayElement(arraySort(p -> (-toInt64(p.2), p.1), ${pairs}), 1).1`;
    }
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
      return `${percentileTupleSql(call, x)}.1`;
    case 'integral': {
      const unit = call.args[1] === undefined ? 1_000_000_000n : durationArg(call.args[1], 'integral');
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
      const n = nArg !== undefined && stripParens(nArg).kind === 'integer' ? Number((stripParens(nArg) as { value: bigint }).value) : 0;
      if (call.args.length < 2 || n < 1) throw new StatementError(`${call.name} requires 2 or more arguments, got ${call.args.length}`);
      if (call.args.length > 2) throw new StatementError(`${call.name}() with tag arguments is not supported`);
      const order = call.name === 'top' ? 'p -> (-p.1, p.2)' : 'p -> (p.1, p.2)';
      const extra = (scope.companions ?? []).map((c) => `, ${c}`).join('');
      const all = `groupArrayIf(tuple(assumeNotNull(${x}), ${TIME_NS_SQL}${extra}), ${x} IS NOT NULL)`;
      return `arraySort(p -> p.2, arraySlice(arraySort(${order}, ${all}), 1, ${n}))`;
    }
    default:
      throw new StatementError(`unsupported aggregate function ${call.name}()`);
  }
}

/** Compiles a selected expression into SQL (aggregates allowed only in aggregate mode). */
function valueSql(expr: Expr, scope: CompileScope): string {
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
    case 'round':
      return `${name}(toFloat64(${a}))`;
    default:
      return `${name}(${a})`;
  }
}

function transformSpec(call: Extract<Expr, { kind: 'call' }>): { spec: TransformSpec; inner: Expr } {
  const [inner, second] = call.args;
  if (inner === undefined) throw new StatementError(`invalid number of arguments for ${call.name}, expected at least 1, got 0`);
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

/** Builds the ClickHouse query and column plan for one measurement. */
/**
 * Wraps a planned query as a table in the physical layout (time, t_<tag>, f_<column>), so an
 * outer SELECT plans against a subquery exactly as against a measurement.
 */
export function subqueryTable(plan: MeasurementPlan, name: string, timeOffsetNs: bigint): { sql: string; view: MeasurementView } {
  const cols = [`fromUnixTimestamp64Nano(toInt64(__t + ${timeOffsetNs}), 'UTC') AS \`time\``, "'' AS `_series`"];
  plan.groupTags.forEach((k, i) => cols.push(`__g${i} AS ${quoteIdent(tagColumn(k))}`));
  const fieldTypes = new Map<string, 'float'>();
  plan.columns.forEach((c, i) => {
    cols.push(`__v${i} AS ${quoteIdent(fieldColumn(c.name))}`);
    fieldTypes.set(c.name, 'float');
  });
  return { sql: `SELECT ${cols.join(', ')} FROM (${plan.sql})`, view: { name, tagKeys: plan.groupTags, fieldTypes } };
}

export function planMeasurement(input: PlanInput): MeasurementPlan {
  const { statement, measurement } = input;
  const groupTags = groupTagKeys(statement, measurement);
  const interval = groupInterval(statement);
  const fields = expandFields(statement, input.universe, groupTags);
  const aggregate = fields.some((f) => hasCall(f.expr, AGGREGATES));
  if (interval !== undefined && !aggregate) throw new StatementError('GROUP BY requires at least one aggregate function');
  const scope: CompileScope = { measurement, aggregate };
  const names = uniqueNames(fields.map(fieldName), fields.map((f) => f.alias !== undefined));
  // top()/bottom() may be selected with plain fields/tags: they report the chosen points' values.
  const pointCallIndex = fields.findIndex((f) => {
    const e = stripParens(f.expr);
    return e.kind === 'call' && (e.name === 'top' || e.name === 'bottom' || e.name === 'sample');
  });
  const withCompanions =
    pointCallIndex >= 0 && fields.length > 1 && fields.every((f, i) => i === pointCallIndex || stripParens(f.expr).kind === 'var-ref');
  const companionSql: string[] = [];
  const pointLayout: number[] = [];
  if (withCompanions) {
    fields.forEach((f, i) => {
      const e = stripParens(f.expr);
      if (i === pointCallIndex || e.kind !== 'var-ref') {
        pointLayout.push(0);
        return;
      }
      pointLayout.push(2 + companionSql.length);
      companionSql.push(fieldRefSql(e.name, e.type, { measurement, aggregate: false }));
    });
  }
  const columns: OutputColumn[] = fields.map((field, i) => {
    const e = stripParens(field.expr);
    const name = names[i] ?? '';
    if (withCompanions) {
      if (i !== pointCallIndex) return { name, sql: 'NULL' };
      return { name, sql: valueSql(e, { ...scope, companions: companionSql }) };
    }
    if (e.kind === 'call' && TRANSFORMS.has(e.name)) {
      const { spec, inner } = transformSpec(e);
      return { name, sql: valueSql(inner, scope), transform: spec };
    }
    const fillZero = e.kind === 'call' && e.name === 'count';
    return { name, sql: valueSql(e, scope), ...(fillZero ? { fillZero } : {}) };
  });
  if (columns.length === 0) throw new StatementError('statement must have at least one field in select clause');
  const calls = fields.map((f) => stripParens(f.expr)).filter((e) => e.kind === 'call' && AGGREGATES.has(e.name));
  const firstCall = calls[0];
  const selectorTime = aggregate && interval === undefined && fields.length === 1 && firstCall?.kind === 'call' && SELECTORS.has(firstCall.name);
  const expandPoints =
    withCompanions || (aggregate && fields.length === 1 && firstCall?.kind === 'call' && (firstCall.name === 'top' || firstCall.name === 'bottom' || firstCall.name === 'sample'));
  const expandDistinct = aggregate && fields.length === 1 && (firstCall?.kind === 'call' ? firstCall.name === 'distinct' : stripParens(fields[0]?.expr ?? { kind: 'nil' }).kind === 'distinct');

  const where: string[] = [];
  where.push(...timeRangeSql(input.range));
  if (statement.condition !== undefined) {
    const condition = compileCondition(statement.condition, { measurement, nowNs: input.nowNs, timeAsRange: true, timezone: statement.timezone });
    if (condition !== '1') where.push(condition);
  }
  const tagSql = groupTags.map((k) => (measurement.tagKeys.includes(k) ? quoteIdent(tagColumn(k)) : "''"));
  const select: string[] = [];
  const groupBy: string[] = [];
  let orderBy: string[] = [];
  if (aggregate) {
    if (interval !== undefined) {
      const every = `toInt64(${interval.everyNs})`;
      // With tz(), buckets align to local time: shift by the zone's offset at the point.
      const zoneShift = statement.timezone !== undefined ? ` + toInt64(timeZoneOffset(toTimeZone(\`time\`, ${quoteString(statement.timezone)}))) * 1000000000` : '';
      const bucket = `(${TIME_NS_SQL} - (((${TIME_NS_SQL}${zoneShift} - toInt64(${interval.offsetNs})) % ${every}) + ${every}) % ${every})`;
      select.push(`${bucket} AS __t`);
      groupBy.push('__t');
    } else if (selectorTime && firstCall?.kind === 'call') {
      select.push(`${selectorTimeSql(firstCall, scope)} AS __t`);
    } else {
      select.push('toInt64(0) AS __t');
    }
  } else {
    select.push(`${TIME_NS_SQL} AS __t`);
  }
  // InfluxDB only visits points that carry at least one selected field. Every stored row carries
  // a field, so a query selecting all of a table's fields needs no such filter.
  const refs = fieldRefs(fields, measurement);
  const everyField = input.fromSql === undefined && refs.length > 0 && refs.length === measurement.fieldTypes.size;
  if (!everyField) where.push(refs.length > 0 ? '(' + refs.map((r) => `${r} IS NOT NULL`).join(' OR ') + ')' : '0');
  tagSql.forEach((sql, i) => {
    select.push(`${sql} AS __g${i}`);
    if (aggregate) groupBy.push(`__g${i}`);
  });
  columns.forEach((c, i) => select.push(`${c.sql} AS __v${i}`));
  orderBy = [...tagSql.map((_, i) => `__g${i}`), `__t${statement.ascending ? '' : ' DESC'}`];
  const hasTransform = columns.some((c) => c.transform !== undefined);
  const limitInSql = !aggregate && !hasTransform && (statement.limit > 0 || statement.offset > 0);
  let sql = `SELECT ${select.join(', ')} FROM `;
  if (input.fromSql !== undefined) {
    sql += `(${input.fromSql})`;
    if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
  } else {
    // Filters go inside the source (after FINAL's merge); under LIMIT each series first keeps
    // only the rows any LIMIT [BY] above can use (offset + limit, plus one for merge ties).
    const source = tableSourceSql({ db: input.db, rp: input.rp, measurement: measurement.name, where, final: refs.length > 0 && input.final !== false });
    const perSeries = limitInSql && statement.limit > 0 ? statement.offset + statement.limit + 1 : 0;
    sql += perSeries > 0 ? edgeRowsSql(source, perSeries, statement.ascending) : source;
  }
  if (groupBy.length > 0) sql += ` GROUP BY ${groupBy.join(', ')}`;
  // An aggregate over no rows still yields one row in ClickHouse; InfluxDB yields no series.
  if (aggregate) sql += ' HAVING count() > 0';
  sql += ` ORDER BY ${orderBy.join(', ')}`;
  if (limitInSql) {
    const limit = statement.limit > 0 ? statement.limit : '18446744073709551615';
    const by = tagSql.length > 0 ? ` BY ${tagSql.map((_, i) => `__g${i}`).join(', ')}` : '';
    sql += ` LIMIT ${statement.offset}, ${limit}${by}`;
  }
  return {
    sql,
    columns,
    groupTags,
    aggregate,
    selectorTime,
    ...(interval !== undefined ? { interval } : {}),
    expandDistinct,
    expandPoints,
    pointColumn: Math.max(pointCallIndex, 0),
    pointLayout: withCompanions ? pointLayout : [0],
    limitInSql,
  };
}

function selectorTimeSql(call: Extract<Expr, { kind: 'call' }>, scope: CompileScope): string {
  const x = aggregateArgSql(call.args[0], call.name, scope);
  switch (call.name) {
    case 'first':
      return `min(if(${x} IS NULL, NULL, ${TIME_NS_SQL}))`;
    case 'last':
      return `max(if(${x} IS NULL, NULL, ${TIME_NS_SQL}))`;
    case 'min':
      return `argMin(${TIME_NS_SQL}, ${x})`;
    case 'max':
      return `argMax(${TIME_NS_SQL}, ${x})`;
    case 'percentile':
      return `${percentileTupleSql(call, x)}.2`;
    default:
      return 'toInt64(0)';
  }
}

function fieldRefs(fields: readonly Field[], measurement: MeasurementView): string[] {
  const refs = new Set<string>();
  const visit = (expr: Expr): void => {
    const e = expr;
    if (e.kind === 'var-ref') {
      const ref = resolveRef(e.name, e.type, measurement);
      if (ref.kind === 'field') refs.add(ref.sql);
    } else if (e.kind === 'call') e.args.forEach(visit);
    else if (e.kind === 'binary') {
      visit(e.lhs);
      visit(e.rhs);
    } else if (e.kind === 'paren') visit(e.expr);
  };
  fields.forEach((f) => visit(f.expr));
  return [...refs];
}
