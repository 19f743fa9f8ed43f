// Technical-analysis indicators: every expected value is influxd 1.6.7's answer for the series
// 3,4,4,2,6,6,6,1,9,9 (one point every 10s), e.g. SELECT exponential_moving_average(v, 3) FROM s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indicatorSeries, type IndicatorParams } from '../../../src/core/query/functions/technical-analysis.js';

const SERIES = [3, 4, 4, 2, 6, 6, 6, 1, 9, 9];

/** Relative closeness: both sides compute in IEEE doubles, only the last bits may differ. */
function assertClose(actual: ReadonlyArray<number | undefined>, expected: ReadonlyArray<number | undefined>, label: string): void {
  assert.equal(actual.length, expected.length, label);
  expected.forEach((e, i) => {
    const a = actual[i];
    if (e === undefined || a === undefined) return assert.equal(a, e, `${label} [${i}]`);
    assert.ok(Math.abs(a - e) <= 1e-12 * Math.max(1, Math.abs(e)), `${label} [${i}]: expected ${e}, got ${a}`);
  });
}

const CASES: Array<[IndicatorParams, Array<number | undefined>]> = [
  [{ name: 'exponential_moving_average', period: 3, hold: -1, warmup: 'exponential' }, [undefined, undefined, 3.833333333333333, 2.9166666666666665, 4.458333333333333, 5.229166666666666, 5.614583333333333, 3.3072916666666665, 6.153645833333334, 7.576822916666667]],
  [{ name: 'exponential_moving_average', period: 3, hold: 0, warmup: 'simple' }, [3, 3.5, 3.6666666666666665, 2.833333333333333, 4.416666666666666, 5.208333333333333, 5.604166666666666, 3.302083333333333, 6.151041666666666, 7.575520833333333]],
  [{ name: 'double_exponential_moving_average', period: 3, hold: -1, warmup: 'exponential' }, [undefined, undefined, 4.027777777777778, 2.5555555555555554, 5.048611111111111, 5.909722222222221, 6.147569444444445, 2.4201388888888893, 7.133246527777779, 8.778211805555555]],
  [{ name: 'double_exponential_moving_average', period: 3, hold: -1, warmup: 'simple' }, [undefined, undefined, undefined, undefined, 5.194444444444443, 5.993055555555555, 6.194444444444444, 2.4461805555555554, 7.147569444444444, 8.786024305555555]],
  [{ name: 'triple_exponential_moving_average', period: 2, hold: -1, warmup: 'exponential' }, [undefined, 3.962962962962964, 4.037037037037037, 2.08641975308642, 5.776406035665294, 6.11934156378601, 6.0489254686785525, 1.1860488746634141, 8.507493776355226, 9.225067316974041]],
  [{ name: 'triple_exponential_moving_average', period: 2, hold: 0, warmup: 'simple' }, [3, 3.5, 4.166666666666667, 2.2592592592592595, 5.835390946502057, 6.138545953360769, 6.054869684499313, 1.1877762536198748, 8.507951023726058, 9.225168927500889]],
  [{ name: 'relative_strength_index', period: 3, hold: -1, warmup: 'exponential' }, [undefined, undefined, undefined, 38.46153846153846, 75.75757575757575, 75.75757575757575, 75.75757575757575, 21.299254526091588, 71.12153184837827, 71.12153184837827]],
  [{ name: 'relative_strength_index', period: 2, hold: 0, warmup: 'simple' }, [100, 100, 100, 39.99999999999999, 82.3529411764706, 82.3529411764706, 82.3529411764706, 10.21897810218978, 76.3915547024952, 76.3915547024952]],
  [{ name: 'triple_exponential_derivative', period: 2, hold: -1, warmup: 'exponential' }, [undefined, undefined, 8.98876404494382, -10.996563573883156, 21.964821964821944, 21.66725290186424, 12.56625228871544, -21.36042386020983, 25.285159604707697, 27.82857198026589]],
  [{ name: 'triple_exponential_derivative', period: 2, hold: 1, warmup: 'simple' }, [undefined, 16.666666666666675, 4.761904761904767, -9.595959595959602, 18.497827436374912, 20.918456434433395, 12.447653429602902, -21.37180200619264, 25.2959501557632, 27.83622117190405]],
  [{ name: 'kaufmans_efficiency_ratio', period: 3, hold: -1, warmup: 'exponential' }, [undefined, undefined, undefined, 0.3333333333333333, 0.3333333333333333, 0.3333333333333333, 1, 1, 0.23076923076923078, 0.23076923076923078]],
  [{ name: 'kaufmans_efficiency_ratio', period: 2, hold: 0, warmup: 'exponential' }, [1, 1, 1, 1, 0.3333333333333333, 1, 0, 1, 0.23076923076923078, 1]],
  [{ name: 'kaufmans_adaptive_moving_average', period: 3, hold: -1, warmup: 'exponential' }, [undefined, undefined, undefined, 3.8593029380403645, 4.009897831622037, 4.149898595667176, 4.972165886481765, 3.2067588258232025, 3.446608548776763, 3.676528098296956]],
  [{ name: 'kaufmans_adaptive_moving_average', period: 2, hold: 0, warmup: 'exponential' }, [1.3333333333333335, 3.4444444444444446, 4, 3.1111111111111107, 3.3143402006083624, 4.507966778115757, 4.514177114106951, 2.9523206189483053, 3.2027045025889387, 5.779280279216078]],
  [{ name: 'chande_momentum_oscillator', period: 3, hold: -1, warmup: 'none' }, [undefined, undefined, 100, -33.33333333333333, 33.33333333333333, 33.33333333333333, 100, -100, 23.076923076923077, 23.076923076923077]],
  [{ name: 'chande_momentum_oscillator', period: 3, hold: 0, warmup: 'none' }, [0, 100, 100, -33.33333333333333, 33.33333333333333, 33.33333333333333, 100, -100, 23.076923076923077, 23.076923076923077]],
  [{ name: 'chande_momentum_oscillator', period: 2, hold: 0, warmup: 'exponential' }, [100, 100, 100, -41.17647058823529, 63.07692307692307, 63.07692307692307, 63.07692307692307, -80.55045871559633, 52.71504084574723, 52.71504084574723]],
  [{ name: 'chande_momentum_oscillator', period: 3, hold: -1, warmup: 'simple' }, [undefined, undefined, undefined, 33.33333333333333, 71.42857142857142, 71.42857142857142, 71.42857142857143, -49.73821989528795, 44.46601941747573, 44.466019417475735]],
];

