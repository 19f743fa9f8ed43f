// Executes SELECT statements: resolves sources, runs one planned ClickHouse query per
// measurement, then applies what InfluxQL defines itself (series split, fill, transforms, SLIMIT).

import type { DatabaseView, MeasurementView } from '../../meta/schema-view.js';
import type { QueryPort, ReadScope, SqlResult } from './query-port.js';
import type { MeasurementSource, SelectStatement } from '../language/ast.js';
import { extractTimeRange, type TimeRange } from '../sql/condition-sql.js';
import { groupInterval, planMeasurement, withEngineRowLimit, subqueryTable, type MeasurementPlan, type TransformSpec } from '../sql/select-plan.js';
import { compileRegex } from '../language/regex.js';
import { StatementError, type Series } from './result.js';
import { MIN_TIME_NS } from '../language/time-literal.js';
import { transformRows, transformsReadNothing } from '../functions/transforms.js';
import { mergeSeriesRowsLazily } from './series-merge-order.js';
import { resolvePickedRow } from './picked-point-row.js';
import { quoteIdent, quoteString, tagColumn } from '../../store/naming.js';
import { splitTypeArgs } from '../../store/type-names.js';
import { validateSelect } from './select-validate.js';
import { limitCountSql } from '../sql/table-source.js';
import { checkSelectTypes } from './select-types.js';
import { bucketSpan, checkSelectBuckets, fillBuckets, type BucketGrid } from './bucket-fill.js';
import { filterPaced, RowPacer, sortPaced } from './row-pacer.js';
import { noopTracer } from '../../tracing.js';
import { estimateRowsBytes, type MemoryLease } from '../../query-memory.js';

export interface SelectContext {
  readonly port: QueryPort;
  readonly db: string;
  readonly rp?: string;
  readonly nowNs: bigint;
  readonly signal?: AbortSignal;
  /**
   * Most GROUP BY time() buckets a statement may fill, summed over all its series (InfluxDB's
   * max-select-buckets; fill would otherwise be unbounded). Checked before any filling.
   */
  readonly maxSelectBuckets: number;
  /** Which tables need FINAL (set by withConsistentReads); without it every read uses FINAL. */
  readonly reads?: ReadScope;
  /** The query's share of the memory budget: rows are reserved before they are built. */
  readonly memory?: MemoryLease;
}

/** Read options of a statement: its signal and memory lease. */
export function readOptions(ctx: SelectContext): { signal?: AbortSignal; memory?: MemoryLease } {
  return { ...(ctx.signal !== undefined ? { signal: ctx.signal } : {}), ...(ctx.memory !== undefined ? { memory: ctx.memory } : {}) };
}

/** Whether the source's table must be read with FINAL (subquery sources read no table). */
export function needsFinal(ctx: SelectContext, source: { readonly db: string; readonly rp: string; readonly measurement: { readonly name: string } }): boolean {
  return ctx.reads?.needsFinal({ db: source.db, rp: source.rp, measurement: source.measurement.name }) ?? true;
}

interface ResolvedSource {
  readonly db: string;
  readonly rp: string;
  readonly measurement: MeasurementView;
}

function databaseOrThrow(ctx: SelectContext, name: string): DatabaseView {
  const db = ctx.port.schema.database(name);
  if (db === undefined) throw new StatementError(`database not found: ${name}`);
  return db;
}

