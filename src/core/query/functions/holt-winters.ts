// holt_winters() and holt_winters_with_fit(): InfluxDB 1.6's damped Holt-Winters forecast, fitted
// by Nelder-Mead over a 2⁴ grid of starting guesses. Pure; it reproduces Go's arithmetic order.

import { powWhole } from './go-math.js';
import { minimize } from './nelder-mead.js';

export interface ForecastParams {
  /** Number of predicted points (N). */
  readonly horizon: number;
  /** Season length in points (S); below 2 means no seasonality. */
  readonly season: number;
  /** holt_winters_with_fit: also return the fitted values over the data. */
  readonly withFit: boolean;
}

export interface TimedValue {
  readonly t: bigint;
  readonly v: number;
}

// Starting-guess grid for alpha, beta, gamma and phi: 0.3 and 0.7 (the grid is N⁴, keep N small).
const GUESS_LOWER = 0.3;
const GUESS_UPPER = 1.0;
const GUESS_STEP = 0.4;
const INITIAL_WEIGHT = 0.5;
const EPSILON = 1.0e-4;
/** 2^-55: a term this small relative to a sum is under a quarter of the sum's ulp. */
const NEGLIGIBLE = 2 ** -55;

/** Rounds a time to the nearest interval multiple (Go's truncating division and remainder). */
function roundTime(t: bigint, intervalNs: bigint): bigint {
  const remainder = t % intervalNs;
  return remainder > intervalNs / 2n ? (t / intervalNs + 1n) * intervalNs : (t / intervalNs) * intervalNs;
}

/** One value per interval from the first to the last point; NaN where a bucket has no value. */
function regularize(points: readonly TimedValue[], intervalNs: bigint): number[] {
  const first = points[0] as TimedValue;
  const y = [first.v];
  let t = roundTime(first.t, intervalNs);
  for (const p of points.slice(1)) {
    const rounded = roundTime(p.t, intervalNs);
    if (rounded <= t) continue;
    t += intervalNs;
    while (rounded !== t) {
      y.push(NaN);
      t += intervalNs;
    }
    y.push(p.v);
  }
  return y;
}

/** Forces alpha, beta, gamma and phi into [0, 1], in place (Go constrains the vertex itself). */
function constrain(params: number[]): void {
  for (let i = 0; i < 4; i++) {
    if ((params[i] as number) > 1) params[i] = 1;
    if ((params[i] as number) < 0) params[i] = 0;
  }
}

/**
 * Runs the recurrences over the data and `horizon` steps beyond. Like Go it constrains `params`
 * and rewrites its seasonal tail in place: the optimizer's vertices carry those writes.
 */
function forecast(y: readonly number[], horizon: number, params: number[], seasonal: boolean): number[] {
  constrain(params);
  const [alpha, beta, gamma, phi] = params as [number, number, number, number];
  let yT = y[0] as number;
  let phiH = phi;
  let lT = params[4] as number;
  let bT = params[5] as number;
  const m = seasonal ? params.length - 6 : 0;
  if (seasonal && m === 1) params[6] = 1;
  let so = m - 1;
  const out = new Array<number>(y.length + horizon).fill(0);
  out[0] = yT;
  let stm = 1;
  let stmh = 1;
  let phiSettled = false;
  for (let t = 1; t < y.length + horizon; t++) {
    if (seasonal) {
      const hm = t % m;
      stm = params[6 + ((t - m + so) % m)] as number;
      stmh = params[6 + ((t - m + hm + so) % m)] as number;
    }
    const lTp = lT;
    const bTp = bT;
    lT = alpha * (yT / stm) + (1 - alpha) * (lTp + phi * bTp);
    bT = beta * (lT - lTp) + (1 - beta) * phi * bTp;
    const sT = gamma * (yT / (lTp + phi * bTp)) + (1 - gamma) * stm;
    yT = (lT + phiH * bT) * stmh;
    if (!phiSettled) {
      // Once phi^t is below a quarter ulp of phiH, adding it (or any later, smaller power) changes nothing.
      const term = powWhole(phi, t);
      phiSettled = term <= phiH * NEGLIGIBLE;
      phiH += term;
    }
    if (seasonal) {
      params[6 + ((t + so) % m)] = sT;
      so++;
    }
    out[t] = yT;
  }
  return out;
}

function sumSquaredError(y: readonly number[], params: number[], seasonal: boolean): number {
  const fitted = forecast(y, 0, params, seasonal);
  let sse = 0;
  for (let i = 0; i < fitted.length; i++) {
    const actual = y[i] as number;
    if (Number.isNaN(actual)) continue;
    const predicted = fitted[i] as number;
    if (Number.isNaN(predicted)) return Infinity;
    sse += (predicted - actual) * (predicted - actual);
  }
  return sse;
}

