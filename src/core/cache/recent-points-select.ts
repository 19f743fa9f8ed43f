// Answers a planned SELECT's read from the recent-points cache: the rows its ClickHouse query
// (select-plan.ts) would return, with the same columns, types and order, so the executor splits,
// merges, fills and shapes them exactly as it does chDB's. Pure. Shapes: one measurement; WHERE
// of tags, time and numeric-field comparisons; raw fields and tags (rows carry their series key
// for the merge order, as withSeriesKeys asks); or max/min/count (numeric fields) and sum/mean
// (floats) under GROUP BY time() without a time zone, with or without GROUP BY tags. Anything
// else, or a range reaching below what the entry holds, yields undefined (read chDB).

import type { MeasurementView } from '../meta/schema-view.js';
import type { Expr, SelectStatement } from '../query/language/ast.js';
import type { SqlResult } from '../query/execute/query-port.js';
import type { MeasurementPlan } from '../query/sql/select-plan.js';
import { resolveRef } from '../query/sql/condition-sql.js';
import { MIN_TIME_NS } from '../query/language/time-literal.js';
import { lowerBound, MAX_REL_NS, type RecentEntry, type RecentSeries } from './recent-points-store.js';
import { splitCondition, type FieldReader, type SplitCondition } from './row-condition.js';

export interface RecentRowsRequest {
  readonly statement: SelectStatement;
  /** The plan whose read is answered (with series keys for raw rows, as the executor runs it). */
  readonly plan: MeasurementPlan;
  /** Whether raw rows carry their series key first (the executor's merged plan). */
  readonly merged: boolean;
  readonly measurement: MeasurementView;
  readonly nowNs: bigint;
  /** The retention policy's duration (0: infinite): older points may be removed any moment. */
  readonly retentionNs: bigint;
}

/** Points one answer may scan, and rows it may return; larger reads go to chDB (which streams). */
export const MAX_SCANNED_POINTS = 4_000_000;
export const MAX_ANSWER_ROWS = 100_000;

type AggregateName = 'max' | 'min' | 'count' | 'sum' | 'mean';

/** One output column: an aggregate of a field, or (raw) a field, a tag or nothing. */
type ColumnSource =
  | { readonly kind: 'aggregate'; readonly fn: AggregateName; readonly field: string; readonly type: string }
  | { readonly kind: 'field'; readonly field: string; readonly type: string }
  | { readonly kind: 'tag'; readonly key: string }
  | { readonly kind: 'none' };

function stripParens(expr: Expr): Expr {
  let e = expr;
  while (e.kind === 'paren') e = e.expr;
  return e;
}

const AGGREGATE_TYPES: Record<AggregateName, readonly string[]> = {
  max: ['float', 'integer'],
  min: ['float', 'integer'],
  count: ['float', 'integer', 'boolean', 'string'],
  sum: ['float'],
  mean: ['float'],
};

/** The field a var-ref reads, unless a cast changes its value. */
function fieldOf(expr: Expr | undefined, measurement: MeasurementView): { field: string; type: string } | undefined {
  const e = expr === undefined ? undefined : stripParens(expr);
  if (e?.kind !== 'var-ref' || resolveRef(e.name, e.type, measurement).kind !== 'field') return undefined;
  const type = measurement.fieldTypes.get(e.name)!;
  if (e.type !== undefined && e.type !== 'field' && e.type !== type) return undefined;
  return { field: e.name, type };
}

function columnSources(request: RecentRowsRequest): ColumnSource[] | undefined {
  const { plan, measurement } = request;
  const out: ColumnSource[] = [];
  for (const f of plan.fields) {
    const e = stripParens(f.expr);
    if (plan.aggregate) {
      if (e.kind !== 'call' || e.args.length !== 1 || !(e.name in AGGREGATE_TYPES)) return undefined;
      const fn = e.name as AggregateName;
      const ref = fieldOf(e.args[0], measurement);
      if (ref === undefined || !AGGREGATE_TYPES[fn].includes(ref.type)) return undefined;
      out.push({ kind: 'aggregate', fn, ...ref });
      continue;
    }
    if (e.kind !== 'var-ref' || e.name.toLowerCase() === 'time') return undefined;
    const ref = resolveRef(e.name, e.type, measurement);
    if (ref.kind === 'tag') out.push({ kind: 'tag', key: e.name });
    else if (ref.kind === 'none') out.push({ kind: 'none' });
    else {
      const field = fieldOf(e, measurement);
      if (field === undefined) return undefined;
      out.push({ kind: 'field', ...field });
    }
  }
  return out;
}

