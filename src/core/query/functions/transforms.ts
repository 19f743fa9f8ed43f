// InfluxQL transformations applied per series in TypeScript (derivative, difference, the
// technical-analysis family, holt_winters ...): their first-point, warm-up and time rules differ
// from SQL window functions. Pure: rows in, rows out; never reads storage.

import type { TimeRange } from '../sql/condition-sql.js';
import { holtWintersCooperative, type TimedValue } from './holt-winters.js';
import type { TransformSpec } from './transform-spec.js';
import { indicatorSeries } from './technical-analysis.js';
import { MAX_TIME_NS, MIN_TIME_NS } from '../language/time-literal.js';
import { RowPacer } from '../execute/row-pacer.js';

export interface Point {
  readonly t: bigint;
  readonly v: unknown;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/** Indicators see only numeric points; NaN outputs are emitted as null (InfluxDB prints null). */
function applyIndicator(spec: TransformSpec, points: readonly Point[]): Array<Point | undefined> {
  const out = new Array<Point | undefined>(points.length).fill(undefined);
  const params = spec.indicator;
  if (params === undefined) return out;
  const indexes: number[] = [];
  const values: number[] = [];
  points.forEach((p, i) => {
    const v = num(p.v);
    if (v === undefined) return;
    indexes.push(i);
    values.push(v);
  });
  indicatorSeries(params, values).forEach((v, k) => {
    const i = indexes[k] as number;
    if (v !== undefined) out[i] = { t: (points[i] as Point).t, v: Number.isNaN(v) ? null : v };
  });
  return out;
}

const SKIPS_EQUAL_TIMES: ReadonlySet<string> = new Set(['derivative', 'non_negative_derivative', 'difference', 'non_negative_difference']);

/**
 * Returns one entry per input point: undefined where the transformation emits nothing
 * (e.g. the first point of a derivative), otherwise the emitted value.
 */
export function applyTransform(spec: TransformSpec, points: readonly Point[], ascending: boolean, bucketed: boolean): Array<Point | undefined> {
  void bucketed;
  if (spec.indicator !== undefined) return applyIndicator(spec, points);
  const step = transformStep(spec, ascending);
  return points.map(step);
}

/** applyTransform, pausing every so many points (indicators run whole: their warm-up spans the series). */
async function applyTransformPaced(spec: TransformSpec, points: readonly Point[], ascending: boolean, pacer: RowPacer): Promise<Array<Point | undefined>> {
  if (spec.indicator !== undefined) return applyIndicator(spec, points);
  const step = transformStep(spec, ascending);
  const out = new Array<Point | undefined>(points.length);
  for (let i = 0; i < points.length; i++) {
    if (pacer.due()) await pacer.pause();
    out[i] = step(points[i] as Point);
  }
  return out;
}

/** The per-point transformation of a non-indicator spec: fed the points in order, it returns each one's output. */
function transformStep(spec: TransformSpec, ascending: boolean): (p: Point) => Point | undefined {
  let prev: { t: bigint; v: number; raw: unknown } | undefined;
  let sum: number | bigint | undefined;
  const windowValues: number[] = [];
  return (p) => {
    // elapsed() measures any value, strings and booleans included.
    if (spec.name === 'elapsed' && p.v !== null && p.v !== undefined) {
      const out = prev !== undefined ? { t: p.t, v: (p.t - prev.t) / spec.unitNs } : undefined;
      prev = { t: p.t, v: 0, raw: p.v };
      return out;
    }
    const v = num(p.v);
    if (v === undefined) return undefined;
    // derivative() and difference() keep only the first of several points at one time (merged series).
    if (prev !== undefined && prev.t === p.t && SKIPS_EQUAL_TIMES.has(spec.name)) return undefined;
    let out: Point | undefined;
    switch (spec.name) {
      case 'cumulative_sum': {
        if (typeof p.v === 'bigint') sum = (typeof sum === 'bigint' ? sum : BigInt(sum ?? 0)) + p.v;
        else sum = Number(sum ?? 0) + v;
        out = { t: p.t, v: sum };
        break;
      }
      case 'difference':
      case 'non_negative_difference': {
        if (prev !== undefined) {
          const diff = typeof p.v === 'bigint' && typeof prev.raw === 'bigint' ? p.v - prev.raw : v - prev.v;
          const negative = typeof diff === 'bigint' ? diff < 0n : diff < 0;
          if (!(spec.name === 'non_negative_difference' && negative)) out = { t: p.t, v: diff };
        }
        break;
      }
      case 'derivative':
      case 'non_negative_derivative': {
        if (prev !== undefined) {
          const elapsed = Number(p.t - prev.t);
          if (elapsed !== 0) {
            // Go's arithmetic, step for step: diff / (elapsed / unit) (1 / 1e-9 is 999999999.9999999).
            const diff = typeof p.v === 'bigint' && typeof prev.raw === 'bigint' ? Number(p.v - prev.raw) : v - prev.v;
            const d = diff / ((ascending ? elapsed : -elapsed) / Number(spec.unitNs));
            if (!(spec.name === 'non_negative_derivative' && d < 0)) out = { t: p.t, v: d };
          }
        }
        break;
      }
      case 'moving_average': {
        windowValues.push(v);
        if (windowValues.length > spec.window) windowValues.shift();
        if (windowValues.length === spec.window) out = { t: p.t, v: windowValues.reduce((a, b) => a + b, 0) / spec.window };
        break;
      }
      default:
        break;
    }
    prev = { t: p.t, v, raw: p.v };
    return out;
  };
}

/** Transformations whose aggregate input InfluxDB 1.6 reads from one GROUP BY interval earlier. */
const READS_EARLIER_INTERVAL: ReadonlySet<string> = new Set([
  'derivative', 'non_negative_derivative', 'difference', 'non_negative_difference', 'moving_average', 'elapsed',
  'exponential_moving_average', 'double_exponential_moving_average', 'triple_exponential_moving_average',
  'relative_strength_index', 'triple_exponential_derivative', 'kaufmans_efficiency_ratio',
  'kaufmans_adaptive_moving_average', 'chande_momentum_oscillator',
]);

function widensRead(spec: TransformSpec | undefined, intervalNs: bigint | undefined): boolean {
  return intervalNs !== undefined && spec !== undefined && READS_EARLIER_INTERVAL.has(spec.name);
}

export interface ReadRangeInput {
  readonly range: TimeRange;
  readonly transforms: ReadonlyArray<TransformSpec | undefined>;
  readonly intervalNs?: bigint;
  readonly ascending: boolean;
  readonly nowNs: bigint;
}

/**
 * The time range to read and fill: one interval more on the side the series starts from when a
 * transformation needs the bucket before the first (its output there is not trimmed, as in 1.6).
 */
export function transformReadRange(input: ReadRangeInput): TimeRange {
  const { range, intervalNs } = input;
  if (intervalNs === undefined || !input.transforms.some((t) => widensRead(t, intervalNs))) return range;
  if (input.ascending) return range.minNs === MIN_TIME_NS ? range : { ...range, minNs: range.minNs - intervalNs };
  const maxNs = range.maxNs === MAX_TIME_NS && range.upperBounded !== true ? input.nowNs : range.maxNs;
  const widened = maxNs + intervalNs;
  return { ...range, maxNs: widened > MAX_TIME_NS ? MAX_TIME_NS : widened };
}

/**
 * influxd 1.6 answers no series at all when a transformation (not holt_winters) of an aggregate
 * runs in ascending order without a lower time bound: the widened start overflows.
 */
export function transformsReadNothing(input: ReadRangeInput): boolean {
  const perPoint = input.transforms.some((t) => t !== undefined && t.forecast === undefined);
  return input.intervalNs !== undefined && input.ascending && perPoint && input.range.minNs === MIN_TIME_NS;
}

export interface TransformRowsInput {
  /** [time, ...column values] in query order; times are bigint ns. */
  readonly rows: ReadonlyArray<readonly unknown[]>;
  /** Per output column, its transformation (undefined: the value passes through). */
  readonly transforms: ReadonlyArray<TransformSpec | undefined>;
  readonly ascending: boolean;
  readonly intervalNs?: bigint;
  /** The statement's own time range: columns that do not widen their read only see rows inside it. */
  readonly range: TimeRange;
}

async function holtWintersColumn(spec: TransformSpec, points: readonly Point[], intervalNs: bigint | undefined, ascending: boolean, pacer: RowPacer): Promise<TimedValue[]> {
  if (spec.forecast === undefined || intervalNs === undefined || !ascending) return [];
  const values: TimedValue[] = [];
  for (const p of points) {
    const v = num(p.v);
    if (v !== undefined) values.push({ t: p.t, v });
  }
  return holtWintersCooperative(values, intervalNs, spec.forecast, pacer.signal);
}

/**
 * Applies each column's transformation and joins the columns by row: a row survives where any
 * column emitted (a plain column emits at every row it sees). holt_winters points join by time
 * and may add rows past the data (that fit shares the thread and stops once the signal aborts).
 * Every loop over the rows pauses through `pacer`.
 */
export async function transformRows(input: TransformRowsInput, pacer = new RowPacer(undefined)): Promise<unknown[][]> {
  const { rows, transforms, intervalNs, range } = input;
  const width = transforms.length;
  const inRange = (t: bigint): boolean => (intervalNs === undefined ? true : t + intervalNs > range.minNs && t <= range.maxNs);
  const emitted: Array<Array<Point | undefined>> = [];
  const forecasts: Array<TimedValue[] | undefined> = [];
  for (let c = 0; c < width; c++) {
    const spec = transforms[c];
    const widens = widensRead(spec, intervalNs);
    const visible = new Array<boolean>(rows.length);
    const points = new Array<Point>(rows.length);
    const visiblePoints: Point[] = [];
    for (let i = 0; i < rows.length; i++) {
      if (pacer.due()) await pacer.pause();
      const r = rows[i] as readonly unknown[];
      const isVisible = widens || inRange(r[0] as bigint);
      visible[i] = isVisible;
      points[i] = { t: r[0] as bigint, v: isVisible ? (r[c + 1] ?? null) : null };
      if (isVisible) visiblePoints.push(points[i] as Point);
    }
    if (spec?.forecast !== undefined) {
      forecasts[c] = await holtWintersColumn(spec, points, intervalNs, input.ascending, pacer);
      emitted.push(new Array<Point | undefined>(rows.length).fill(undefined));
      continue;
    }
    if (spec === undefined) {
      emitted.push(points.map((p, i) => (visible[i] === true ? p : undefined)));
      continue;
    }
    const out = await applyTransformPaced(spec, visiblePoints, input.ascending, pacer);
    const aligned = new Array<Point | undefined>(rows.length).fill(undefined);
    for (let i = 0, k = 0; i < rows.length; i++) if (visible[i] === true) aligned[i] = out[k++];
    emitted.push(aligned);
  }
  const out: unknown[][] = [];
  for (let i = 0; i < rows.length; i++) {
    if (pacer.due()) await pacer.pause();
    let emits = false;
    for (let c = 0; c < width && !emits; c++) emits = emitted[c]?.[i] !== undefined;
    if (!emits) continue;
    const row = new Array<unknown>(width + 1);
    row[0] = rows[i]?.[0];
    for (let c = 0; c < width; c++) row[c + 1] = emitted[c]?.[i]?.v ?? null;
    out.push(row);
  }
  return forecasts.some((f) => f !== undefined) ? joinForecasts(out, forecasts, width, input.ascending) : out;
}

/** Adds holt_winters points by time: into the row of that time, else as a new row. */
function joinForecasts(rows: unknown[][], forecasts: ReadonlyArray<TimedValue[] | undefined>, width: number, ascending: boolean): unknown[][] {
  const byTime = new Map<bigint, unknown[]>();
  for (const row of rows) byTime.set(row[0] as bigint, row);
  forecasts.forEach((points, c) => {
    for (const p of points ?? []) {
      let row = byTime.get(p.t);
      if (row === undefined) {
        row = [p.t, ...new Array<unknown>(width).fill(null)];
        byTime.set(p.t, row);
        rows.push(row);
      }
      row[c + 1] = p.v;
    }
  });
  const direction = ascending ? 1 : -1;
  return rows.sort((a, b) => {
    const d = (a[0] as bigint) - (b[0] as bigint);
    return (d === 0n ? 0 : d < 0n ? -1 : 1) * direction;
  });
}
