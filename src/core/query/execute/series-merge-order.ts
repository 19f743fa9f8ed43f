// Orders raw rows of several series the way InfluxDB 1.x's sorted merge iterator emits them.
// Pure: it never runs SQL; rows of equal time come out in Go container/heap order, not sorted.

/** One series' rows, already in output time order, with each row's time and aux tie-break values. */
export interface SeriesCursor<Row> {
  readonly rows: readonly Row[];
}

export interface MergeOrderOptions<Row> {
  readonly ascending: boolean;
  readonly timeOf: (row: Row) => bigint;
  /**
   * Aux values compared when times are equal: InfluxDB compares them left to right while both are
   * strings and stops (treating the rows as equal) at the first value that is not.
   */
  readonly auxOf: (row: Row) => readonly unknown[];
}

interface HeapItem<Row> {
  readonly cursor: SeriesCursor<Row>;
  next: number;
}

/**
 * Merges series (given in ascending series-key order) into one row list. InfluxDB builds one
 * iterator per series in key order (reversed for ORDER BY time DESC) and pops them through a
 * binary heap whose Less is false for equal points, so ties follow the heap's shape.
 */
export function mergeSeriesRows<Row>(series: readonly SeriesCursor<Row>[], options: MergeOrderOptions<Row>): Row[] {
  return [...mergeSeriesRowsLazily(series, options)];
}

/** mergeSeriesRows one row at a time, so a caller can pause between rows. */
export function* mergeSeriesRowsLazily<Row>(series: readonly SeriesCursor<Row>[], options: MergeOrderOptions<Row>): Generator<Row, void, undefined> {
  const inputs = options.ascending ? series : series.slice().reverse();
  const heap: HeapItem<Row>[] = inputs.filter((c) => c.rows.length > 0).map((cursor) => ({ cursor, next: 0 }));
  const current = (item: HeapItem<Row>): Row => item.cursor.rows[item.next] as Row;
  const less = (i: number, j: number): boolean => pointLess(current(heap[i] as HeapItem<Row>), current(heap[j] as HeapItem<Row>), options);
  const swap = (i: number, j: number): void => {
    const t = heap[i] as HeapItem<Row>;
    heap[i] = heap[j] as HeapItem<Row>;
    heap[j] = t;
  };
  const down = (i0: number, n: number): void => {
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && less(j2, j1)) j = j2;
      if (!less(j, i)) break;
      swap(i, j);
      i = j;
    }
  };
  const up = (j0: number): void => {
    let j = j0;
    for (;;) {
      const i = Math.floor((j - 1) / 2);
      if (j <= 0 || !less(j, i)) break;
      swap(i, j);
      j = i;
    }
  };
  for (let i = Math.floor(heap.length / 2) - 1; i >= 0; i--) down(i, heap.length);
  while (heap.length > 0) {
    // heap.Pop: swap the root to the end, sift down the rest, remove the last item.
    const n = heap.length - 1;
    swap(0, n);
    down(0, n);
    const item = heap.pop() as HeapItem<Row>;
    const row = current(item);
    item.next++;
    if (item.next < item.cursor.rows.length) {
      heap.push(item);
      up(heap.length - 1);
    }
    yield row;
  }
}

function pointLess<Row>(x: Row, y: Row, options: MergeOrderOptions<Row>): boolean {
  const tx = options.timeOf(x);
  const ty = options.timeOf(y);
  if (tx !== ty) return options.ascending ? tx < ty : tx > ty;
  const ax = options.auxOf(x);
  const ay = options.auxOf(y);
  if (ax.length === 0 || ax.length !== ay.length) return false;
  for (let i = 0; i < ax.length; i++) {
    const v1 = ax[i];
    const v2 = ay[i];
    if (typeof v1 !== 'string' || typeof v2 !== 'string') return false;
    if (v1 === v2) continue;
    return options.ascending ? v1 < v2 : v1 > v2;
  }
  return false;
}
