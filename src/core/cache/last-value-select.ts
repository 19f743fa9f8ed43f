// Answers the latest-value SELECTs from the last-value cache exactly as the chDB path would:
// last() per series or tag group (alone, several, or with fields next to a lone one) and raw
// `ORDER BY time DESC LIMIT n`, over one measurement, tag-only WHERE and any time range; and
// first() the same way from the first-value cache (the oldest points, held under negated times).
// The statement is planned as for chDB; the cache then stands in for the read, handing the
// executor's own pure steps (picked points, merge order) the rows chDB would have returned. Any
// shape or range the held points cannot decide exactly gives undefined: the caller reads chDB.

import type { MeasurementView } from '../meta/schema-view.js';
import type { FieldType, FieldValue } from '../model/point.js';
import type { Expr, SelectStatement } from '../query/language/ast.js';
import { extractTimeRange, resolveRef, type TimeRange } from '../query/sql/condition-sql.js';
import { expandFields, isAggregateStatement, planMeasurement, type MeasurementPlan } from '../query/sql/select-plan.js';
import { stripParens } from '../query/sql/select-expr-sql.js';
import { checkSelectTypes } from '../query/execute/select-types.js';
import { selectEdgePoint, type EdgePoint } from '../query/execute/series-edge-select.js';
import { mergeSeriesRows } from '../query/execute/series-merge-order.js';
import { MIN_TIME_NS } from '../query/language/time-literal.js';
import type { Series } from '../query/execute/result.js';
import { compareUtf8 } from '../meta/tag-value-index.js';
import { knownFromNs, newestInRange, valueAt, type FieldHistory } from './field-history.js';
import type { HeldEdge, MeasurementEntry, SeriesLatest } from './last-value-store.js';
import { seriesPredicate } from './tag-condition.js';

export interface LatestSource {
  readonly db: string;
  readonly rp: string;
  readonly measurement: MeasurementView;
  /** The policy's shard group duration (first/last read one shard) and duration (0n: infinite). */
  readonly shardGroupNs: bigint;
  readonly retentionNs: bigint;
}

export interface LatestQuery {
  readonly statement: SelectStatement;
  readonly nowNs: bigint;
  /** The entry's held edge ('newest' when absent): its times are negated for 'oldest'. */
  readonly edge?: HeldEdge;
}

/** Whether the statement has a shape the cache of `edge` may answer (checked on the syntax alone, cheaply). */
export function edgeShape(statement: SelectStatement, edge: HeldEdge): boolean {
  const fn = edge === 'oldest' ? 'first' : 'last';
  if (statement.target !== undefined || statement.sources.length !== 1 || statement.slimit !== 0 || statement.soffset !== 0) return false;
  const source = statement.sources[0]!;
  if (source.kind !== 'measurement' || source.name === undefined || source.regex !== undefined) return false;
  for (const d of statement.dimensions) {
    const e = stripParens(d);
    if (e.kind === 'call') return false;
  }
  if (!isAggregateStatement(statement)) return edge === 'newest' && !statement.ascending && statement.limit > 0 && statement.fields.every((f) => plainRef(f.expr));
  return statement.fields.every((f) => {
    const e = stripParens(f.expr);
    return plainRef(e) || (e.kind === 'call' && e.name === fn && e.args.length === 1);
  });
}

/** edgeShape for the last-value cache. */
export function latestShape(statement: SelectStatement): boolean {
  return edgeShape(statement, 'newest');
}

function plainRef(expr: Expr): boolean {
  const e = stripParens(expr);
  return e.kind === 'var-ref' || e.kind === 'wildcard' || e.kind === 'regex';
}

/** What a selected column reads: a field (castless), a tag, or nothing (NULL). */
type Ref = { readonly kind: 'field'; readonly name: string; readonly type: FieldType } | { readonly kind: 'tag'; readonly key: string } | { readonly kind: 'none' };

function columnRef(expr: Expr, measurement: MeasurementView): Ref | undefined {
  const e = stripParens(expr);
  if (e.kind !== 'var-ref') return undefined;
  const ref = resolveRef(e.name, e.type, measurement);
  if (ref.kind === 'tag') return { kind: 'tag', key: e.name };
  if (ref.kind === 'none') return { kind: 'none' };
  const type = measurement.fieldTypes.get(e.name)!;
  // A cast converts (or nulls) the value: left to chDB.
  if (e.type !== undefined && e.type !== 'field' && e.type !== 'tag' && e.type !== type) return undefined;
  return { kind: 'field', name: e.name, type };
}