export async function resolveSources(sources: readonly MeasurementSource[], ctx: SelectContext): Promise<ResolvedSource[]> {
  const out: ResolvedSource[] = [];
  const pacer = new RowPacer(ctx.signal);
  const seen = new Set<string>();
  for (const source of sources) {
    const dbName = source.database !== undefined && source.database !== '' ? source.database : ctx.db;
    if (dbName === '') throw new StatementError('database name required');
    const db = databaseOrThrow(ctx, dbName);
    const rpName = source.retentionPolicy !== undefined && source.retentionPolicy !== '' ? source.retentionPolicy : (ctx.rp !== undefined && ctx.rp !== '' && source.database === undefined ? ctx.rp : db.defaultRetentionPolicy);
    if (!db.retentionPolicies.some((rp) => rp.name === rpName)) throw new StatementError(`retention policy not found: ${rpName}`);
    const candidates: MeasurementView[] = [];
    if (source.regex !== undefined) {
      const re = compileRegex(source.regex);
      candidates.push(...(await filterPaced(db.measurements(rpName), (m) => re.test(m.name), pacer)));
    } else if (source.name !== undefined) {
      const m = db.measurement(rpName, source.name);
      if (m !== undefined) candidates.push(m);
    }
    for (const m of candidates) {
      const key = `${dbName}\u0000${rpName}\u0000${m.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ db: dbName, rp: rpName, measurement: m });
    }
  }
  return out;
}

export function isMissingTable(err: unknown): boolean {
  const text = err instanceof Error ? err.message : String(err);
  return /UNKNOWN_TABLE|UNKNOWN_DATABASE|Code: 60\b|Code: 81\b/.test(text);
}

/**
 * Flushes a statement's tables once, before its first read of chDB. A read answered from memory
 * needs none: the in-memory paths hold every acknowledged write already.
 */
export class FlushGate {
  private readonly targets: Array<{ readonly db: string; readonly rp: string; readonly measurement: string }> = [];
  private flushed: Promise<void> | undefined;

  constructor(private readonly port: QueryPort) {}

  add(targets: ReadonlyArray<{ readonly db: string; readonly rp: string; readonly measurement: string }>): void {
    this.targets.push(...targets);
  }

  ensure(): Promise<void> {
    return (this.flushed ??= this.port.ensureFlushed(this.targets));
  }
}

/** One source's planned read: from memory where the port answers it exactly, else chDB (flushed first). */
async function readSource(read: SourceReadInput, ctx: SelectContext, flush: FlushGate): Promise<SqlResult> {
  const fromMemory = await recentRowsOf(read, ctx);
  if (fromMemory !== undefined) return fromMemory;
  await flush.ensure();
  return runPlan(read.plan, ctx);
}

export interface SourceReadInput {
  readonly source: PlannedSource;
  readonly statement: SelectStatement;
  readonly plan: MeasurementPlan;
  readonly merged: boolean;
}

/** The source's rows from the port's in-memory path (tables only), its memory reserved; undefined: read chDB. */
export async function recentRowsOf(read: SourceReadInput, ctx: SelectContext): Promise<SqlResult | undefined> {
  const { source } = read;
  if (ctx.port.recentRows === undefined || source.fromSql !== undefined) return undefined;
  const rows = await ctx.port.recentRows({ db: source.db, rp: source.rp, measurement: source.measurement, statement: read.statement, plan: read.plan, merged: read.merged, nowNs: ctx.nowNs });
  if (rows === undefined) return undefined;
  const reservedBytes = estimateRowsBytes(rows.rows.length, rows.columns.length);
  ctx.memory?.reserve(reservedBytes);
  return { ...rows, reservedBytes };
}

async function runPlan(plan: MeasurementPlan, ctx: SelectContext): Promise<SqlResult> {
  try {
    return await ctx.port.runSql(plan.sql, readOptions(ctx));
  } catch (err) {
    if (isMissingTable(err)) return { columns: [], types: [], rows: [] };
    throw err;
  }
}

/** convertCell for every cell of one column: the type's tests run once, not once a cell. */
export function cellConverter(type: string): (value: unknown) => unknown {
  const wideInt = /Int(64|128|256)|UInt(64|128|256)/.test(type);
  const float = /Float/.test(type);
  const intType = /^(Nullable\()?(U?Int)/.test(type);
  const plain = !type.includes('Array(') && !type.includes('Tuple(');
  if (!plain) return (value) => convertCell(value, type);
  return (value) => {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') {
      if (wideInt && /^-?\d+$/.test(value)) return BigInt(value);
      if (float) {
        if (value === 'nan' || value === 'inf' || value === '-inf' || value === '+inf') return null;
        return Number(value);
      }
      return value;
    }
    if (typeof value === 'number') {
      if (intType) return BigInt(value);
      return Number.isFinite(value) ? value : null;
    }
    return value;
  };
}

const convertUntyped = cellConverter('');

/** Converts one JSONCompact cell by its ClickHouse type (64-bit ints arrive as strings). */
export function convertCell(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    if (/Int(64|128|256)|UInt(64|128|256)/.test(type) && /^-?\d+$/.test(value)) return BigInt(value);
    if (/Float/.test(type)) {
      if (value === 'nan' || value === 'inf' || value === '-inf' || value === '+inf') return null;
      return Number(value);
    }
    return value;
  }
  if (typeof value === 'number') {
    if (/^(Nullable\()?(U?Int)/.test(type)) return BigInt(value);
    return Number.isFinite(value) ? value : null;
  }
  if (Array.isArray(value)) {
    const bare = type.replace(/^Nullable\((.*)\)$/, '$1');
    const arrayInner = /^Array\((.*)\)$/.exec(bare)?.[1];
    if (arrayInner !== undefined) return value.map((v) => convertCell(v, arrayInner));
    const tupleInner = /^Tuple\((.*)\)$/.exec(bare)?.[1];
    if (tupleInner !== undefined) {
      const types = splitTypeArgs(tupleInner);
      return value.map((v, i) => convertCell(v, types[i] ?? ''));
    }
    return value;
  }
  return value;
}

export interface RawSeries {
  readonly tags: Record<string, string>;
  readonly rows: unknown[][];
}

/**
 * Cuts the read's rows into series where the GROUP BY tag values change. Each row is rewritten
 * in place into [time, ...values] (the read is owned by this statement): a large answer then
 * allocates no second copy of its rows.
 */
export async function splitSeries(plan: MeasurementPlan, result: SqlResult, pacer: RowPacer): Promise<RawSeries[]> {
  const out: RawSeries[] = [];
  const tagCount = plan.groupTags.length;
  let current: RawSeries | undefined;
  let currentTags: string[] = [];
  const types = result.types;
  const convertTime = cellConverter(types[0] ?? 'Int64');
  const convertValue = types.slice(1 + tagCount).map((type) => cellConverter(type ?? ''));
  for (const row of result.rows as unknown[][]) {
    if (pacer.due()) await pacer.pause();
    if (current === undefined || !sameTagValues(row, currentTags)) {
      currentTags = [];
      const tags: Record<string, string> = {};
      for (let i = 0; i < tagCount; i++) {
        const value = String(row[1 + i] ?? '');
        currentTags.push(value);
        tags[plan.groupTags[i]!] = value;
      }
      current = { tags, rows: [] };
      out.push(current);
    }
    const width = row.length - tagCount;
    const t = convertTime(row[0]);
    row[0] = typeof t === 'bigint' ? t : BigInt(String(t ?? 0));
    for (let i = 1; i < width; i++) row[i] = (convertValue[i - 1] ?? convertUntyped)(row[i + tagCount]);
    row.length = width;
    current.rows.push(row);
  }
  return out;
}

/** Whether the row's GROUP BY tag cells (from index 1) read as `tags`. */
function sameTagValues(row: readonly unknown[], tags: readonly string[]): boolean {
  for (let i = 0; i < tags.length; i++) if (String(row[1 + i] ?? '') !== tags[i]) return false;
  return true;
}

/** Whether the plan's series get their empty GROUP BY time() buckets filled. */
function fillsBuckets(plan: MeasurementPlan, statement: SelectStatement): boolean {
  if (statement.fill.kind === 'none' || !plan.aggregate || plan.interval === undefined || plan.expandPoints || plan.expandDistinct) return false;
  // distinct() is never filled either (InfluxDB builds no fill iterator for it), nor integral().
  return !plan.columns.every((c) => c.unfilled === true);
}

function bucketGrid(plan: MeasurementPlan, statement: SelectStatement): BucketGrid | undefined {
  return plan.interval === undefined ? undefined : { everyNs: plan.interval.everyNs, offsetNs: plan.interval.offsetNs, timezone: statement.timezone };
}

/** The first bucket with data of a series' rows (in the statement's time order). */
function firstBucketNs(rows: ReadonlyArray<readonly unknown[]>, ascending: boolean): bigint | undefined {
  const row = ascending ? rows[0] : rows[rows.length - 1];
  return row === undefined ? undefined : (row[0] as bigint);
}

/**
 * Before reading: InfluxDB refuses a GROUP BY time() whose bounded range alone (one series) holds
 * more buckets than allowed, whatever the data.
 */
export function checkBucketsBeforeRead(plan: MeasurementPlan, statement: SelectStatement, ctx: SelectContext): void {
  const grid = bucketGrid(plan, statement);
  if (grid === undefined || !fillsBuckets(plan, statement)) return;
  const span = bucketSpan({ grid, range: plan.readRange, nowNs: ctx.nowNs });
  if (span !== undefined) checkSelectBuckets(span.count, ctx.maxSelectBuckets);
}

/** After reading, before filling: the buckets every filled series of the statement spans. */
function statementBuckets(reads: readonly SourceRead[], statement: SelectStatement, ctx: SelectContext): bigint {
  let total = 0n;
  for (const { plan, series } of reads) for (const raw of series) total += seriesBuckets(plan, raw, statement, ctx);
  return total;
}

/** The buckets one series fills (0n when its plan fills none). */
export function seriesBuckets(plan: MeasurementPlan, raw: RawSeries, statement: SelectStatement, ctx: SelectContext): bigint {
  const grid = bucketGrid(plan, statement);
  if (grid === undefined || !fillsBuckets(plan, statement)) return 0n;
  return bucketSpan({ grid, range: plan.readRange, nowNs: ctx.nowNs, dataMinNs: firstBucketNs(raw.rows, statement.ascending) })?.count ?? 0n;
}

/**
 * Memory the empty buckets of the series will take once filled; reserved for the whole statement
 * before any is made, so a statement too large for the budget fails before the work.
 */
export function reserveFill(plan: MeasurementPlan, series: readonly RawSeries[], statement: SelectStatement, ctx: SelectContext): void {
  if (ctx.memory === undefined) return;
  let added = 0;
  for (const raw of series) added += Math.max(0, Number(seriesBuckets(plan, raw, statement, ctx)) - raw.rows.length);
  if (added > 0) ctx.memory.reserve(estimateRowsBytes(added, plan.columns.length + 1));
}

async function fillSeries(rows: unknown[][], plan: MeasurementPlan, statement: SelectStatement, ctx: SelectContext, pacer: RowPacer): Promise<unknown[][]> {
  const grid = bucketGrid(plan, statement);
  const fill = statement.fill;
  if (grid === undefined || fill.kind === 'none') return rows;
  const asc = statement.ascending ? rows : rows.slice().reverse();
  const span = bucketSpan({ grid, range: plan.readRange, nowNs: ctx.nowNs, dataMinNs: firstBucketNs(asc, true) });
  if (span === undefined) return rows;
  const filled = await fillBuckets({ rows: asc, span, grid, fill, columns: plan.columns, pacer });
  return statement.ascending ? filled : filled.reverse();
}

export interface SourceRead {
  readonly source: PlannedSource;
  readonly plan: MeasurementPlan;
  readonly series: readonly RawSeries[];
}

export async function shapeSeries(read: SourceRead, statement: SelectStatement, range: TimeRange, ctx: SelectContext, pacer: RowPacer): Promise<Series[]> {
  const { plan, source } = read;
  const name = source.measurement.name;
  const shardGroupNs = shardGroupNsOf(ctx, source);
  const out: Series[] = [];
  const columns = ['time', ...plan.columns.map((c) => c.name)];
  const hasPicks = plan.columns.some((c) => c.pick !== undefined);
  for (const raw of read.series) {
    if (pacer.due(raw.rows.length)) await pacer.pause();
    let rows = raw.rows;
    if (hasPicks) rows.forEach((r) => resolvePickedRow(r, plan.columns, { shardGroupNs, pointTime: plan.selectorTime }));
    if (plan.aggregate && plan.interval === undefined && !plan.selectorTime) {
      const t = range.minNs !== MIN_TIME_NS ? range.minNs : 0n;
      rows.forEach((r) => (r[0] = t));
    }
    if (plan.expandDistinct) rows = rows.flatMap((r) => ((r[1] as unknown[] | null) ?? []).map((v) => [r[0], v]));
    if (plan.expandPoints) {
      // top/bottom/sample report each point's own time and are never filled. Under ORDER BY time
      // DESC the buckets come newest first, yet each bucket's points stay in ascending time (1.6).
      const layout = plan.pointLayout;
      rows = rows.flatMap((r) => ((r[plan.pointColumn + 1] as unknown[][] | null) ?? []).map((p) => [p[1] as bigint, ...layout.map((idx) => p[idx] ?? null)]));
    }
    if (plan.columns.every((c) => c.unfilled === true)) rows = rows.filter((r) => r.slice(1).some((v) => v !== null));
    if (fillsBuckets(plan, statement)) rows = await fillSeries(rows, plan, statement, ctx, pacer);
    // A lone selector that selected no point (percentile 0) yields no series; other aggregates over
    // points yield their row even when null (stddev of one point).
    if (plan.selectorTime && plan.interval === undefined && rows.every((r) => r.slice(1).every((v) => v === null))) continue;
    if (plan.columns.some((c) => c.transform !== undefined)) rows = await applyTransforms(rows, plan, statement, range, pacer);
    if (!plan.limitInSql && (statement.offset > 0 || statement.limit > 0)) {
      rows = rows.slice(statement.offset, statement.limit > 0 ? statement.offset + statement.limit : undefined);
    }
    if (rows.length === 0) continue;
    out.push({
      name,
      ...(plan.groupTags.length > 0 ? { tags: raw.tags } : {}),
      columns,
      values: rows,
      ...(statement.timezone !== undefined ? { timeZone: statement.timezone } : {}),
    });
  }
  return out;
}

/** The shard group duration of a source's retention policy (first()/last() read one shard); 0n for subqueries. */
function shardGroupNsOf(ctx: SelectContext, source: PlannedSource): bigint {
  if (source.fromSql !== undefined) return 0n;
  return ctx.port.schema.database(source.db)?.retentionPolicies.find((rp) => rp.name === source.rp)?.shardGroupDurationNs ?? 0n;
}

/** derivative() of an aggregate without a unit measures change per GROUP BY interval, not per second. */
function transformUnit(spec: TransformSpec, column: number, plan: MeasurementPlan, statement: SelectStatement): TransformSpec {
  if (plan.interval === undefined || statement.fields.length !== plan.columns.length) return spec;
  if (spec.name !== 'derivative' && spec.name !== 'non_negative_derivative') return spec;
  let e = statement.fields[column]?.expr;
  while (e?.kind === 'paren') e = e.expr;
  return e?.kind === 'call' && e.args.length === 1 ? { ...spec, unitNs: plan.interval.everyNs } : spec;
}

function applyTransforms(rows: unknown[][], plan: MeasurementPlan, statement: SelectStatement, range: TimeRange, pacer: RowPacer): Promise<unknown[][]> {
  return transformRows({
    rows,
    transforms: plan.columns.map((c, i) => (c.transform === undefined ? undefined : transformUnit(c.transform, i, plan, statement))),
    ascending: statement.ascending,
    range,
    ...(plan.interval !== undefined ? { intervalNs: plan.interval.everyNs } : {}),
  }, pacer);
}

/** Runs a SELECT and returns its series (sorted by name, then tags, as InfluxDB merges them). */
export interface PlannedSource extends ResolvedSource {
  /** Set for subquery sources: the inner query as a table. */
  readonly fromSql?: string;
}

/**
 * InfluxDB groups a subquery by its own and the outer query's named tag dimensions, so its rows
 * carry the tags the outer query groups by (an inner max per host still knows each host's region).
 * `*` and /regex/ dimensions resolve against the subquery's own tags, so they add nothing.
 */
function withOuterDimensions(inner: SelectStatement, outer: SelectStatement): SelectStatement {
  const tagDimensions = outer.dimensions.filter((d) => {
    let e = d;
    while (e.kind === 'paren') e = e.expr;
    return e.kind === 'var-ref';
  });
  return tagDimensions.length === 0 ? inner : { ...inner, dimensions: [...inner.dimensions, ...tagDimensions] };
}

/**
 * Resolves FROM into measurements and subquery tables (nested subqueries recurse). The
 * measurements are flushed through `flush` when given (before their first chDB read), else now.
 */
export async function planSources(statement: SelectStatement, ctx: SelectContext, depth: number, flush?: FlushGate): Promise<PlannedSource[]> {
  if (depth > 8) throw new StatementError('subqueries nested too deeply');
  const out: PlannedSource[] = [];
  const measurementSources: MeasurementSource[] = [];
  for (const s of statement.sources) if (s.kind === 'measurement') measurementSources.push(s);
  const direct = await resolveSources(measurementSources, ctx);
  const targets = direct.map((s) => ({ db: s.db, rp: s.rp, measurement: s.measurement.name }));
  if (flush !== undefined) flush.add(targets);
  else await ctx.port.ensureFlushed(targets);
  out.push(...direct);
  for (const s of statement.sources) {
    if (s.kind !== 'subquery') continue;
    validateSelect(s.statement);
    const inner = withOuterDimensions(withEngineRowLimit(s.statement), statement);
    const innerRange = extractTimeRange(inner.condition, ctx.nowNs, inner.timezone);
    const innerSources = await planSources(inner, ctx, depth + 1);
    const universe = unionView(innerSources.map((x) => x.measurement));
    for (const source of innerSources) {
      const plan = planMeasurement({ statement: inner, db: source.db, rp: source.rp, measurement: source.measurement, universe, range: innerRange, nowNs: ctx.nowNs, final: needsFinal(ctx, source), ...(source.fromSql !== undefined ? { fromSql: source.fromSql } : {}) });
      const offset = plan.aggregate && plan.interval === undefined && !plan.selectorTime && innerRange.minNs !== MIN_TIME_NS ? innerRange.minNs : 0n;
      const table = subqueryTable(plan, source.measurement.name, offset);
      out.push({ db: source.db, rp: source.rp, measurement: table.view, fromSql: table.sql });
    }
  }
  return out;
}

/** A source's plan; `merged` when its raw rows carry series keys for InfluxDB's merge order. */
export function planSource(source: PlannedSource, statement: SelectStatement, ctx: SelectContext, range: TimeRange, universe: MeasurementView): { plan: MeasurementPlan; merged: boolean } {
  const tracer = ctx.port.tracer ?? noopTracer;
  return tracer.detail('query.plan', { 'hyperbytedb.measurement': source.measurement.name }, () => {
    const planned = planMeasurement({ statement, db: source.db, rp: source.rp, measurement: source.measurement, universe, range, nowNs: ctx.nowNs, final: needsFinal(ctx, source), ...(source.fromSql !== undefined ? { fromSql: source.fromSql } : {}) });
    const merged = withSeriesKeys(planned, statement, source.fromSql !== undefined ? subquerySeriesSql(source.measurement) : '`_series`');
    return { plan: merged ?? planned, merged: merged !== undefined };
  });
}

/** Transformations whose range can hold no output (derivative of a single bucket…): nothing to read. */
export function readsNothing(plan: MeasurementPlan, statement: SelectStatement, range: TimeRange, ctx: SelectContext): boolean {
  const transforms = plan.columns.map((c) => c.transform);
  return transformsReadNothing({ range, transforms, ascending: statement.ascending, nowNs: ctx.nowNs, ...(plan.interval !== undefined ? { intervalNs: plan.interval.everyNs } : {}) });
}

export async function executeSelect(requested: SelectStatement, ctx: SelectContext): Promise<Series[]> {
  const statement = withEngineRowLimit(requested);
  validateSelect(statement);
  groupInterval(statement);
  const latest = await ctx.port.latestValues?.(statement, ctx);
  if (latest !== undefined) return latest;
  const flush = new FlushGate(ctx.port);
  const sources = await planSources(statement, ctx, 0, flush);
  const range = extractTimeRange(statement.condition, ctx.nowNs, statement.timezone);
  const universe = unionView(sources.map((s) => s.measurement));
  checkSelectTypes(statement, universe);
  const pacer = new RowPacer(ctx.signal);
  const reads: SourceRead[] = [];
  for (const source of sources) {
    const { plan, merged } = planSource(source, statement, ctx, range, universe);
    if (readsNothing(plan, statement, range, ctx)) continue;
    checkBucketsBeforeRead(plan, statement, ctx);
    let result = await readSource({ source, statement, plan, merged }, ctx, flush);
    if (merged) result = await orderLikeMergeIterator(plan, statement, result, source.fromSql === undefined, pacer);
    reads.push({ source, plan, series: await splitSeries(plan, result, pacer) });
  }
  checkSelectBuckets(statementBuckets(reads, statement, ctx), ctx.maxSelectBuckets);
  for (const read of reads) reserveFill(read.plan, read.series, statement, ctx);
  const all: Series[] = [];
  for (const read of reads) all.push(...(await shapeSeries(read, statement, range, ctx, pacer)));
  const keyed = all.map((series) => ({ name: series.name ?? '', tags: seriesTagKey(series), series }));
  const ordered = await sortPaced(
    keyed,
    (a, b) => {
      if (a.name !== b.name) return a.name < b.name ? -1 : 1;
      return a.tags < b.tags ? -1 : a.tags > b.tags ? 1 : 0;
    },
    pacer,
  );
  const kept = limitTagSets(ordered.map((k) => k.series), statement.slimit, statement.soffset);
  // ORDER BY time DESC then prints them in reverse (its merge heap compares name and tags with >).
  return statement.ascending ? kept : kept.reverse();
}

/**
 * InfluxDB's LimitTagSets: per measurement, the tag sets [soffset, soffset + slimit) in ascending
 * order, whatever the ORDER BY; SOFFSET without SLIMIT keeps nothing. `sorted` is in name then
 * tag order.
 */
function limitTagSets(sorted: readonly Series[], slimit: number, soffset: number): Series[] {
  if (slimit <= 0 && soffset <= 0) return [...sorted];
  if (slimit <= 0) return [];
  const out: Series[] = [];
  let start = 0;
  while (start < sorted.length) {
    let end = start + 1;
    while (end < sorted.length && sorted[end]!.name === sorted[start]!.name) end++;
    out.push(...sorted.slice(Math.min(end, start + soffset), Math.min(end, start + soffset + slimit)));
    start = end;
  }
  return out;
}

const SERIES_COLUMN = '__s';

/**
 * Raw queries: InfluxDB emits rows of equal time in its merge heap's order, which depends on
 * every series' rows, so the SQL also returns each row's series key (and, under LIMIT, enough
 * rows per series for the heap: offset + limit + 1). The planner's SQL is extended here.
 * select-plan.ts should emit `_series` itself; until it does, its text is extended here.
 */
function withSeriesKeys(plan: MeasurementPlan, statement: SelectStatement, seriesSql: string): MeasurementPlan | undefined {
  // Transformations of raw points read them in the same merge order (their inputs carry no aux tie-break).
  if (plan.aggregate || plan.expandPoints || plan.expandDistinct) return undefined;
  if (!plan.sql.startsWith('SELECT ')) return undefined;
  let sql = `SELECT ${seriesSql} AS ${SERIES_COLUMN}, ${plan.sql.slice('SELECT '.length)}`;
  if (plan.limitInSql) {
    const limitClause = / LIMIT \d+, \d+( BY [_\w, ]+)?$/.exec(sql);
    if (limitClause === null || statement.limit <= 0) return undefined;
    sql = `${sql.slice(0, limitClause.index)} LIMIT ${limitCountSql(statement.offset + statement.limit + 1)} BY ${SERIES_COLUMN}`;
  }
  return { ...plan, sql, limitInSql: false };
}

/** A subquery's rows carry no series key: its GROUP BY tag values (sorted by key) identify the inner series. */
function subquerySeriesSql(view: MeasurementView): string {
  if (view.tagKeys.length === 0) return "''";
  const keys = [...view.tagKeys].sort();
  return `concat(${keys.map((k) => `${quoteString(k)}, '=', toString(${quoteIdent(tagColumn(k))}), ','`).join(', ')})`;
}

/** Reorders rows within each GROUP BY series like InfluxDB's sorted merge, then drops the key column (in place). */
export async function orderLikeMergeIterator(plan: MeasurementPlan, statement: SelectStatement, result: SqlResult, heapOrder: boolean, pacer: RowPacer): Promise<SqlResult> {
  if (result.columns[0] !== SERIES_COLUMN) return result;
  const tagCount = plan.groupTags.length;
  const stringColumns = result.types.map((t) => /String/.test(t));
  const auxStart = 2 + tagCount;
  // InfluxDB's aux fields are the selected references sorted by name.
  const auxOrder = plan.columns.map((c, i) => ({ name: c.name, index: auxStart + i })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const groups = new Map<string, Map<string, Array<readonly unknown[]>>>();
  for (const row of result.rows) {
    if (pacer.due()) await pacer.pause();
    let groupKey = '';
    for (let i = 2; i < auxStart; i++) groupKey += (i > 2 ? '\u0000' : '') + String(row[i] ?? '');
    let bySeries = groups.get(groupKey);
    if (bySeries === undefined) groups.set(groupKey, (bySeries = new Map()));
    const seriesKey = String(row[0] ?? '');
    let rows = bySeries.get(seriesKey);
    if (rows === undefined) bySeries.set(seriesKey, (rows = []));
    rows.push(row);
  }
  const out: Array<readonly unknown[]> = [];
  for (const bySeries of groups.values()) {
    if (bySeries.size === 1 && heapOrder) {
      // One series: its rows came in the statement's time order (a series holds one row a time).
      for (const row of bySeries.values().next().value ?? []) {
        if (pacer.due()) await pacer.pause();
        const owned = row as unknown[];
        // shift() trims a small array in place; copyWithin on a JS array is several times slower.
        owned.shift();
        out.push(owned);
      }
      continue;
    }
    const series = [...bySeries.keys()].sort().map((k) => ({ rows: bySeries.get(k) ?? [] }));
    const timeOf = (row: readonly unknown[]): bigint => {
      const t = row[1];
      return typeof t === 'bigint' ? t : BigInt(String(t ?? 0));
    };
    // A subquery's rows arrive as one stream in inner series order: equal times keep that order.
    const merged = heapOrder
      ? mergeSeriesRowsLazily(series, {
          ascending: statement.ascending,
          timeOf,
          auxOf: (row) => auxOrder.map(({ index }) => (stringColumns[index] === true ? row[index] : null)),
        })
      : await sortByTime(series.flatMap((c) => c.rows), timeOf, statement.ascending, pacer);
    for (const row of merged) {
      if (pacer.due()) await pacer.pause();
      const owned = row as unknown[];
      owned.shift();
      out.push(owned);
    }
  }
  return { columns: result.columns.slice(1), types: result.types.slice(1), rows: out };
}

/** Rows in time order (stable), each row's time parsed once; paced, a subquery can be long. */
async function sortByTime(rows: ReadonlyArray<readonly unknown[]>, timeOf: (row: readonly unknown[]) => bigint, ascending: boolean, pacer: RowPacer): Promise<Array<readonly unknown[]>> {
  const direction = ascending ? 1 : -1;
  const keyed = rows.map((row) => ({ time: timeOf(row), row }));
  const sorted = await sortPaced(keyed, (a, b) => (a.time === b.time ? 0 : a.time < b.time ? -direction : direction), pacer);
  return sorted.map((k) => k.row);
}

export function unionView(list: readonly MeasurementView[]): MeasurementView {
  const tagKeys = new Set<string>();
  const fieldTypes = new Map<string, MeasurementView['fieldTypes'] extends ReadonlyMap<string, infer T> ? T : never>();
  for (const m of list) {
    m.tagKeys.forEach((k) => tagKeys.add(k));
    for (const [k, t] of m.fieldTypes) if (!fieldTypes.has(k)) fieldTypes.set(k, t);
  }
  return { name: '', tagKeys: [...tagKeys].sort(), fieldTypes };
}

export function seriesTagKey(s: Series): string {
  const tags = s.tags ?? {};
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}\u0000${tags[k] ?? ''}`)
    .join('\u0001');
}
