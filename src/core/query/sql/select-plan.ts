// Plans one SELECT over one measurement: expands wildcards, names columns like InfluxDB, and
// compiles filters, buckets, aggregates and per-series limits into one ClickHouse query.

import type { MeasurementView } from '../../meta/schema-view.js';
import { fieldColumn, quoteIdent, quoteString, tagColumn } from '../../store/naming.js';
import type { Expr, Field, SelectStatement } from '../language/ast.js';
import { compileRegex } from '../language/regex.js';
import { compileCondition, resolveRef, TIME_NS_SQL, timeRangeSql, type TimeRange } from './condition-sql.js';
import { StatementError } from '../execute/result.js';
import { edgeRowsSql, fieldsRead, tableSourceSql } from './table-source.js';
import { TRANSFORMS, transformSpec, type TransformSpec } from '../functions/transform-spec.js';
import { transformReadRange } from '../functions/transforms.js';
import { modePickSql, percentilePickSql, selectedAuxSql, selectorTimeSql, type SelectorName, type SelectorSqlInput } from './selector-sql.js';
import { AGGREGATES, aggregateArgSql, fieldRefSql, modeSql, numericLiteral, stripParens, valueSql, type CompileScope } from './select-expr-sql.js';
import { edgeSelectSql, joinEdgeColumnsSql, type EdgeColumnSql } from './edge-select-sql.js';
import { integralRowsSql, type IntegralColumn } from './integral-sql.js';

export { TRANSFORMS, type TransformSpec };

const SELECTORS = new Set(['first', 'last', 'min', 'max', 'percentile']);
/** Most points a lone percentile() ships to the executor to break a tie exactly; beyond, SQL's order decides. */
export const PERCENTILE_EXACT_POINTS_MAX = 200_000;

export interface GroupInterval {
  readonly everyNs: bigint;
  readonly offsetNs: bigint;
}

export interface OutputColumn {
  readonly name: string;
  /** SQL for the value (aggregate SQL in aggregate mode). */
  readonly sql: string;
  readonly transform?: TransformSpec;
  /** count(): empty buckets report 0 under fill(null). */
  readonly fillZero?: boolean;
  /** integral() under GROUP BY time: InfluxDB never fills it (buckets without a value have no row of their own). */
  readonly unfilled?: boolean;
  /**
   * A selector whose point the executor picks (picked-point-row.ts): first()/last() without GROUP
   * BY time (every series' leading points, reduced as InfluxDB's storage engine does) and a lone
   * percentile() (the group's points when the picked value is tied, ordered as InfluxDB sorts).
   */
  readonly pick?: PointPick;
  /** A field or tag selected next to a picked selector: that point's aux value `index` of column `column`. */
  readonly auxOf?: { readonly column: number; readonly index: number };
}

export interface PointPick {
  readonly kind: 'first' | 'last' | 'percentile' | 'mode';
  /** Aux positions in the order InfluxDB compares them on equal times (its aux fields sorted by name). */
  readonly auxCompareOrder: readonly number[];
  readonly percent?: number;
}

export interface MeasurementPlan {
  readonly sql: string;
  readonly columns: readonly OutputColumn[];
  /** The select fields, wildcards expanded (top()/bottom() tag arguments added): one per column. */
  readonly fields: readonly Field[];
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
  /** Time range read and filled: the statement's, widened when a transformation needs an earlier bucket. */
  readonly readRange: TimeRange;
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

/**
 * The LIMIT a raw query really gets: influxd 1.6's storage engine lets OFFSET + LIMIT + 1 points
 * of each series group through before the query applies OFFSET, so OFFSET without LIMIT keeps one.
 * Queries with aggregates or transformations apply both exactly.
 */
export function withEngineRowLimit(statement: SelectStatement): SelectStatement {
  if (statement.offset <= 0 || statement.limit > 0) return statement;
  if (statement.fields.some((f) => hasCall(f.expr, AGGREGATES) || hasCall(f.expr, TRANSFORMS))) return statement;
  return { ...statement, limit: 1 };
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
    if (e.kind === 'call' && (AGGREGATES.has(e.name) || TRANSFORMS.has(e.name))) {
      const [arg, ...rest] = e.args;
      const a = arg === undefined ? undefined : stripParens(arg);
      if (a !== undefined && (a.kind === 'wildcard' || a.kind === 'regex')) {
        const re = a.kind === 'regex' ? compileRegex(a.source) : undefined;
        for (const key of fieldKeys) {
          if (re !== undefined && !re.test(key)) continue;
          const type = measurement.fieldTypes.get(key);
          if (e.name !== 'count' && e.name !== 'distinct' && e.name !== 'first' && e.name !== 'last' && e.name !== 'mode' && e.name !== 'sample' && e.name !== 'elapsed' && (type === 'string' || type === 'boolean')) continue;
          out.push({ expr: { kind: 'call', name: e.name, args: [{ kind: 'var-ref', name: key }, ...rest] }, alias: field.alias ?? `${e.name}_${key}` });
        }
        continue;
      }
    }
    out.push(field);
  }
  return out;
}

