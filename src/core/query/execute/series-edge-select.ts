// first()/last() without GROUP BY time, as InfluxDB 1.6's storage engine answers them: per shard,
// a LIMIT 1 read of the time-ordered series merge (which yields two points), reduced by first/last.
// Pure: it only sees each series' leading candidate points, never SQL or the table.

import { mergeSeriesRowsLazily } from './series-merge-order.js';

/** One candidate point of a series: its time, the selected value and its aux values (in output order). */
export interface EdgePoint {
  readonly t: bigint;
  readonly value: unknown;
  readonly aux: readonly unknown[];
}

export interface EdgeSelectOptions {
  readonly fn: 'first' | 'last';
  /** Shard group duration of the retention policy: only the earliest (latest) shard is read; 0n reads all as one. */
  readonly shardGroupNs: bigint;
  /** Aux positions in the order InfluxDB compares them on equal times (its aux fields sorted by name). */
  readonly auxCompareOrder: readonly number[];
}

/** Nanoseconds from Go's zero time (0001-01-01) to the Unix epoch: shard groups truncate from there. */
const GO_ZERO_TO_UNIX_NS = 62_135_596_800n * 1_000_000_000n;

/** Start of the shard group holding `t` (Go's time.Truncate on the group duration). */
export function shardGroupStartNs(t: bigint, groupNs: bigint): bigint {
  if (groupNs <= 0n) return t;
  const sinceZero = t + GO_ZERO_TO_UNIX_NS;
  const rem = ((sinceZero % groupNs) + groupNs) % groupNs;
  return t - rem;
}

/**
 * Picks the point InfluxDB reports. `series` holds, per series in ascending series-key order, its
 * first (first()) or last (last()) points in read order, at least two where the series has them.
 */
export function selectEdgePoint(series: ReadonlyArray<readonly EdgePoint[]>, options: EdgeSelectOptions): EdgePoint | undefined {
  const ascending = options.fn === 'first';
  const inShard = shardFilter(series, options, ascending);
  const order = options.auxCompareOrder;
  const popped = mergeSeriesRowsLazily(
    series.map((rows) => ({ rows: inShard === undefined ? rows : rows.filter(inShard) })),
    { ascending, timeOf: pointTime, auxOf: order.length === 0 ? noAux : (p: EdgePoint) => order.map((i) => p.aux[i] ?? null) },
  );
  // The engine's limit iterator lets limit + 1 points through; the first/last reducer keeps one
  // (so only the heap's first two pops matter).
  const a = popped.next().value ?? undefined;
  const b = a === undefined ? undefined : (popped.next().value ?? undefined);
  if (a === undefined) return undefined;
  if (b === undefined || b.t !== a.t) return a;
  return prefersOnTie(b.value, a.value, options.fn) ? b : a;
}

/** No aux values to compare on equal times. */
const NO_AUX: readonly unknown[] = [];
const noAux = (): readonly unknown[] => NO_AUX;
const pointTime = (p: EdgePoint): bigint => p.t;

/** Points of the one shard the reduction ends up taking (shards partition time, so the earliest or latest wins); undefined: all. */
function shardFilter(series: ReadonlyArray<readonly EdgePoint[]>, options: EdgeSelectOptions, ascending: boolean): ((p: EdgePoint) => boolean) | undefined {
  if (options.shardGroupNs <= 0n) return undefined;
  let edge: bigint | undefined;
  for (const rows of series) {
    const t = rows[0]?.t;
    if (t !== undefined && (edge === undefined || (ascending ? t < edge : t > edge))) edge = t;
  }
  if (edge === undefined) return undefined;
  const start = shardGroupStartNs(edge, options.shardGroupNs);
  const end = start + options.shardGroupNs;
  return (p) => p.t >= start && p.t < end;
}

/** FirstReduce/LastReduce on equal times: the larger value wins; booleans prefer false (first) or true (last). */
function prefersOnTie(curr: unknown, prev: unknown, fn: 'first' | 'last'): boolean {
  if (typeof curr === 'boolean' && typeof prev === 'boolean') return fn === 'first' ? !curr && prev : curr && !prev;
  if (typeof curr === 'string' && typeof prev === 'string') return Buffer.compare(Buffer.from(curr), Buffer.from(prev)) > 0;
  if ((typeof curr === 'number' || typeof curr === 'bigint') && (typeof prev === 'number' || typeof prev === 'bigint')) return curr > prev;
  return false;
}