/** Whether the plan is one this module answers (before any entry is looked at). */
export function recentShape(request: RecentRowsRequest): boolean {
  const { statement, plan } = request;
  if (statement.slimit > 0 || statement.soffset > 0) return false;
  if (plan.expandPoints || plan.expandDistinct || plan.selectorTime) return false;
  if (plan.columns.some((c) => c.transform !== undefined || c.pick !== undefined || c.auxOf !== undefined || c.unfilled === true)) return false;
  if (plan.aggregate) {
    if (plan.interval === undefined || request.merged || statement.timezone !== undefined) return false;
    if (plan.interval.everyNs <= 0n || plan.interval.everyNs > BigInt(MAX_REL_NS)) return false;
  } else if (!request.merged) {
    return false;
  }
  return true;
}

const TYPE_OF: Record<string, string> = { float: 'Nullable(Float64)', integer: 'Nullable(Int64)', boolean: 'Nullable(Bool)', string: 'Nullable(String)' };

function columnType(source: ColumnSource): string {
  if (source.kind === 'aggregate') return source.fn === 'count' ? 'UInt64' : source.fn === 'sum' || source.fn === 'mean' ? 'Nullable(Float64)' : TYPE_OF[source.type]!;
  if (source.kind === 'field') return TYPE_OF[source.type]!;
  return source.kind === 'tag' ? 'Nullable(String)' : 'Nullable(Nothing)';
}

/** A time relative to the base, clamped where it lies beyond every held time. */
function clampedRel(timeNs: bigint, baseNs: bigint): number {
  const rel = timeNs - baseNs;
  const far = BigInt(MAX_REL_NS) * 2n;
  if (rel > far) return Infinity;
  if (rel < -far) return -Infinity;
  return Number(rel);
}

interface Group {
  readonly values: readonly string[];
  readonly members: RecentSeries[];
}

function tagOf(series: RecentSeries, key: string): string {
  const tags = series.tags;
  for (let i = 0; i < tags.length; i += 2) if (tags[i] === key) return tags[i + 1]!;
  return '';
}