function tagOf(series: SeriesLatest, key: string): string {
  const tags = series.tags;
  for (let i = 0; i < tags.length; i += 2) if (tags[i] === key) return tags[i + 1]!;
  return '';
}

/** A held value as the executor's rows carry it (64-bit integers as bigint). */
function outputValue(value: FieldValue | null, type: FieldType): unknown {
  if (value === null) return null;
  return type === 'integer' || type === 'unsigned' ? BigInt(value as string) : value;
}

/** Inexact: the held points cannot decide the answer. */
class Inexact extends Error {}

interface Resolved {
  readonly plan: MeasurementPlan;
  readonly fields: ReturnType<typeof expandFields>;
  readonly range: TimeRange;
  readonly series: SeriesLatest[];
  /** Points older than this may have been removed by retention since: never answered from memory. */
  readonly cutoffNs: bigint | undefined;
  /** -1n where held times are negated (the oldest edge), else 1n: real time = sign × held time. */
  readonly sign: bigint;
  /** The range in held times. */
  readonly heldMinNs: bigint;
  readonly heldMaxNs: bigint;
}

/**
 * The statement's series from the entry, or undefined when the cache cannot answer it exactly.
 * Planning errors are thrown as the chDB path throws them.
 */
export function answerLatest(query: LatestQuery, source: LatestSource, entry: MeasurementEntry): Series[] | undefined {
  const { statement, nowNs } = query;
  const measurement = source.measurement;
  const universe: MeasurementView = { name: '', tagKeys: [...measurement.tagKeys].sort(), fieldTypes: measurement.fieldTypes };
  const range = extractTimeRange(statement.condition, nowNs, statement.timezone);
  checkSelectTypes(statement, universe);
  const plan = planMeasurement({ statement, db: source.db, rp: source.rp, measurement, universe, range, nowNs, final: true });
  if (plan.interval !== undefined || plan.expandDistinct || plan.expandPoints || plan.columns.some((c) => c.transform !== undefined)) return undefined;
  const fields = expandFields(statement, universe, plan.groupTags);
  if (fields.length !== plan.columns.length) return undefined;
  const predicate = seriesPredicate(statement.condition, measurement);
  if (predicate === undefined) return undefined;
  const series: SeriesLatest[] = [];
  for (const s of entry.series.values()) if (predicate((key) => tagOf(s, key))) series.push(s);
  const cutoffNs = source.retentionNs > 0n ? nowNs - source.retentionNs : undefined;
  const oldest = query.edge === 'oldest';
  const held = oldest ? { sign: -1n, heldMinNs: -range.maxNs, heldMaxNs: -range.minNs } : { sign: 1n, heldMinNs: range.minNs, heldMaxNs: range.maxNs };
  const resolved: Resolved = { plan, fields, range, series, cutoffNs, ...held };
  try {
    const out = plan.aggregate ? edgeSeries(resolved, query, source) : oldest ? undefined : rawSeries(resolved, query, source);
    return out === undefined ? undefined : ordered(out, statement);
  } catch (error) {
    if (error instanceof Inexact) return undefined;
    throw error;
  }
}

function checkRetained(t: bigint, cutoffNs: bigint | undefined): void {
  if (cutoffNs !== undefined && t < cutoffNs) throw new Inexact();
}

/** Series grouped by the plan's GROUP BY tag values ('' for a tag a series lacks), in first-seen order. */
function groupSeries(resolved: Resolved): Map<string, { tags: Record<string, string>; members: SeriesLatest[] }> {
  const groups = new Map<string, { tags: Record<string, string>; members: SeriesLatest[] }>();
  const keys = resolved.plan.groupTags;
  for (const s of resolved.series) {
    // One key (the usual GROUP BY tag) is its own id: no values array to join.
    const id = keys.length === 1 ? tagOf(s, keys[0]!) : keys.map((k) => tagOf(s, k)).join('\u0000');
    let group = groups.get(id);
    if (group === undefined) {
      const tags: Record<string, string> = {};
      for (const k of keys) tags[k] = tagOf(s, k);
      groups.set(id, (group = { tags, members: [] }));
    }
    group.members.push(s);
  }
  return groups;
}

function seriesOut(name: string, plan: MeasurementPlan, tags: Record<string, string>, rows: unknown[][], statement: SelectStatement): Series {
  return {
    name,
    ...(plan.groupTags.length > 0 ? { tags } : {}),
    columns: ['time', ...plan.columns.map((c) => c.name)],
    values: rows,
    ...(statement.timezone !== undefined ? { timeZone: statement.timezone } : {}),
  };
}

