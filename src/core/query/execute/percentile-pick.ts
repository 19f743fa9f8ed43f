// percentile() as a lone selector, as InfluxDB 1.6.7 picks its point: the points arrive in the
// series merge order, Go 1.19's unstable sort orders them by value, and the rank picks one. Among
// equal values that order decides the point's time and aux values. Pure; it never runs SQL.

import { goSort } from '../functions/go-sort.js';
import type { EdgePoint } from './series-edge-select.js';
import { mergeSeriesRows } from './series-merge-order.js';

export interface PercentilePickOptions {
  readonly percent: number;
  /** Aux positions in the order InfluxDB compares them on equal times (its aux fields sorted by name). */
  readonly auxCompareOrder: readonly number[];
}

/** 0-based rank InfluxDB picks among `n` points (-1 or n when none). */
export function percentileIndex(n: number, percent: number): number {
  return Math.floor((n * percent) / 100 + 0.5) - 1;
}

/**
 * The point at the percentile rank of all the group's points, given as [series key, time, value,
 * ...aux] sorted by series key then time.
 */
export function pickPercentilePoint(points: ReadonlyArray<readonly unknown[]>, options: PercentilePickOptions): EdgePoint | undefined {
  const i = percentileIndex(points.length, options.percent);
  if (i < 0 || i >= points.length) return undefined;
  const series: Array<{ rows: EdgePoint[] }> = [];
  let key: unknown;
  for (const p of points) {
    if (series.length === 0 || p[0] !== key) {
      series.push({ rows: [] });
      key = p[0];
    }
    series[series.length - 1]?.rows.push({ t: BigInt(String(p[1])), value: p[2] ?? null, aux: p.slice(3) });
  }
  const merged = mergeSeriesRows(series, { ascending: true, timeOf: (p) => p.t, auxOf: (p) => options.auxCompareOrder.map((k) => p.aux[k] ?? null) });
  goSort(merged, (a, b) => lessValue(a.value, b.value));
  return merged[i];
}

function lessValue(a: unknown, b: unknown): boolean {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return a < b;
  return false;
}