/** Initial level, trend and seasonal factors, skipping missing values as Go does. */
function initialState(y: readonly number[], m: number, seasonal: boolean): number[] {
  let l0 = 0;
  let b0 = 0;
  const s: number[] = [];
  if (seasonal) {
    for (let i = 0; i < m; i++) if (!Number.isNaN(y[i] as number)) l0 += (1 / m) * (y[i] as number);
    for (let i = 0; i < m && m + i < y.length; i++) {
      if (!Number.isNaN(y[i] as number) && !Number.isNaN(y[m + i] as number)) b0 += (1 / (m * m)) * ((y[m + i] as number) - (y[i] as number));
    }
    for (let i = 0; i < m; i++) s.push(Number.isNaN(y[i] as number) ? 0 : (y[i] as number) / l0);
  } else {
    l0 += INITIAL_WEIGHT * (y[0] as number);
    if (!Number.isNaN(y[1] as number)) b0 = INITIAL_WEIGHT * ((y[1] as number) - (y[0] as number));
  }
  return [0, 0, 0, 0, l0, b0, ...s];
}

/**
 * Best parameters over the grid of starting guesses (first strictly smaller error wins). A
 * generator: it yields after each starting guess, so a driver can share the thread (the fit over
 * a long series takes seconds) and stop when the query is cancelled; the result is its return.
 */
function* fitSteps(y: readonly number[], m: number, seasonal: boolean): Generator<void, number[]> {
  const parameters = initialState(y, m, seasonal);
  const objective = (x: number[]): number => sumSquaredError(y, x, seasonal);
  let minError = Infinity;
  let best: number[] | undefined;
  for (let alpha = GUESS_LOWER; alpha < GUESS_UPPER; alpha += GUESS_STEP) {
    for (let beta = GUESS_LOWER; beta < GUESS_UPPER; beta += GUESS_STEP) {
      for (let gamma = GUESS_LOWER; gamma < GUESS_UPPER; gamma += GUESS_STEP) {
        for (let phi = GUESS_LOWER; phi < GUESS_UPPER; phi += GUESS_STEP) {
          parameters[0] = alpha;
          parameters[1] = beta;
          parameters[2] = gamma;
          parameters[3] = phi;
          const { value, point } = minimize(objective, parameters, EPSILON, 1);
          if (value < minError || best === undefined) {
            minError = value;
            best = point;
          }
          yield;
        }
      }
    }
  }
  return best ?? parameters;
}

/**
 * Forecasts one series of GROUP BY time() buckets (ascending, non-null values). Returns nothing
 * when InfluxDB does: fewer than 2 points, fewer than S points, or no forward time span.
 */
export function holtWinters(points: readonly TimedValue[], intervalNs: bigint, params: ForecastParams): TimedValue[] {
  const steps = holtWintersSteps(points, intervalNs, params);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/**
 * holtWinters in slices of about `sliceMs` of CPU: between slices it yields to the event loop
 * (writes and /ping keep being served) and stops with the signal's reason once it is aborted.
 */
export async function holtWintersCooperative(points: readonly TimedValue[], intervalNs: bigint, params: ForecastParams, signal?: AbortSignal, sliceMs = 10): Promise<TimedValue[]> {
  const steps = holtWintersSteps(points, intervalNs, params);
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    if (performance.now() - sliceStart < sliceMs) continue;
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
    sliceStart = performance.now();
  }
}

function* holtWintersSteps(points: readonly TimedValue[], intervalNs: bigint, params: ForecastParams): Generator<void, TimedValue[]> {
  const first = points[0];
  const last = points[points.length - 1];
  const seasonal = params.season >= 2;
  if (first === undefined || last === undefined || points.length < 2 || (seasonal && points.length < params.season) || params.horizon <= 0) return [];
  if ((roundTime(last.t, intervalNs) - roundTime(first.t, intervalNs)) / intervalNs <= 0n) return [];
  const y = regularize(points, intervalNs);
  const predicted = forecast(y, params.horizon, yield* fitSteps(y, params.season, seasonal), seasonal);
  const out: TimedValue[] = [];
  if (params.withFit) {
    predicted.forEach((v, i) => {
      if (!Number.isNaN(v)) out.push({ t: first.t + intervalNs * BigInt(i), v });
    });
  } else {
    predicted.slice(y.length).forEach((v, i) => {
      if (!Number.isNaN(v)) out.push({ t: last.t + intervalNs * BigInt(i + 1), v });
    });
  }
  return out;
}
