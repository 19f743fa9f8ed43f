// When a continuous query runs and over which time range, exactly as InfluxDB 1.x's
// continuous_querier decides (shouldRunContinuousQuery, ExecuteContinuousQuery, truncate). Pure:
// "now", the last run and the zone's UTC offsets all come in as arguments.

export interface ContinuousQueryTiming {
  /** GROUP BY time() interval (> 0). */
  readonly intervalNs: bigint;
  /** GROUP BY time() offset, modulo the interval, sign kept. */
  readonly offsetNs: bigint;
  /** RESAMPLE EVERY (0n: the interval). */
  readonly resampleEveryNs: bigint;
  /** RESAMPLE FOR (0n: the interval, or EVERY when that is longer). */
  readonly resampleForNs: bigint;
}

/** UTC offset in nanoseconds of the query's zone (tz()) at a Unix-ns instant; 0 for UTC. */
export type ZoneOffset = (timeNs: bigint) => bigint;

export const UTC: ZoneOffset = () => 0n;

export interface ContinuousQueryRun {
  /** The LastRun to record: now truncated to EVERY (plus the offset), in the query's zone. */
  readonly lastRunNs: bigint;
  /** [startNs, endNs) to compute, or null when that range is empty (1.x still records the run). */
  readonly window: { readonly startNs: bigint; readonly endNs: bigint } | null;
}

const abs = (n: bigint): bigint => (n < 0n ? -n : n);

/** continuous_querier's truncate: down to a multiple of d in the zone's wall time, DST-adjusted. */
export function truncateInZone(timeNs: bigint, d: bigint, zone: ZoneOffset): bigint {
  const offset = zone(timeNs);
  let dt = (timeNs + offset) % d;
  if (dt < 0n) dt += d;
  let truncated = timeNs - dt;
  const adjusted = zone(truncated);
  if (adjusted !== offset) {
    const diff = offset - adjusted;
    if (abs(diff) < d) truncated += diff;
  }
  return truncated;
}

/**
 * The next run of a query at `nowNs`, or null when it is not due. `lastRunNs` is what the last
 * run recorded (null: it never ran, and runs now).
 */
export function nextContinuousQueryRun(timing: ContinuousQueryTiming, lastRunNs: bigint | null, nowNs: bigint, zone: ZoneOffset = UTC): ContinuousQueryRun | null {
  const { intervalNs: interval, offsetNs: offset } = timing;
  if (interval <= 0n) return null;
  let resampleEvery = timing.resampleEveryNs !== 0n ? timing.resampleEveryNs : interval;
  let nextRun: bigint;
  if (lastRunNs === null) {
    nextRun = nowNs;
  } else {
    nextRun = lastRunNs + resampleEvery;
    // Across a DST change the wall-clock boundary moves by the change.
    const startOffset = zone(lastRunNs - 1n);
    const endOffset = zone(nextRun - 1n);
    if (startOffset !== endOffset) {
      const diff = startOffset - endOffset;
      if (abs(diff) < resampleEvery) nextRun += diff;
    }
    if (nextRun > nowNs) return null;
  }
  const lastRun = truncateInZone(nowNs - offset, resampleEvery, zone) + offset;
  let resampleFor = interval;
  if (timing.resampleForNs !== 0n) resampleFor = timing.resampleForNs;
  else if (interval < resampleEvery) resampleFor = resampleEvery;
  if (interval < resampleEvery) resampleEvery = interval;
  const startNs = truncateInZone(nextRun + interval - resampleFor - offset - 1n, interval, zone) + offset;
  const endNs = truncateInZone(nowNs + interval - resampleEvery - offset, interval, zone) + offset;
  return { lastRunNs: lastRun, window: endNs > startNs ? { startNs, endNs } : null };
}