/**
 * last() (first()) without GROUP BY time: per group one row picked from, per series in `_series`
 * byte order, its two newest (oldest) points in range (what edge-select-sql.ts reads), as the
 * executor's own picked-point-row.ts picks them.
 */
function edgeSeries(resolved: Resolved, query: LatestQuery, source: LatestSource): Series[] | undefined {
  const { plan, fields, range } = resolved;
  const measurement = source.measurement;
  const picks: Array<string | null> = [];
  let loneIndex = -1;
  for (let i = 0; i < plan.columns.length; i++) {
    const column = plan.columns[i]!;
    if (column.auxOf !== undefined) {
      loneIndex = column.auxOf.column;
      picks.push(null);
      continue;
    }
    if (column.pick?.kind !== (query.edge === 'oldest' ? 'first' : 'last')) return undefined;
    const call = stripParens(fields[i]!.expr);
    if (call.kind !== 'call') return undefined;
    const arg = stripParens(call.args[0]!);
    if (arg.kind !== 'var-ref') return undefined;
    // aggregateArgSql: a non-field argument reads NULL, so it selects no point.
    picks.push(resolveRef(arg.name, arg.type, measurement).kind === 'field' ? arg.name : '');
  }
  if (plan.selectorTime && loneIndex < 0) loneIndex = picks.findIndex((p) => p !== null);
  const auxRefs: Ref[] = [];
  if (plan.selectorTime) {
    for (let i = 0; i < fields.length; i++) {
      if (i === loneIndex) continue;
      const ref = columnRef(fields[i]!.expr, measurement);
      if (ref === undefined) return undefined;
      auxRefs.push(ref);
    }
  }
  const out: Series[] = [];
  const { statement } = query;
  const pick: EdgePick = { picks, loneIndex, auxRefs };
  for (const group of groupSeries(resolved).values()) {
    const held = heldPoints(resolved, pick, group.members);
    const row = newestRow(resolved, pick, held, source) ?? pickedRow(resolved, pick, held, source);
    if (row === undefined) continue;
    if (!plan.selectorTime) row[0] = range.minNs !== MIN_TIME_NS ? range.minNs : 0n;
    // A lone selector that selected no point yields no series.
    if (plan.selectorTime && row.slice(1).every((v) => v === null)) continue;
    let rows = [row];
    if (statement.offset > 0 || statement.limit > 0) rows = rows.slice(statement.offset, statement.limit > 0 ? statement.offset + statement.limit : undefined);
    if (rows.length === 0) continue;
    out.push(seriesOut(measurement.name, plan, group.tags, rows, statement));
  }
  return out;
}

/** What edgeSeries picks: per column the last() field ('' reads NULL; null: not a pick), the lone selector and its aux columns. */
interface EdgePick {
  readonly picks: ReadonlyArray<string | null>;
  readonly loneIndex: number;
  readonly auxRefs: readonly Ref[];
}

/** A member's newest (oldest for first()) held points in range of one picked field, at most two. */
interface MemberPoints {
  readonly s: SeriesLatest;
  readonly history: FieldHistory;
  /** Indexes into the history, newest first; never empty. */
  readonly indexes: readonly number[];
}

/**
 * Per pick column, the group's members with points in range (in the group's order; empty for a
 * column that is not a pick or reads NULL), read once for newestRow and pickedRow. Inexact when
 * a member's held points cannot tell, or a point in range may have been removed by retention.
 */
function heldPoints(resolved: Resolved, pick: EdgePick, members: readonly SeriesLatest[]): Array<readonly MemberPoints[]> {
  const { heldMinNs, heldMaxNs, cutoffNs, sign } = resolved;
  const out: Array<readonly MemberPoints[]> = [];
  for (const field of pick.picks) {
    const points: MemberPoints[] = [];
    if (field !== null && field !== '') {
      for (const s of members) {
        const history = s.fields.get(field);
        const inRange = newestInRange(history, heldMinNs, heldMaxNs, 2);
        if (!inRange.exact) throw new Inexact();
        if (inRange.indexes.length === 0) continue;
        if (cutoffNs !== undefined) for (const at of inRange.indexes) checkRetained(sign * history!.times[at]!, cutoffNs);
        points.push({ s, history: history!, indexes: inRange.indexes });
      }
    }
    out.push(points);
  }
  return out;
}

/** One member's newest point in range of a picked field (the oldest for first()). */
interface Newest {
  readonly s: SeriesLatest;
  /** Held time. */
  readonly t: bigint;
  readonly value: FieldValue;
}