test('indicators answer like influxd 1.6.7 (hold periods and warm-up types included)', () => {
  for (const [params, expected] of CASES) {
    assertClose(indicatorSeries(params, SERIES), expected, `${params.name}(v, ${params.period}, ${params.hold}, '${params.warmup}')`);
  }
});

test('a constant series: RSI is 100, KER 1 then 0, TRIX drops its infinite first rate', () => {
  const constant = [5, 5, 5, 5, 5, 5];
  assertClose(indicatorSeries({ name: 'relative_strength_index', period: 3, hold: 0, warmup: 'exponential' }, constant), [100, 100, 100, 100, 100, 100], 'rsi');
  assertClose(indicatorSeries({ name: 'kaufmans_efficiency_ratio', period: 3, hold: 0, warmup: 'exponential' }, constant), [1, 1, 1, 0, 0, 0], 'ker');
  assertClose(indicatorSeries({ name: 'kaufmans_adaptive_moving_average', period: 3, hold: 0, warmup: 'exponential' }, constant), [2.2222222222222228, 5, 5, 5, 5, 5], 'kama');
  assertClose(indicatorSeries({ name: 'triple_exponential_derivative', period: 3, hold: 1, warmup: 'exponential' }, constant), [undefined, 0, 0, 0, 0, 0], 'trix');
});

test('an all-zero series gives NaN where influxd prints null', () => {
  const out = indicatorSeries({ name: 'relative_strength_index', period: 3, hold: 0, warmup: 'exponential' }, [0, 0, 0]);
  assert.ok(out.every((v) => v !== undefined && Number.isNaN(v)));
  const trix = indicatorSeries({ name: 'triple_exponential_derivative', period: 3, hold: 1, warmup: 'exponential' }, [0, 0, 0]);
  assert.equal(trix[0], undefined);
  assert.ok(Number.isNaN(trix[1] as number));
});

test('no points in, no points out; a period below 1 is refused', () => {
  assert.deepEqual(indicatorSeries({ name: 'exponential_moving_average', period: 2, hold: -1, warmup: 'exponential' }, []), []);
  assert.throws(() => indicatorSeries({ name: 'exponential_moving_average', period: 0, hold: -1, warmup: 'exponential' }, [1]), RangeError);
});