/** top()/bottom() tag arguments are also output columns, right after the call (InfluxDB adds them as fields). */
function withTopTagFields(fields: readonly Field[], statement: SelectStatement): Field[] {
  if (statement.target !== undefined) return fields.slice();
  return fields.flatMap((f) => {
    const e = stripParens(f.expr);
    if (e.kind !== 'call' || (e.name !== 'top' && e.name !== 'bottom') || e.args.length <= 2) return [f];
    return [f, ...e.args.slice(1, -1).map((expr) => ({ expr }))];
  });
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
  const fields = withTopTagFields(expandFields(statement, input.universe, groupTags), statement);
  const aggregate = fields.some((f) => hasCall(f.expr, AGGREGATES));
  if (interval !== undefined && !aggregate) throw new StatementError('GROUP BY requires at least one aggregate function');
  const integrals: IntegralColumn[] = [];
  const scope: CompileScope = {
    measurement,
    aggregate,
    ...(interval !== undefined && input.fromSql === undefined ? { integrals } : {}),
    ...(input.fromSql === undefined ? { storedTypes: true } : {}),
  };
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
  // A lone selector may be selected with plain fields/tags: they report the selected point's values.
  const selectorIndex = loneSelectorIndex(fields);
  const selectorCall = selectorIndex >= 0 ? stripParens(fields[selectorIndex]?.expr ?? { kind: 'nil' }) : undefined;
  const auxFields = selectorIndex >= 0 ? fields.filter((_, i) => i !== selectorIndex) : [];
  // first()/last() without GROUP BY time read each series' edge (alone, or joined to other aggregates).
  const edgeReads = aggregate && interval === undefined && input.fromSql === undefined;
  const edgeMode = edgeReads && isEdgeSelection(fields, selectorIndex);
  const edgeJoin = edgeReads && !edgeMode && fields.some((f) => isEdgeCall(stripParens(f.expr)));
  // A lone percentile() over a table: the executor breaks ties among equal values as InfluxDB does.
  const percentilePick = edgeReads && selectorCall?.kind === 'call' && selectorCall.name === 'percentile';
  const auxSql = auxFields.map((f) => {
    const e = stripParens(f.expr);
    return e.kind === 'var-ref' ? fieldRefSql(e.name, e.type, { measurement, aggregate: false }) : 'NULL';
  });
  const columns: OutputColumn[] = fields.map((field, i) => {
    const e = stripParens(field.expr);
    const name = names[i] ?? '';
    if (selectorCall?.kind === 'call' && i !== selectorIndex && e.kind === 'var-ref') {
      if (edgeMode || percentilePick) return { name, sql: 'NULL', auxOf: { column: selectorIndex, index: auxFields.indexOf(field) } };
      return { name, sql: selectedAuxSql(selectorInput(selectorCall, scope), fieldRefSql(e.name, e.type, { measurement, aggregate: false })) };
    }
    if ((edgeMode || edgeJoin) && e.kind === 'call' && isEdgeCall(e)) {
      const auxCompareOrder = i === selectorIndex ? sortedAuxOrder(auxFields) : [];
      return { name, sql: 'NULL', pick: { kind: e.name === 'last' ? 'last' : 'first', auxCompareOrder } };
    }
    if (percentilePick && i === selectorIndex && e.kind === 'call') {
      const percent = numericLiteral(e.args[1], 'percentile');
      const sql = percentilePickSql({ valueSql: aggregateArgSql(e.args[0], e.name, scope), percent, auxSql, exactPointsMax: PERCENTILE_EXACT_POINTS_MAX });
      return { name, sql, pick: { kind: 'percentile', auxCompareOrder: sortedAuxOrder(auxFields), percent } };
    }
    if (edgeReads && e.kind === 'call' && e.name === 'mode' && !isBooleanField(e.args[0], measurement)) {
      // mode() over a table: the executor breaks ties among equally frequent values as InfluxDB does.
      const x = aggregateArgSql(e.args[0], e.name, scope);
      return { name, sql: x === 'NULL' ? 'NULL' : modePickSql(x, modeSql(x), PERCENTILE_EXACT_POINTS_MAX), pick: { kind: 'mode', auxCompareOrder: [] } };
    }
    if (withCompanions) {
      if (i !== pointCallIndex) return { name, sql: 'NULL' };
      return { name, sql: valueSql(e, { ...scope, companions: companionSql }) };
    }
    if (e.kind === 'call' && TRANSFORMS.has(e.name)) {
      const { spec, inner } = transformSpec(e);
      // count()'s empty buckets feed the transformation 0, as they print alone.
      const innerCall = stripParens(inner);
      const countInside = innerCall.kind === 'call' && innerCall.name === 'count';
      return { name, sql: valueSql(inner, scope), transform: spec, ...(countInside ? { fillZero: true } : {}) };
    }
    const fillZero = e.kind === 'call' && e.name === 'count';
    const unfilled = e.kind === 'call' && e.name === 'integral' && interval !== undefined;
    return { name, sql: valueSql(e, scope), ...(fillZero ? { fillZero } : {}), ...(unfilled ? { unfilled } : {}) };
  });
  if (columns.length === 0) throw new StatementError('statement must have at least one field in select clause');
  const calls = fields.map((f) => stripParens(f.expr)).filter((e) => e.kind === 'call' && AGGREGATES.has(e.name));
  const firstCall = calls[0];
  const selectorTime = aggregate && interval === undefined && selectorIndex >= 0;
  const expandPoints =
    withCompanions || (aggregate && fields.length === 1 && firstCall?.kind === 'call' && (firstCall.name === 'top' || firstCall.name === 'bottom' || firstCall.name === 'sample'));
  const expandDistinct = aggregate && fields.length === 1 && (firstCall?.kind === 'call' ? firstCall.name === 'distinct' : stripParens(fields[0]?.expr ?? { kind: 'nil' }).kind === 'distinct');

  const readRange = transformReadRange({
    range: input.range,
    transforms: columns.map((c) => c.transform),
    ascending: statement.ascending,
    nowNs: input.nowNs,
    ...(interval !== undefined ? { intervalNs: interval.everyNs } : {}),
  });
  const where: string[] = [];
  where.push(...timeRangeSql(readRange));
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
      select.push(`${bucketSql(TIME_NS_SQL, interval, statement.timezone)} AS __t`);
      groupBy.push('__t');
    } else if (selectorTime && !percentilePick && firstCall?.kind === 'call') {
      select.push(`${selectorTimeSql(selectorInput(firstCall, scope))} AS __t`);
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
  // Filters go inside the table source (after FINAL's merge).
  const tableSource =
    input.fromSql === undefined
      ? tableSourceSql({ db: input.db, rp: input.rp, measurement: measurement.name, fields: fieldsRead([...fields.map((f) => f.expr), statement.condition], measurement), where, final: refs.length > 0 && input.final !== false })
      : '';
  let sql = `SELECT ${select.join(', ')} FROM `;
  if (input.fromSql !== undefined) {
    sql += `(${input.fromSql})`;
    if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
  } else {
    // Under LIMIT each series first keeps only the rows any LIMIT [BY] above can use (offset +
    // limit, plus one for merge ties).
    const source =
      interval !== undefined && integrals.length > 0
        ? integralRowsSql({ source: tableSource, partitionSql: tagSql, bucketOf: (t) => bucketSql(t, interval, statement.timezone), everyNs: interval.everyNs, columns: integrals })
        : tableSource;
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
  if (edgeMode || edgeJoin) {
    const edgeSql = edgeSelectSql({ source: tableSource, tagSql, columns: edgeColumnsSql(fields, scope, selectorIndex, auxSql) });
    sql = edgeMode ? edgeSql : joinEdgeColumnsSql({ mainSql: sql, edgeSql, groupCount: tagSql.length, isEdge: columns.map((c) => c.pick !== undefined && c.pick.kind !== 'mode') });
  }
  return {
    sql,
    columns,
    fields,
    groupTags,
    aggregate,
    selectorTime,
    ...(interval !== undefined ? { interval } : {}),
    expandDistinct,
    expandPoints,
    pointColumn: Math.max(pointCallIndex, 0),
    pointLayout: withCompanions ? pointLayout : [0],
    limitInSql,
    readRange,
  };
}

/** Index of the one selector call among the fields when every other field is a field or tag; else -1. */
function loneSelectorIndex(fields: readonly Field[]): number {
  const calls = fields.flatMap((f, i) => {
    const e = stripParens(f.expr);
    return e.kind === 'call' && AGGREGATES.has(e.name) ? [i] : [];
  });
  const index = calls.length === 1 ? (calls[0] ?? -1) : -1;
  const call = index >= 0 ? stripParens(fields[index]?.expr ?? { kind: 'nil' }) : undefined;
  if (call?.kind !== 'call' || !SELECTORS.has(call.name)) return -1;
  return fields.every((f, i) => i === index || stripParens(f.expr).kind === 'var-ref') ? index : -1;
}

function isEdgeCall(e: Expr): boolean {
  return e.kind === 'call' && (e.name === 'first' || e.name === 'last');
}

/** Whether every field is first()/last() (or a field/tag next to a lone one): the storage engine's edge read. */
function isEdgeSelection(fields: readonly Field[], selectorIndex: number): boolean {
  return fields.every((f, i) => {
    const e = stripParens(f.expr);
    if (e.kind === 'call') return isEdgeCall(e);
    return e.kind === 'var-ref' && selectorIndex >= 0 && i !== selectorIndex;
  });
}

/** InfluxDB compares aux values in the order of their names. */
function sortedAuxOrder(auxFields: readonly Field[]): number[] {
  const name = (f: Field): string => {
    const e = stripParens(f.expr);
    return e.kind === 'var-ref' ? e.name : '';
  };
  return auxFields.map((f, i) => ({ key: name(f), i })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i)).map((x) => x.i);
}