/**
 * A group's row when, in every pick column, one member alone holds the newest point in range: then
 * InfluxDB's merge pops that point first and the next one is older, so it is the pick whatever the
 * heap's shape (and a group of one series always qualifies). Undefined when some column is tied
 * (pickedRow resolves it) or no column has a point.
 */
function newestRow(resolved: Resolved, pick: EdgePick, held: ReadonlyArray<readonly MemberPoints[]>, source: LatestSource): unknown[] | undefined {
  const { plan, sign } = resolved;
  const row: unknown[] = [0n];
  const newest: Array<Newest | undefined> = [];
  let any = false;
  for (const points of held) {
    let best: Newest | undefined;
    let tied = false;
    for (const { s, history, indexes } of points) {
      const at = indexes[0]!;
      const t = history.times[at]!;
      if (best === undefined || t > best.t) {
        best = { s, t, value: history.values[at]! };
        tied = false;
      } else if (t === best.t) tied = true;
    }
    if (tied) return undefined;
    if (best !== undefined) any = true;
    newest.push(best);
  }
  if (!any) return undefined;
  pick.picks.forEach((field, i) => {
    const point = newest[i];
    row.push(field === null || point === undefined ? null : outputValue(point.value, source.measurement.fieldTypes.get(field)!));
    if (plan.selectorTime && point !== undefined) row[0] = sign * point.t;
  });
  const lone = newest[pick.loneIndex];
  plan.columns.forEach((column, i) => {
    if (column.auxOf === undefined) return;
    const ref = pick.auxRefs[column.auxOf.index];
    row[i + 1] = lone === undefined || ref === undefined ? null : auxValue(ref, lone.s, lone.t);
  });
  return row;
}

/**
 * A group's row as the executor's picked-point-row.ts resolves chDB's cells (edge-select-sql.ts:
 * per series in `_series` byte order, its two newest points in range), with the same pick,
 * series-edge-select.ts, given the points directly.
 */
function pickedRow(resolved: Resolved, pick: EdgePick, held: ReadonlyArray<readonly MemberPoints[]>, source: LatestSource): unknown[] | undefined {
  const { plan, sign } = resolved;
  const measurement = source.measurement;
  const fn = sign < 0n ? 'first' : 'last';
  const row: unknown[] = [0n];
  const picked = new Map<number, EdgePoint | undefined>();
  let any = false;
  pick.picks.forEach((field, i) => {
    if (field === null) {
      row.push(null);
      return;
    }
    const points = held[i]!.slice().sort((a, b) => compareUtf8(a.s.key, b.s.key));
    const bySeries: EdgePoint[][] = [];
    const type = measurement.fieldTypes.get(field)!;
    const withAux = i === pick.loneIndex && pick.auxRefs.length > 0;
    for (const { s, history, indexes } of points) {
      const rows: EdgePoint[] = [];
      for (const at of indexes) {
        const t = history.times[at]!;
        const aux = withAux ? pick.auxRefs.map((ref) => auxValue(ref, s, t)) : NO_AUX;
        rows.push({ t: sign < 0n ? -t : t, value: outputValue(history.values[at]!, type), aux });
      }
      bySeries.push(rows);
    }
    if (bySeries.length > 0) any = true;
    const column = plan.columns[i]!;
    const point = selectEdgePoint(bySeries, { fn, shardGroupNs: source.shardGroupNs, auxCompareOrder: column.pick?.auxCompareOrder ?? [] });
    picked.set(i, point);
    row.push(point?.value ?? null);
    if (plan.selectorTime && point !== undefined) row[0] = point.t;
  });
  if (!any) return undefined;
  plan.columns.forEach((column, i) => {
    if (column.auxOf !== undefined) row[i + 1] = picked.get(column.auxOf.column)?.aux[column.auxOf.index] ?? null;
  });
  return row;
}

/** The aux values of a point that carries none. */
const NO_AUX: readonly unknown[] = [];

/** A column's value at a point of series `s` at held time `t` (a field's value there, the series' tag, or null). */
function auxValue(ref: Ref, s: SeriesLatest, t: bigint): unknown {
  if (ref.kind === 'none') return null;
  if (ref.kind === 'tag') {
    const value = tagOf(s, ref.key);
    return value === '' ? null : value;
  }
  const at = valueAt(s.fields.get(ref.name), t);
  if (!at.known) throw new Inexact();
  return outputValue(at.value, ref.type);
}

interface RawRow {
  readonly t: bigint;
  /** Values as chDB's rows hold them before conversion (strings stay strings). */
  readonly values: unknown[];
}

