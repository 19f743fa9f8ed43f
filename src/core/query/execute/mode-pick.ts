// mode() as InfluxDB 1.6.7 computes it when values repeat: the points arrive in the series merge
// order, Go 1.19's unstable sort orders them by value, and one pass keeps the most frequent run; a
// tied run wins when its first point is not later than the time the mode reached that count.
// Pure; it never runs SQL.

import { goSort } from '../functions/go-sort.js';
import { mergeSeriesRows } from './series-merge-order.js';

interface ModePoint {
  readonly t: bigint;
  readonly value: unknown;
}

/** The mode of the group's points, given as [series key, time, value] sorted by series key then time. */
export function pickModeValue(points: ReadonlyArray<readonly unknown[]>): unknown {
  const series: Array<{ rows: ModePoint[] }> = [];
  let key: unknown;
  for (const p of points) {
    if (series.length === 0 || p[0] !== key) {
      series.push({ rows: [] });
      key = p[0];
    }
    series[series.length - 1]?.rows.push({ t: BigInt(String(p[1])), value: p[2] ?? null });
  }
  const a = mergeSeriesRows(series, { ascending: true, timeOf: (p) => p.t, auxOf: () => [] });
  if (a.length === 0) return null;
  if (a.length === 1) return a[0]!.value;
  goSort(a, (x, y) => lessValue(x.value, y.value));
  // ModeReduceSlice, step for step.
  let mostFreq = 0;
  let currFreq = 0;
  let currMode = a[0]!.value;
  let mostMode = a[0]!.value;
  let mostTime = a[0]!.t;
  let currTime = a[0]!.t;
  for (const p of a) {
    if (p.value !== currMode) {
      currFreq = 1;
      currMode = p.value;
      currTime = p.t;
      continue;
    }
    currFreq++;
    if (mostFreq > currFreq || (mostFreq === currFreq && currTime > mostTime)) continue;
    mostFreq = currFreq;
    mostMode = p.value;
    mostTime = p.t;
  }
  return mostMode;
}

function lessValue(a: unknown, b: unknown): boolean {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return a < b;
  if (typeof a === 'string' && typeof b === 'string') return a < b;
  return false;
}