/** Per field: the edge selector's value and aux SQL (the lone selector's aux fields), or undefined for an aux field. */
function edgeColumnsSql(fields: readonly Field[], scope: CompileScope, selectorIndex: number, auxSql: readonly string[]): Array<EdgeColumnSql | undefined> {
  return fields.map((f, i) => {
    const e = stripParens(f.expr);
    if (e.kind !== 'call' || !isEdgeCall(e)) return undefined;
    const fn = e.name === 'last' ? 'last' : 'first';
    return { fn, valueSql: aggregateArgSql(e.args[0], e.name, scope), auxSql: i === selectorIndex ? auxSql : [] };
  });
}

/** Start (ns) of the GROUP BY time bucket holding `timeNsSql`; with tz() buckets align to local time (the row's offset). */
function bucketSql(timeNsSql: string, interval: GroupInterval, timezone: string | undefined): string {
  const every = `toInt64(${interval.everyNs})`;
  const zoneShift = timezone !== undefined ? ` + toInt64(timeZoneOffset(toTimeZone(\`time\`, ${quoteString(timezone)}))) * 1000000000` : '';
  return `(${timeNsSql} - (((${timeNsSql}${zoneShift} - toInt64(${interval.offsetNs})) % ${every}) + ${every}) % ${every})`;
}

/** What selector-sql.ts needs to know about a lone selector call. */
function selectorInput(call: Extract<Expr, { kind: 'call' }>, scope: CompileScope): SelectorSqlInput {
  const valueSql = aggregateArgSql(call.args[0], call.name, scope);
  const name = call.name as SelectorName;
  return name === 'percentile' ? { name, valueSql, percent: numericLiteral(call.args[1], 'percentile') } : { name, valueSql };
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

function isBooleanField(expr: Expr | undefined, measurement: MeasurementView): boolean {
  const e = expr === undefined ? undefined : stripParens(expr);
  return e?.kind === 'var-ref' && measurement.fieldTypes.get(e.name) === 'boolean';
}