/**
 * Raw ORDER BY time DESC LIMIT n: each series' newest offset + limit + 1 rows in range (the
 * per-series LIMIT BY of the chDB plan), merged per group in InfluxDB's heap order.
 */
function rawSeries(resolved: Resolved, query: LatestQuery, source: LatestSource): Series[] | undefined {
  const { plan, fields, range } = resolved;
  const { statement } = query;
  if (statement.ascending || statement.limit <= 0 || !plan.limitInSql) return undefined;
  const measurement = source.measurement;
  const refs: Ref[] = [];
  for (const field of fields) {
    const ref = columnRef(field.expr, measurement);
    if (ref === undefined) return undefined;
    refs.push(ref);
  }
  const fieldNames = [...new Set(refs.flatMap((r) => (r.kind === 'field' ? [r.name] : [])))];
  if (fieldNames.length === 0) return undefined;
  const perSeries = statement.offset + statement.limit + 1;
  // InfluxDB's aux fields sorted by name; only string values break ties between equal times.
  const auxOrder = plan.columns.map((c, i) => ({ name: c.name, i })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const isString = refs.map((r) => r.kind === 'tag' || (r.kind === 'field' && r.type === 'string'));
  const out: Series[] = [];
  for (const group of groupSeries(resolved).values()) {
    const bySeries = new Map<string, RawRow[]>();
    for (const s of group.members) {
      const rows = newestRows(s, fieldNames, range, perSeries).map((t) => {
        checkRetained(t, resolved.cutoffNs);
        return { t, values: refs.map((ref) => auxValue(ref, s, t)) };
      });
      if (rows.length > 0) bySeries.set(s.key, rows);
    }
    // select-executor.ts orders a group's series by key (JavaScript's string order).
    const cursors = [...bySeries.keys()].sort().map((k) => ({ rows: bySeries.get(k)! }));
    const merged = cursors.length === 1 ? cursors[0]!.rows : mergeSeriesRows(cursors, {
      ascending: false,
      timeOf: (r: RawRow) => r.t,
      auxOf: (r: RawRow) => auxOrder.map(({ i }) => (isString[i] === true ? r.values[i] : null)),
    });
    const rows = merged.slice(statement.offset, statement.offset + statement.limit).map((r) => [r.t, ...r.values]);
    if (rows.length === 0) continue;
    out.push(seriesOut(measurement.name, plan, group.tags, rows, statement));
  }
  return out;
}

/**
 * Times of the series' newest `want` rows in range that carry one of `fields`. Below the newest
 * of the fields' oldest held points some field's values are unknown: rows come from above it
 * only, and if too few are there while the range reaches below, the answer is inexact.
 */
function newestRows(s: SeriesLatest, fields: readonly string[], range: TimeRange, want: number): bigint[] {
  let knownFrom: bigint | undefined;
  const histories: FieldHistory[] = [];
  for (const name of fields) {
    const history = s.fields.get(name);
    if (history === undefined) continue;
    histories.push(history);
    const from = knownFromNs(history);
    if (from !== undefined && (knownFrom === undefined || from > knownFrom)) knownFrom = from;
  }
  const floor = knownFrom !== undefined && knownFrom > range.minNs ? knownFrom : range.minNs;
  const times = new Set<bigint>();
  for (const history of histories) for (const t of history.times) if (t >= floor && t <= range.maxNs) times.add(t);
  const sorted = [...times].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  if (sorted.length >= want) return sorted.slice(0, want);
  if (knownFrom !== undefined && range.minNs < knownFrom) throw new Inexact();
  return sorted;
}

/** Series by name then tags, as executeSelect sorts them; ORDER BY time DESC prints them reversed. */
function ordered(series: Series[], statement: SelectStatement): Series[] {
  const keyed = series.map((s) => ({ name: s.name ?? '', tags: tagKey(s), series: s }));
  keyed.sort((a, b) => {
    if (a.name !== b.name) return a.name < b.name ? -1 : 1;
    return a.tags < b.tags ? -1 : a.tags > b.tags ? 1 : 0;
  });
  const out = keyed.map((k) => k.series);
  return statement.ascending ? out : out.reverse();
}

function tagKey(s: Series): string {
  const tags = s.tags ?? {};
  const keys = Object.keys(tags);
  if (keys.length === 1) return `${keys[0]!}\u0000${tags[keys[0]!] ?? ''}`;
  return keys
    .sort()
    .map((k) => `${k}\u0000${tags[k] ?? ''}`)
    .join('\u0001');
}
