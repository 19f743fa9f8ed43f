// Paces long loops over result rows: every so many rows it checks the query's abort signal and
// yields to the event loop. It never changes what a loop computes, only when the loop may stop.

import { eventLoopTurns, type EventLoopTurns } from '../../event-loop-turns.js';

/** Rows a loop handles between two checks of the signal (and two yields to the event loop). */
export const ROWS_PER_SLICE = 10_000;

/**
 * One per statement, shared by its loops (splitting, filling, transforming), so the count runs
 * across them. Usage: `if (pacer.due()) await pacer.pause();` once per row.
 */
export class RowPacer {
  private counted = 0;

  constructor(
    /** The statement's signal (a query timeout, a client gone); work stops with its reason. */
    readonly signal: AbortSignal | undefined,
    private readonly rowsPerSlice = ROWS_PER_SLICE,
    private readonly turns: EventLoopTurns = eventLoopTurns,
  ) {
    if (!(Number.isSafeInteger(rowsPerSlice) && rowsPerSlice > 0)) throw new RangeError(`rowsPerSlice must be a positive integer, got ${rowsPerSlice}`);
  }

  /** Counts `rows` rows; true once a slice is complete and the loop should pause. */
  due(rows = 1): boolean {
    this.counted += rows;
    if (this.counted < this.rowsPerSlice) return false;
    this.counted = 0;
    return true;
  }

  /**
   * Throws the signal's reason once aborted; otherwise lets timers, I/O and other requests run,
   * and other queries' slices in turn (eventLoopTurns: one slice per loop iteration).
   */
  async pause(): Promise<void> {
    this.signal?.throwIfAborted();
    await this.turns.next();
    this.signal?.throwIfAborted();
  }
}

/**
 * `items.filter(keep)` over a list a user can make long (measurement names, tag keys), pausing
 * through `pacer` so a predicate such as a regex never holds the event loop for the whole list.
 */
export async function filterPaced<T>(items: Iterable<T>, keep: (item: T) => boolean, pacer: RowPacer): Promise<T[]> {
  const out: T[] = [];
  for (const item of items) {
    if (pacer.due()) await pacer.pause();
    if (keep(item)) out.push(item);
  }
  return out;
}

/**
 * A stable sort (like `Array.prototype.sort`) of a list a query can make long, such as a
 * subquery's rows: a bottom-up merge sort that pauses through `pacer` as it goes.
 */
export async function sortPaced<T>(items: readonly T[], compare: (a: T, b: T) => number, pacer: RowPacer): Promise<T[]> {
  let from = items.slice();
  let to = items.slice();
  const n = from.length;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      // Equal items keep their order: the right run wins only when strictly smaller.
      while (i < mid && j < hi) to[k++] = compare(from[j] as T, from[i] as T) < 0 ? (from[j++] as T) : (from[i++] as T);
      while (i < mid) to[k++] = from[i++] as T;
      while (j < hi) to[k++] = from[j++] as T;
      if (pacer.due(hi - lo)) await pacer.pause();
    }
    [from, to] = [to, from];
  }
  return from;
}
