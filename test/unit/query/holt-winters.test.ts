// holt_winters / holt_winters_with_fit: forecasts compared with influxd 1.6.7's answers for the
// same GROUP BY time() means (inputs and outputs recorded from a live influxd).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holtWinters, holtWintersCooperative, type TimedValue } from '../../../src/core/query/functions/holt-winters.js';

const T0 = 1_677_628_800_000_000_000n; // 2023-03-01T00:00:00Z
const MINUTE = 60_000_000_000n;

/** mean(v) per minute of a gappy series; minutes 2, 5 and 6 have no data (fill(null) skips them). */
const GAPPY: TimedValue[] = [
  [0, 15.818666666666667], [1, 14], [3, 15.113999999999999], [4, 14.322999999999999],
  [7, 14.032666666666666], [8, 16.31866666666667], [9, 13.191333333333333],
].map(([m, v]) => ({ t: T0 + BigInt(m as number) * MINUTE, v: v as number }));

/** mean(usage_user) of the corpus' cpu,host=server01 per 10 minutes, 00:00 to 01:50. */
const CPU: TimedValue[] = [
  64.25898333333333, 54.49044999999999, 51.88113333333332, 58.95961666666667, 54.260016666666644, 62.32678333333333,
  66.9125, 63.96146666666667, 41.605250000000005, 12.11968333333334, 3.2424666666666666, 8.868133333333331,
].map((v, i) => ({ t: T0 + BigInt(i) * 10n * MINUTE, v }));

function assertForecast(actual: readonly TimedValue[], expected: ReadonlyArray<readonly [bigint, number]>, label: string): void {
  assert.deepEqual(actual.map((p) => p.t), expected.map(([t]) => t), `${label}: times`);
  expected.forEach(([, e], i) => {
    const a = (actual[i] as TimedValue).v;
    assert.ok(Math.abs(a - e) <= 1e-9 * Math.abs(e), `${label} [${i}]: expected ${e}, got ${a}`);
  });
}

test('holt_winters(mean, 3, 0) forecasts after the last bucket (corpus tr-holt-winters)', () => {
  const out = holtWinters(CPU, 10n * MINUTE, { horizon: 3, season: 0, withFit: false });
  assertForecast(out, [[T0 + 120n * MINUTE, -29.154475608780775], [T0 + 130n * MINUTE, -69.32629759708482], [T0 + 140n * MINUTE, -129.56710354439284]], 'hw');
});

test('holt_winters_with_fit(mean, 3, 4): a seasonal fit over the data, then the forecast', () => {
  const expected = [
    64.25898333333333, 72.59523444058217, 86.48725418000448, 71.87621181623066, 68.47146248091241, 57.06291164448725, 61.29006945690185,
    53.55118788527998, 51.20600969529239, 49.89721140983705, 53.71631693143131, 51.994002441689155, 50.38289188877847, 53.75520785739039, 58.91769023020168,
  ].map((v, i) => [T0 + BigInt(i) * 10n * MINUTE, v] as const);
  assertForecast(holtWinters(CPU, 10n * MINUTE, { horizon: 3, season: 4, withFit: true }), expected, 'hw fit seasonal');
});

test('missing buckets are skipped by the fit but still get fitted values', () => {
  const fit = [
    15.818666666666667, 14.110426408232364, 14.552137696478685, 14.579888623132375, 14.576762965050705, 14.574476304028728,
    14.573601215436474, 14.573303464806507, 14.573205459919844, 14.573173532394136, 14.573163165447559, 14.573159802853938,
  ].map((v, i) => [T0 + BigInt(i) * MINUTE, v] as const);
  assertForecast(holtWinters(GAPPY, MINUTE, { horizon: 2, season: 0, withFit: true }), fit, 'gappy fit');
  const seasonal = [[T0 + 10n * MINUTE, 15.45099685127575], [T0 + 11n * MINUTE, 14.232391833933772], [T0 + 12n * MINUTE, 15.49958283366491]] as const;
  assertForecast(holtWinters(GAPPY, MINUTE, { horizon: 3, season: 2, withFit: false }), seasonal, 'gappy seasonal');
});

test('too few points, fewer points than a season, or a descending series forecast nothing', () => {
  assert.deepEqual(holtWinters(CPU.slice(0, 1), 10n * MINUTE, { horizon: 3, season: 0, withFit: false }), []);
  assert.deepEqual(holtWinters(CPU.slice(0, 3), 10n * MINUTE, { horizon: 3, season: 4, withFit: false }), []);
  assert.deepEqual(holtWinters(CPU.slice().reverse(), 10n * MINUTE, { horizon: 3, season: 0, withFit: false }), []);
});

test('the cooperative fit gives the same forecast, lets timers run between slices and stops when aborted', async () => {
  const params = { horizon: 3, season: 4, withFit: true };
  const expected = holtWinters(CPU, 10n * MINUTE, params);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    assert.deepEqual(await holtWintersCooperative(CPU, 10n * MINUTE, params, undefined, 0), expected);
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks > 0, 'the event loop ran during the fit');
  const controller = new AbortController();
  controller.abort(new Error('query timeout'));
  await assert.rejects(holtWintersCooperative(CPU, 10n * MINUTE, params, controller.signal, 0), /query timeout/);
});
