// GROUP BY time() fill: the buckets each series spans, the statement's bound on their total
// (InfluxDB's max-select-buckets), and the rows of empty buckets. Never reads storage.

import { assert } from '../../errors.js';
import type { FillOption } from '../language/ast.js';
import type { TimeRange } from '../sql/condition-sql.js';
import { StatementError } from './result.js';
import type { RowPacer } from './row-pacer.js';
import { MAX_TIME_NS, MIN_TIME_NS } from '../language/time-literal.js';
import { zoneOffsetSeconds } from '../language/time-zone.js';

export interface BucketGrid {
  readonly everyNs: bigint;
  /** GROUP BY time(every, offset), normalised into [0, every). */
  readonly offsetNs: bigint;
  /** tz(): buckets align to local time. */
  readonly timezone?: string | undefined;
}

/** Start of the bucket holding `ns`. */
export function bucketStart(grid: BucketGrid, ns: bigint): bigint {
  const every = grid.everyNs;
  const shift = grid.timezone === undefined ? 0n : BigInt(zoneOffsetSeconds(grid.timezone, ns)) * 1_000_000_000n;
  return ns - ((((ns + shift - grid.offsetNs) % every) + every) % every);
}

/** The buckets of one series, first and last start inclusive. */
export interface BucketSpan {
  readonly firstNs: bigint;
  readonly lastNs: bigint;
  /** How many buckets the span holds (0 when the range is empty). */
  readonly count: bigint;
}

export interface BucketSpanInput {
  readonly grid: BucketGrid;
  /** The range read and filled. */
  readonly range: TimeRange;
  readonly nowNs: bigint;
  /** The series' first bucket with data, for a range without a lower bound. */
  readonly dataMinNs?: bigint | undefined;
}

/**
 * The buckets one series fills: from the range's start (else its first bucket with data) to the
 * range's end. Like InfluxDB, only a statement without any upper time bound ends at now(); an
 * upper bound at the largest time ends there. Undefined when no start is known.
 */
export function bucketSpan(input: BucketSpanInput): BucketSpan | undefined {
  const { grid, range } = input;
  const lo = range.minNs !== MIN_TIME_NS ? range.minNs : input.dataMinNs;
  if (lo === undefined) return undefined;
  const hi = range.maxNs !== MAX_TIME_NS || range.upperBounded === true ? range.maxNs : input.nowNs;
  const firstNs = bucketStart(grid, lo);
  const lastNs = bucketStart(grid, hi);
  const count = lastNs < firstNs ? 0n : (lastNs - firstNs) / grid.everyNs + 1n;
  return { firstNs, lastNs, count };
}

/**
 * InfluxDB's refusal of a statement whose GROUP BY time() would make more than
 * `maxSelectBuckets` buckets (here: summed over every series it fills), before any filling.
 */
export function checkSelectBuckets(buckets: bigint, maxSelectBuckets: number): void {
  if (buckets > BigInt(maxSelectBuckets)) throw new StatementError(`max-select-buckets limit exceeded: (${buckets}/${maxSelectBuckets})`);
}

export interface FillColumn {
  /** Never filled (integral() under GROUP BY time): empty buckets hold null. */
  readonly unfilled?: boolean;
  /** count(): empty buckets hold 0 under fill(null). */
  readonly fillZero?: boolean;
}

export interface FillInput {
  /** The series' rows, [bucket start, ...values], ascending; at most one per bucket. */
  readonly rows: ReadonlyArray<unknown[]>;
  readonly span: BucketSpan;
  readonly grid: BucketGrid;
  readonly fill: Exclude<FillOption, { readonly kind: 'none' }>;
  readonly columns: readonly FillColumn[];
  readonly pacer: RowPacer;
}

/** One row per bucket of the span, ascending: the series' own row, else one filled per `fill`. */
export async function fillBuckets(input: FillInput): Promise<unknown[][]> {
  const { span, grid, fill, columns, pacer } = input;
  const width = columns.length;
  const rowAt = rowsByBucket(input.rows);
  // What an empty bucket holds where it does not depend on earlier rows.
  const constant = columns.map((c) => {
    if (c.unfilled === true) return null;
    if (fill.kind === 'number') return fill.value;
    return fill.kind === 'null' && c.fillZero === true ? 0n : null;
  });
  const previous = fill.kind === 'previous' ? columns.map(() => null as unknown) : undefined;
  const half = grid.everyNs / 2n;
  const out: unknown[][] = [];
  for (let step = span.firstNs; step <= span.lastNs; step += grid.everyNs) {
    if (pacer.due()) await pacer.pause();
    // Across a DST change the local bucket start moves with the zone's offset.
    const t = grid.timezone === undefined ? step : bucketStart(grid, step + half);
    const row = rowAt(t);
    if (row !== undefined) {
      if (previous !== undefined) {
        for (let i = 0; i < width; i++) if (row[i + 1] !== null) previous[i] = row[i + 1];
      }
      out.push(row);
      continue;
    }
    const filled = new Array<unknown>(width + 1);
    filled[0] = t;
    for (let i = 0; i < width; i++) filled[i + 1] = previous !== undefined && columns[i]?.unfilled !== true ? previous[i] : constant[i];
    out.push(filled);
  }
  // The statement's bound was checked on span.count: the fill must not make more.
  assert(BigInt(out.length) === span.count, `fill made ${out.length} rows for ${span.count} buckets`);
  if (fill.kind === 'linear') await linearFill(out, width, pacer);
  return out;
}

/**
 * The row of a bucket, asked for in ascending bucket order: a cursor over rows sorted by time (no
 * map of every row), or a map when the rows are not in strictly ascending order.
 */
function rowsByBucket(rows: ReadonlyArray<unknown[]>): (t: bigint) => unknown[] | undefined {
  let sorted = true;
  for (let i = 1; i < rows.length && sorted; i++) sorted = (rows[i - 1]![0] as bigint) < (rows[i]![0] as bigint);
  if (!sorted) {
    const byTime = new Map<bigint, unknown[]>();
    for (const row of rows) byTime.set(row[0] as bigint, row);
    return (t) => byTime.get(t);
  }
  let next = 0;
  return (t) => {
    while (next < rows.length && (rows[next]![0] as bigint) < t) next++;
    const row = rows[next];
    return row !== undefined && row[0] === t ? row : undefined;
  };
}

/** fill(linear): nulls between two values of a column take the straight line between them. */
async function linearFill(rows: unknown[][], width: number, pacer: RowPacer): Promise<void> {
  for (let c = 1; c <= width; c++) {
    let prev = -1;
    for (let i = 0; i < rows.length; i++) {
      if (pacer.due()) await pacer.pause();
      const v = rows[i]?.[c];
      if (v === null || v === undefined) continue;
      if (prev >= 0 && i - prev > 1) {
        const a = rows[prev]?.[c];
        const an = typeof a === 'bigint' ? Number(a) : (a as number);
        const bn = typeof v === 'bigint' ? Number(v) : (v as number);
        for (let j = prev + 1; j < i; j++) {
          const row = rows[j];
          if (row === undefined) continue;
          const x = an + ((bn - an) * (j - prev)) / (i - prev);
          row[c] = typeof v === 'bigint' ? BigInt(Math.trunc(x)) : x;
        }
        if (pacer.due(i - prev - 1)) await pacer.pause();
      }
      prev = i;
    }
  }
}
