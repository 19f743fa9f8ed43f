// Streams a SELECT's series one at a time, in answer order, as chDB hands over the rows: a
// chunked answer then holds one GROUP BY group at a time instead of the whole result. It only
// takes statements whose series chDB already returns in InfluxDB's order, and never reorders.

import type { SelectStatement } from '../language/ast.js';
import { extractTimeRange, type TimeRange } from '../sql/condition-sql.js';
import { groupInterval, withEngineRowLimit, type MeasurementPlan } from '../sql/select-plan.js';
import { validateSelect } from './select-validate.js';
import { checkSelectTypes } from './select-types.js';
import { checkSelectBuckets } from './bucket-fill.js';
import { RowPacer } from './row-pacer.js';
import { QueryMemoryExceededError, type MemoryLease } from '../../query-memory.js';
import type { SqlResult } from './query-port.js';
import { StatementError, type Series } from './result.js';
import {
  checkBucketsBeforeRead,
  isMissingTable,
  orderLikeMergeIterator,
  planSource,
  planSources,
  readOptions,
  readsNothing,
  recentRowsOf,
  reserveFill,
  seriesBuckets,
  seriesTagKey,
  shapeSeries,
  splitSeries,
  unionView,
  FlushGate,
  type PlannedSource,
  type SelectContext,
} from './select-executor.js';

/** A source, planned, whose groups can stream. */
interface StreamedSource {
  readonly flush: FlushGate;
  readonly source: PlannedSource;
  readonly plan: MeasurementPlan;
  readonly merged: boolean;
}

/**
 * Whether the statement's series can be written as they are read: InfluxDB sorts a SELECT's
 * series by measurement name, then by their tags joined in key order, and chDB returns each
 * measurement's rows ordered by its GROUP BY tags in the plan's order. They agree when the
 * statement runs in ascending time, reads no subquery, names each measurement once, and every
 * plan groups by its tag keys in sorted order. SOFFSET without SLIMIT (which keeps nothing) and
 * SELECT INTO stay with the whole-answer path.
 */
function streamable(statement: SelectStatement, sources: readonly StreamedSource[]): boolean {
  if (!statement.ascending || statement.target !== undefined) return false;
  if (statement.soffset > 0 && statement.slimit <= 0) return false;
  const names = new Set<string>();
  for (const { source, plan } of sources) {
    if (source.fromSql !== undefined || names.has(source.measurement.name)) return false;
    names.add(source.measurement.name);
    const keys = plan.groupTags;
    for (let i = 1; i < keys.length; i++) if (!((keys[i - 1] ?? '') < (keys[i] ?? ''))) return false;
  }
  return true;
}

/** A lease that counts what it reserved, so a written group can give back exactly that. */
class GroupMemory implements MemoryLease {
  held = 0;

  constructor(private readonly lease: MemoryLease | undefined) {}

  reserve(bytes: number): void {
    this.lease?.reserve(bytes);
    this.held += Math.ceil(bytes);
  }

  release(bytes: number): void {
    const give = Math.min(this.held, bytes);
    this.lease?.release(give);
    this.held -= give;
  }

  refuse(message: string): QueryMemoryExceededError {
    return this.lease !== undefined ? this.lease.refuse(message) : new QueryMemoryExceededError(message);
  }

  releaseAll(): void {
    this.release(this.held);
  }
}

/** The rows of one GROUP BY group as they arrive, and the memory they hold. */
interface OpenGroup {
  readonly key: readonly unknown[];
  readonly rows: unknown[][];
  readonly memory: GroupMemory;
}

/**
 * Runs a SELECT and hands each series to `emit` in answer order, waiting for each (the writer's
 * backpressure), and returns true; returns false, having read and emitted nothing, when the
 * statement cannot stream (the caller then runs it whole). Every read uses FINAL: a streamed
 * answer cannot be read again if an insert adds duplicates meanwhile. The statement's bound on
 * filled buckets is checked as series arrive, so a statement past it fails after the series
 * before it were written (as any chunked answer failing midway).
 */
export async function streamSelect(requested: SelectStatement, ctx: SelectContext, emit: (series: Series) => Promise<void>): Promise<boolean> {
  const statement = withEngineRowLimit(requested);
  validateSelect(statement);
  groupInterval(statement);
  const latest = await ctx.port.latestValues?.(statement, ctx);
  if (latest !== undefined) {
    for (const series of latest) await emit(series);
    return true;
  }
  const reading: SelectContext = { ...ctx, reads: ctx.port.readScope(true) };
  const flush = new FlushGate(ctx.port);
  const sources = await planSources(statement, reading, 0, flush);
  const range = extractTimeRange(statement.condition, ctx.nowNs, statement.timezone);
  const universe = unionView(sources.map((s) => s.measurement));
  checkSelectTypes(statement, universe);
  const planned = sources.map((source) => ({ source, flush, ...planSource(source, statement, reading, range, universe) }));
  if (!streamable(statement, planned)) return false;
  planned.sort((a, b) => (a.source.measurement.name < b.source.measurement.name ? -1 : 1));
  const writer = new SeriesWriter(statement, ctx, emit);
  const pacer = new RowPacer(ctx.signal);
  for (const source of planned) {
    if (readsNothing(source.plan, statement, range, reading)) continue;
    checkBucketsBeforeRead(source.plan, statement, reading);
    await streamSource(source, { statement, range, ctx: reading, pacer, writer });
  }
  return true;
}

