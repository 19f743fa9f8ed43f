// InfluxQL transformations applied per series in TypeScript (derivative, difference, ...),
// because their first-point and negative-value rules differ from SQL window functions.

import type { TransformSpec } from './select-plan.js';

export interface Point {
  readonly t: bigint;
  readonly v: unknown;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/**
 * Returns one entry per input point: undefined where the transformation emits nothing
 * (e.g. the first point of a derivative), otherwise the emitted value.
 */
export function applyTransform(spec: TransformSpec, points: readonly Point[], ascending: boolean, bucketed: boolean): Array<Point | undefined> {
  const out: Array<Point | undefined> = new Array<Point | undefined>(points.length).fill(undefined);
  let prev: { t: bigint; v: number; raw: unknown } | undefined;
  let sum: number | bigint | undefined;
  const windowValues: number[] = [];
  points.forEach((p, i) => {
    const v = num(p.v);
    if (v === undefined) return;
    switch (spec.name) {
      case 'cumulative_sum': {
        if (typeof p.v === 'bigint') sum = (typeof sum === 'bigint' ? sum : BigInt(sum ?? 0)) + p.v;
        else sum = Number(sum ?? 0) + v;
        out[i] = { t: p.t, v: sum };
        break;
      }
      case 'difference':
      case 'non_negative_difference': {
        if (prev !== undefined) {
          const diff = typeof p.v === 'bigint' && typeof prev.raw === 'bigint' ? p.v - prev.raw : v - prev.v;
          const negative = typeof diff === 'bigint' ? diff < 0n : diff < 0;
          if (!(spec.name === 'non_negative_difference' && negative)) out[i] = { t: p.t, v: diff };
        }
        break;
      }
      case 'derivative':
      case 'non_negative_derivative': {
        if (prev !== undefined) {
          const elapsed = Number(p.t - prev.t);
          if (elapsed !== 0) {
            const d = ((v - prev.v) * Number(spec.unitNs)) / (ascending ? elapsed : -elapsed) * (ascending ? 1 : -1) * (ascending ? 1 : -1);
            if (!(spec.name === 'non_negative_derivative' && d < 0)) out[i] = { t: p.t, v: d };
          }
        }
        break;
      }
      case 'elapsed': {
        if (prev !== undefined) out[i] = { t: p.t, v: (p.t - prev.t) / spec.unitNs };
        break;
      }
      case 'moving_average': {
        windowValues.push(v);
        if (windowValues.length > spec.window) windowValues.shift();
        if (windowValues.length === spec.window) out[i] = { t: p.t, v: windowValues.reduce((a, b) => a + b, 0) / spec.window };
        break;
      }
      default:
        break;
    }
    prev = { t: p.t, v, raw: p.v };
  });
  void bucketed;
  return out;
}
