// Paces long loops over result rows: every so many rows it checks the query's abort signal and
// yields to the event loop. It never changes what a loop computes, only when the loop may stop.

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

  /** Throws the signal's reason once aborted; otherwise lets timers, I/O and other requests run. */
  async pause(): Promise<void> {
    this.signal?.throwIfAborted();
    await new Promise<void>((resolve) => setImmediate(resolve));
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
