// Per-series transformations and how their columns join into rows; expectations follow influxd
// 1.6.7's answers (recorded on a live influxd for the same shapes of data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TransformSpec } from '../../../src/core/query/functions/transform-spec.js';
import { applyTransform, transformReadRange, transformRows, transformsReadNothing } from '../../../src/core/query/functions/transforms.js';
import { MAX_TIME_NS, MIN_TIME_NS } from '../../../src/core/query/language/time-literal.js';
import { RowPacer } from '../../../src/core/query/execute/row-pacer.js';

const S = 1_000_000_000n;
const MINUTE = 60n * S;
const EVERYTHING = { minNs: MIN_TIME_NS, maxNs: MAX_TIME_NS };

const ema = (period: number, hold = -1): TransformSpec => ({
  name: 'exponential_moving_average',
  unitNs: 0n,
  window: 0,
  indicator: { name: 'exponential_moving_average', period, hold, warmup: 'exponential' },
});
const derivative: TransformSpec = { name: 'derivative', unitNs: S, window: 0 };

test('an indicator skips nulls and emits from the point its hold period ends', () => {
  const points = [4, null, 6, 8].map((v, i) => ({ t: BigInt(i) * S, v }));
  const out = applyTransform(ema(2), points, true, false);
  assert.deepEqual(out, [undefined, undefined, { t: 2n * S, v: 5.333333333333333 }, { t: 3n * S, v: 7.111111111111111 }]);
});

test('derivative keeps the first of several points at one time (a merge of series)', () => {
  const points = [
    { t: 0n, v: 1 },
    { t: 0n, v: 100 },
    { t: 10n * S, v: 2 },
    { t: 10n * S, v: 50 },
  ];
  assert.deepEqual(applyTransform(derivative, points, true, false), [undefined, undefined, { t: 10n * S, v: 0.1 }, undefined]);
});

test('elapsed measures strings too', () => {
  const points = [{ t: 0n, v: 'a' }, { t: 60n * S, v: 'b' }];
  assert.deepEqual(applyTransform({ name: 'elapsed', unitNs: MINUTE, window: 0 }, points, true, false), [undefined, { t: 60n * S, v: 1n }]);
});

test('a plain column keeps every row; transformed columns are null where they emit nothing', async () => {
  const rows = [[0n, 10, 10], [MINUTE, null, null], [2n * MINUTE, 13, 13]];
  const out = await transformRows({ rows, transforms: [derivative, undefined], ascending: true, intervalNs: MINUTE, range: EVERYTHING });
  assert.deepEqual(out, [[0n, null, 10], [MINUTE, null, null], [2n * MINUTE, 0.025, 13]]);
});

test('the widened bucket feeds the transformation but no plain column', async () => {
  const range = { minNs: 10n * MINUTE, maxNs: 20n * MINUTE - 1n };
  const rows = [[9n * MINUTE, 0, 0], [10n * MINUTE, 3, 3], [11n * MINUTE, 6, 6]];
  const out = await transformRows({ rows, transforms: [ema(2, 0), undefined], ascending: true, intervalNs: MINUTE, range });
  assert.deepEqual(out, [[9n * MINUTE, 0, null], [10n * MINUTE, 2, 3], [11n * MINUTE, 4.666666666666666, 6]]);
});

test('holt_winters points join by time and extend past the data', async () => {
  const forecast: TransformSpec = { name: 'holt_winters', unitNs: 0n, window: 0, forecast: { horizon: 2, season: 0, withFit: false } };
  const rows = [0, 1, 2, 3].map((m) => [BigInt(m) * MINUTE, 10 + m, 10 + m]);
  const out = await transformRows({ rows, transforms: [forecast, undefined], ascending: true, intervalNs: MINUTE, range: EVERYTHING });
  assert.deepEqual(out.map((r) => r[0]), [0n, MINUTE, 2n * MINUTE, 3n * MINUTE, 4n * MINUTE, 5n * MINUTE]);
  assert.deepEqual(out.slice(0, 4).map((r) => r[1]), [null, null, null, null]);
  assert.deepEqual(out.slice(4).map((r) => r[2]), [null, null]);
  assert.ok(out.slice(4).every((r) => typeof r[1] === 'number'));
});

test('read range: one interval earlier (later when descending) for transformations that need it', () => {
  const range = { minNs: 10n * MINUTE, maxNs: 20n * MINUTE };
  const base = { range, intervalNs: MINUTE, nowNs: 100n * MINUTE };
  assert.deepEqual(transformReadRange({ ...base, transforms: [ema(3)], ascending: true }), { minNs: 9n * MINUTE, maxNs: 20n * MINUTE });
  assert.deepEqual(transformReadRange({ ...base, transforms: [derivative], ascending: false }), { minNs: 10n * MINUTE, maxNs: 21n * MINUTE });
  assert.deepEqual(transformReadRange({ ...base, transforms: [{ name: 'cumulative_sum', unitNs: 0n, window: 0 }], ascending: true }), range);
  assert.deepEqual(transformReadRange({ range, nowNs: 0n, transforms: [ema(3)], ascending: true }), range);
});

test('an ascending transformation of an aggregate without a lower time bound reads nothing', () => {
  const open = { minNs: MIN_TIME_NS, maxNs: 20n * MINUTE };
  assert.equal(transformsReadNothing({ range: open, intervalNs: MINUTE, nowNs: 0n, transforms: [ema(2)], ascending: true }), true);
  assert.equal(transformsReadNothing({ range: open, intervalNs: MINUTE, nowNs: 0n, transforms: [ema(2)], ascending: false }), false);
  assert.equal(transformsReadNothing({ range: open, nowNs: 0n, transforms: [ema(2)], ascending: true }), false);
  const forecast: TransformSpec = { name: 'holt_winters', unitNs: 0n, window: 0, forecast: { horizon: 1, season: 0, withFit: false } };
  assert.equal(transformsReadNothing({ range: open, intervalNs: MINUTE, nowNs: 0n, transforms: [forecast], ascending: true }), false);
});

test('transformRows pauses through the statement\'s pacer and stops once it is aborted', async () => {
  const rows = Array.from({ length: 50_000 }, (_, i) => [BigInt(i) * S, i % 7]);
  const paced = await transformRows({ rows, transforms: [derivative], ascending: true, range: EVERYTHING }, new RowPacer(undefined, 1_000));
  assert.deepEqual(paced, await transformRows({ rows, transforms: [derivative], ascending: true, range: EVERYTHING }));
  assert.equal(paced.length, rows.length - 1);
  const abort = new AbortController();
  abort.abort();
  await assert.rejects(transformRows({ rows, transforms: [derivative], ascending: true, range: EVERYTHING }, new RowPacer(abort.signal, 1_000)), { name: 'AbortError' });
});
