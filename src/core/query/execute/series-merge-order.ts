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
  const heap: HeapItem<Row>[] = [];
  for (const cursor of inputs) if (cursor.rows.length > 0) heap.push({ cursor, next: 0 });
  for (let i = Math.floor(heap.length / 2) - 1; i >= 0; i--) down(heap, i, heap.length, options);
  while (heap.length > 0) {
    // heap.Pop: swap the root to the end, sift down the rest, remove the last item.
    const n = heap.length - 1;
    swap(heap, 0, n);
    down(heap, 0, n, options);
    const item = heap.pop() as HeapItem<Row>;
    const row = current(item);
    item.next++;
    if (item.next < item.cursor.rows.length) {
      heap.push(item);
      up(heap, heap.length - 1, options);
    }
    yield row;
  }
}

// The heap's steps (Go's container/heap), at module level so a merge allocates no closures.
function current<Row>(item: HeapItem<Row>): Row {
  return item.cursor.rows[item.next] as Row;
}

function less<Row>(heap: HeapItem<Row>[], i: number, j: number, options: MergeOrderOptions<Row>): boolean {
  return pointLess(current(heap[i] as HeapItem<Row>), current(heap[j] as HeapItem<Row>), options);
}

function swap<Row>(heap: HeapItem<Row>[], i: number, j: number): void {
  const t = heap[i] as HeapItem<Row>;
  heap[i] = heap[j] as HeapItem<Row>;
  heap[j] = t;
}

function down<Row>(heap: HeapItem<Row>[], i0: number, n: number, options: MergeOrderOptions<Row>): void {
  let i = i0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && less(heap, j2, j1, options)) j = j2;
    if (!less(heap, j, i, options)) break;
    swap(heap, i, j);
    i = j;
  }
}

function up<Row>(heap: HeapItem<Row>[], j0: number, options: MergeOrderOptions<Row>): void {
  let j = j0;
  for (;;) {
    const i = Math.floor((j - 1) / 2);
    if (j <= 0 || !less(heap, j, i, options)) break;
    swap(heap, i, j);
    j = i;
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