interface SourceStreaming {
  readonly statement: SelectStatement;
  readonly range: TimeRange;
  readonly ctx: SelectContext;
  readonly pacer: RowPacer;
  readonly writer: SeriesWriter;
}

/** Reads one source's rows piece by piece and shapes and writes each group once it is complete. */
async function streamSource(streamed: StreamedSource, run: SourceStreaming): Promise<void> {
  const { plan, merged } = streamed;
  const { ctx, pacer } = run;
  const tagCount = plan.groupTags.length;
  const keyStart = merged ? 2 : 1;
  const seen = new Set<string>();
  let group: OpenGroup | undefined;
  let columns: readonly string[] = [];
  let types: readonly string[] = [];
  const close = async (): Promise<void> => {
    if (group === undefined) return;
    const done = group;
    group = undefined;
    await writeGroup(streamed, run, { columns, types, rows: done.rows }, done.memory);
  };
  for await (const piece of readPieces(streamed, run.statement, ctx)) {
    ({ columns, types } = piece);
    const rowBytes = piece.rows.length > 0 ? (piece.reservedBytes ?? 0) / piece.rows.length : 0;
    for (const row of piece.rows as unknown[][]) {
      if (pacer.due()) await pacer.pause();
      if (group === undefined || !sameKey(row, keyStart, group.key)) {
        await close();
        const key = row.slice(keyStart, keyStart + tagCount);
        const text = key.map((v) => String(v ?? '')).join('\u0000');
        // chDB orders rows by their group: a group seen before means the order cannot be trusted.
        if (seen.has(text)) throw new StatementError('internal error: the rows of a GROUP BY group did not arrive together');
        seen.add(text);
        group = { key, rows: [], memory: new GroupMemory(ctx.memory) };
      }
      group.rows.push(row);
      group.memory.held += rowBytes;
    }
  }
  await close();
}

function sameKey(row: readonly unknown[], start: number, key: readonly unknown[]): boolean {
  for (let i = 0; i < key.length; i++) if (String(row[start + i] ?? '') !== String(key[i] ?? '')) return false;
  return true;
}

/** One group's rows, merged, split and shaped like the whole-answer path, then written and released. */
async function writeGroup(streamed: StreamedSource, run: SourceStreaming, result: SqlResult, memory: GroupMemory): Promise<void> {
  const { plan, merged, source } = streamed;
  const { statement, pacer } = run;
  const ctx: SelectContext = { ...run.ctx, memory };
  let rows = result;
  if (merged) rows = await orderLikeMergeIterator(plan, statement, rows, true, pacer);
  const series = await splitSeries(plan, rows, pacer);
  for (const raw of series) run.writer.countBuckets(seriesBuckets(plan, raw, statement, ctx));
  reserveFill(plan, series, statement, ctx);
  for (const shaped of await shapeSeries({ source, plan, series }, statement, run.range, ctx, pacer)) await run.writer.write(shaped);
  memory.releaseAll();
}

/** The source's rows piece by piece, through the port's streaming read when it has one. */
async function* readPieces(streamed: StreamedSource, statement: SelectStatement, ctx: SelectContext): AsyncGenerator<SqlResult, void, undefined> {
  const fromMemory = await recentRowsOf({ ...streamed, statement }, ctx);
  if (fromMemory !== undefined) {
    yield fromMemory;
    return;
  }
  const sql = streamed.plan.sql;
  await streamed.flush.ensure();
  try {
    if (ctx.port.streamSql !== undefined) {
      yield* ctx.port.streamSql(sql, readOptions(ctx));
    } else {
      yield await ctx.port.runSql(sql, readOptions(ctx));
    }
  } catch (err) {
    if (!isMissingTable(err)) throw err;
  }
}

/** SLIMIT/SOFFSET over each measurement's streamed series, the running bucket bound, and a check of the order. */
class SeriesWriter {
  private index = 0;
  private buckets = 0n;
  private last: { readonly name: string; readonly key: string } | undefined;

  constructor(
    private readonly statement: SelectStatement,
    private readonly ctx: SelectContext,
    private readonly emit: (series: Series) => Promise<void>,
  ) {}

  countBuckets(buckets: bigint): void {
    this.buckets += buckets;
    checkSelectBuckets(this.buckets, this.ctx.maxSelectBuckets);
  }

  async write(series: Series): Promise<void> {
    const name = series.name ?? '';
    const key = seriesTagKey(series);
    if (this.last !== undefined && (name < this.last.name || (name === this.last.name && key <= this.last.key))) {
      // Tag values whose UTF-8 and UTF-16 orders differ (or holding \0 and \1) could get here.
      throw new StatementError('internal error: series arrived out of order for a chunked answer; retry without chunked=true');
    }
    // SLIMIT and SOFFSET count each measurement's series on their own (1.x's LimitTagSets).
    if (this.last?.name !== name) this.index = 0;
    this.last = { name, key };
    const { soffset, slimit } = this.statement;
    const at = this.index++;
    if (at < soffset || (slimit > 0 && at >= soffset + slimit)) return;
    await this.emit(series);
  }
}