/** Byte order of UTF-8 text, as ClickHouse sorts strings. */
function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  if (/^[\u0000-\ud7ff]*$/.test(a) && /^[\u0000-\ud7ff]*$/.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function groupsOf(entry: RecentEntry, groupTags: readonly string[], measurement: MeasurementView, condition: SplitCondition): Group[] {
  const byKey = new Map<string, Group>();
  for (const series of entry.series.values()) {
    if (series.length === 0 || !condition.series((key) => tagOf(series, key))) continue;
    const values = groupTags.map((k) => (measurement.tagKeys.includes(k) ? tagOf(series, k) : ''));
    const key = values.join('\u0000');
    let group = byKey.get(key);
    if (group === undefined) byKey.set(key, (group = { values, members: [] }));
    group.members.push(series);
  }
  const groups = [...byKey.values()];
  groups.sort((a, b) => {
    for (let i = 0; i < a.values.length; i++) {
      const c = compareUtf8(a.values[i]!, b.values[i]!);
      if (c !== 0) return c;
    }
    return 0;
  });
  for (const g of groups) g.members.sort((a, b) => compareUtf8(a.key, b.key));
  return groups;
}

/**
 * The rows the plan's SQL would return, or undefined when the entry cannot answer exactly (range
 * below what it holds, points the retention may be removing, a form not taken, or a read too
 * large). The caller checked recentShape() before it looked the entry up.
 */
export function recentRows(request: RecentRowsRequest, entry: RecentEntry): SqlResult | undefined {
  const { plan, statement, measurement } = request;
  const range = plan.readRange;
  if (entry.coverFromNs !== MIN_TIME_NS && range.minNs < entry.coverFromNs) return undefined;
  if (request.retentionNs > 0n && range.minNs < request.nowNs - request.retentionNs) return undefined;
  const sources = columnSources(request);
  const condition = splitCondition(statement.condition, measurement);
  if (sources === undefined || condition === undefined) return undefined;
  const minRel = clampedRel(range.minNs, entry.baseNs);
  const maxRel = clampedRel(range.maxNs, entry.baseNs);
  const groups = groupsOf(entry, plan.groupTags, measurement, condition);
  let scanned = 0;
  for (const g of groups) for (const s of g.members) scanned += lowerBound(s.times, s.length, maxRel + 0.5) - lowerBound(s.times, s.length, minRel);
  if (scanned > MAX_SCANNED_POINTS) return undefined;
  // InfluxDB visits only points carrying a selected field; every row carries one of all fields.
  const refs = [...new Set(sources.flatMap((s) => (s.kind === 'aggregate' || s.kind === 'field' ? [s.field] : [])))];
  const everyField = refs.length > 0 && refs.length === measurement.fieldTypes.size;
  const scan: Scan = { minRel, maxRel, condition, refs: everyField ? undefined : refs };
  const read = plan.aggregate ? aggregateRows(request, groups, sources, scan, entry.baseNs) : rawRows(request, groups, sources, scan, entry.baseNs);
  if (read === undefined) return undefined;
  const columns = plan.aggregate ? ['__t'] : ['__s', '__t'];
  const types = plan.aggregate ? ['Int64'] : ['String', 'Int64'];
  plan.groupTags.forEach((_, i) => {
    columns.push(`__g${i}`);
    types.push('String');
  });
  sources.forEach((s, i) => {
    columns.push(`__v${i}`);
    types.push(columnType(s));
  });
  return { columns, types, rows: read };
}

interface Scan {
  readonly minRel: number;
  readonly maxRel: number;
  readonly condition: SplitCondition;
  /** Fields of which a row must carry one (undefined: every row qualifies). */
  readonly refs: readonly string[] | undefined;
}

/**
 * Whether a row of the series passes the WHERE clause's field comparisons and carries a selected
 * field; undefined when every row does.
 */
function rowFilter(series: RecentSeries, scan: Scan): ((row: number) => boolean) | undefined {
  const rowTest = scan.condition.row;
  const refColumns = scan.refs?.map((f) => series.columns.get(f)).filter((c) => c !== undefined);
  let at = 0;
  const read: FieldReader = (field) => {
    const values = series.columns.get(field)?.num;
    return values === undefined || values === null ? NaN : values[at]!;
  };
  const test = rowTest === undefined ? undefined : (row: number): boolean => ((at = row), rowTest(read));
  if (refColumns === undefined) return test;
  if (refColumns.length === 0) return () => false;
  const only = refColumns.length === 1 ? refColumns[0]!.num : null;
  const carries =
    only !== null
      ? (row: number): boolean => only[row] === only[row]
      : (row: number): boolean => refColumns.some((c) => (c.num !== null ? c.num[row] === c.num[row] : c.str![row] !== undefined));
  return test === undefined ? carries : (row) => carries(row) && test(row);
}

/** Indexes of the series' rows in the range that pass the WHERE clause, in time order. */
function passingRows(series: RecentSeries, scan: Scan): number[] {
  const { times } = series;
  const end = lowerBound(times, series.length, scan.maxRel + 0.5);
  const filter = rowFilter(series, scan);
  const out: number[] = [];
  for (let i = lowerBound(times, series.length, scan.minRel); i < end; i++) if (filter === undefined || filter(i)) out.push(i);
  return out;
}

interface Accumulator {
  rows: number;
  readonly values: Float64Array;
  readonly counts: Float64Array;
}

const MAX = 0;
const MIN = 1;
const SUM = 2;
const COUNT = 3;

function aggregateRows(request: RecentRowsRequest, groups: readonly Group[], sources: readonly ColumnSource[], scan: Scan, baseNs: bigint): unknown[][] | undefined {
  const interval = request.plan.interval!;
  const every = Number(interval.everyNs);
  // bucket = t - ((t - offset) mod every), with t = base + rel: (t - offset) mod every = (rel + shift) mod every.
  const shift = Number((((baseNs - interval.offsetNs) % interval.everyNs) + interval.everyNs) % interval.everyNs);
  const aggs = sources as ReadonlyArray<Extract<ColumnSource, { kind: 'aggregate' }>>;
  const width = aggs.length;
  const ops = aggs.map((a) => (a.fn === 'max' ? MAX : a.fn === 'min' ? MIN : a.fn === 'count' ? COUNT : SUM));
  const out: unknown[][] = [];
  for (const group of groups) {
    const buckets = new Map<number, Accumulator>();
    for (const series of group.members) {
      const columns = aggs.map((a) => series.columns.get(a.field));
      const filter = rowFilter(series, scan);
      const { times } = series;
      const end = lowerBound(times, series.length, scan.maxRel + 0.5);
      // Rows come in time order, so a bucket is looked up only when the rows leave it.
      let acc: Accumulator | undefined;
      let bucketEnd = -Infinity;
      for (let i = lowerBound(times, series.length, scan.minRel); i < end; i++) {
        if (filter !== undefined && !filter(i)) continue;
        const rel = times[i]!;
        if (rel >= bucketEnd || acc === undefined) {
          const bucket = rel - ((((rel + shift) % every) + every) % every);
          bucketEnd = bucket + every;
          acc = buckets.get(bucket);
          if (acc === undefined) {
            acc = { rows: 0, values: new Float64Array(width).fill(NaN), counts: new Float64Array(width) };
            buckets.set(bucket, acc);
          }
        }
        acc.rows++;
        const values = acc.values;
        const counts = acc.counts;
        for (let k = 0; k < width; k++) {
          const column = columns[k];
          if (column === undefined) continue;
          if (column.num === null) {
            if (column.str![i] !== undefined) counts[k]!++;
            continue;
          }
          const v = column.num[i]!;
          if (v !== v) continue;
          const held = values[k]!;
          const op = ops[k];
          if (op === MAX) values[k] = held !== held || v > held ? v : held;
          else if (op === MIN) values[k] = held !== held || v < held ? v : held;
          else if (op === SUM) values[k] = held !== held ? v : held + v;
          counts[k]!++;
        }
      }
    }
    const keys = [...buckets.keys()].sort((a, b) => (request.statement.ascending ? a - b : b - a));
    if (out.length + keys.length > MAX_ANSWER_ROWS) return undefined;
    for (const key of keys) {
      const acc = buckets.get(key)!;
      const row: unknown[] = [baseNs + BigInt(key), ...group.values];
      aggs.forEach((a, k) => {
        const count = acc.counts[k]!;
        if (a.fn === 'count') row.push(count);
        else if (count === 0) row.push(null);
        else row.push(a.fn === 'mean' ? acc.values[k]! / count : acc.values[k]!);
      });
      out.push(row);
    }
  }
  return out;
}

function rawRows(request: RecentRowsRequest, groups: readonly Group[], sources: readonly ColumnSource[], scan: Scan, baseNs: bigint): unknown[][] | undefined {
  const { statement } = request;
  // The plan keeps offset + limit + 1 rows per series (LIMIT … BY the series key) under a LIMIT.
  const perSeries = statement.limit > 0 ? statement.offset + statement.limit + 1 : Infinity;
  const out: unknown[][] = [];
  for (const group of groups) {
    for (const series of group.members) {
      let rows = passingRows(series, scan);
      if (!statement.ascending) rows.reverse();
      if (rows.length > perSeries) rows = rows.slice(0, perSeries);
      if (out.length + rows.length > MAX_ANSWER_ROWS) return undefined;
      const cells = sources.map((s) => (s.kind === 'field' ? series.columns.get(s.field) : undefined));
      const tagCells = sources.map((s) => (s.kind === 'tag' ? tagOf(series, s.key) : ''));
      for (const i of rows) {
        const row: unknown[] = [series.key, baseNs + BigInt(series.times[i]!), ...group.values];
        sources.forEach((s, k) => {
          if (s.kind === 'tag') row.push(tagCells[k] === '' ? null : tagCells[k]);
          else if (s.kind === 'none') row.push(null);
          else row.push(cellOf(cells[k], s.type, i));
        });
        out.push(row);
      }
    }
  }
  return out;
}

function cellOf(column: { readonly num: Float64Array | null; readonly str: Array<string | undefined> | null } | undefined, type: string, row: number): unknown {
  if (column === undefined) return null;
  if (column.str !== null) return column.str[row] ?? null;
  const v = column.num![row]!;
  if (v !== v) return null;
  return type === 'boolean' ? v === 1 : v;
}
