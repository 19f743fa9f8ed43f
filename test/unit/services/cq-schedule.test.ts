// The ranges continuous queries run over, checked against InfluxDB 1.6.7's own scheduler tests
// (services/continuous_querier/service_test.go), with the zone offsets of America/New_York.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextContinuousQueryRun, type ContinuousQueryTiming } from '../../../src/core/services/cq-schedule.js';
import { zoneOffsetSeconds } from '../../../src/core/query/language/time-zone.js';

const S = 1_000_000_000n;
const M = 60n * S;
const H = 60n * M;
const D = 24n * H;
const at = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n;
const timing = (intervalNs: bigint, extra: Partial<ContinuousQueryTiming> = {}): ContinuousQueryTiming => ({ intervalNs, offsetNs: 0n, resampleEveryNs: 0n, resampleForNs: 0n, ...extra });
const now = at('2024-05-06T10:00:00Z');

function window(t: ContinuousQueryTiming, lastRunNs: bigint | null, nowNs: bigint, zone?: (ns: bigint) => bigint): [bigint, bigint] | 'not due' | 'empty' {
  const run = nextContinuousQueryRun(t, lastRunNs, nowNs, zone);
  if (run === null) return 'not due';
  return run.window === null ? 'empty' : [run.window.startNs, run.window.endNs];
}

test('a basic query runs the previous interval once it is complete, and catches up on missed ones', () => {
  const t = timing(M);
  const first = nextContinuousQueryRun(t, null, now + 5n * S)!;
  assert.equal(first.window, null, 'the first run, inside an interval, has nothing complete to run');
  assert.equal(first.lastRunNs, now);
  assert.equal(window(t, now, now + 30n * S), 'not due');
  assert.deepEqual(window(t, now, now + M + 2n * S), [now, now + M]);
  assert.deepEqual(window(t, now, now + 5n * M + 1n), [now, now + 5n * M], 'missed intervals are run together');
});

test('every interval length starts on its boundary (1.6.7 TestExecuteContinuousQuery_TimeRange)', () => {
  const start = at('2000-01-01T00:00:00Z');
  for (const [d, from, to] of [
    [10n * S, start, start + 10n * S],
    [H, start, start + H],
    [12n * H, start, start + 12n * H],
    [D, start, start + D],
    [7n * D, at('1999-12-30T00:00:00Z'), at('2000-01-06T00:00:00Z')],
  ] as const) {
    const first = nextContinuousQueryRun(timing(d), null, start + 1n)!;
    assert.deepEqual(window(timing(d), first.lastRunNs, start + d), [from, to], `time(${d / S}s)`);
  }
});

test('RESAMPLE EVERY 10s FOR 2m of a 1m query (1.6.7 TestContinuousQueryService_ResampleOptions)', () => {
  const t = timing(M, { resampleEveryNs: 10n * S, resampleForNs: 2n * M });
  const first = nextContinuousQueryRun(t, null, now)!;
  assert.deepEqual(first.window, { startNs: now - 2n * M, endNs: now });
  assert.deepEqual(window(t, first.lastRunNs, now + 10n * S), [now - M, now + M]);
  const reset = nextContinuousQueryRun(t, null, now + 5n * S)!;
  assert.deepEqual(reset.window, { startNs: now - M, endNs: now });
  assert.deepEqual(window(t, reset.lastRunNs, now + 10n * M), [now - M, now + 10n * M], 'catch-up');
});

test('RESAMPLE EVERY longer than the interval (1.6.7 TestContinuousQueryService_EveryHigherThanInterval)', () => {
  const t = timing(30n * S, { resampleEveryNs: M });
  const first = nextContinuousQueryRun(t, null, now)!;
  assert.deepEqual(first.window, { startNs: now - M, endNs: now });
  assert.equal(window(t, first.lastRunNs, now + 30n * S), 'not due');
  assert.deepEqual(window(t, first.lastRunNs, now + M), [now, now + M]);
});

test('GROUP BY time(1m, 30s) runs on the offset boundaries (1.6.7 TestContinuousQueryService_GroupByOffset)', () => {
  const t = timing(M, { offsetNs: 30n * S });
  const at30 = now + 30n * S;
  assert.deepEqual(nextContinuousQueryRun(t, null, at30)!.window, { startNs: at30 - M, endNs: at30 });
  const negative = timing(D, { offsetNs: -H });
  const run = nextContinuousQueryRun(negative, at('2024-05-05T23:00:00Z'), at('2024-05-06T23:00:05Z'))!;
  assert.deepEqual(run.window, { startNs: at('2024-05-05T23:00:00Z'), endNs: at('2024-05-06T23:00:00Z') });
});

test('daylight saving changes move day and 2h boundaries with the zone (1.6.7 TestExecuteContinuousQuery_TimeZone)', () => {
  const zone = (ns: bigint): bigint => BigInt(zoneOffsetSeconds('America/New_York', ns)) * S;
  const cases: Array<[bigint, string, Array<[string, string]>]> = [
    [D, '2000-04-02T00:00:00-05:00', [['2000-04-02T00:00:00-05:00', '2000-04-03T00:00:00-04:00']]],
    [2n * H, '2000-04-02T00:00:00-05:00', [['2000-04-02T00:00:00-05:00', '2000-04-02T03:00:00-04:00'], ['2000-04-02T03:00:00-04:00', '2000-04-02T04:00:00-04:00']]],
    [D, '2000-10-29T00:00:00-04:00', [['2000-10-29T00:00:00-04:00', '2000-10-30T00:00:00-05:00']]],
    [2n * H, '2000-10-29T00:00:00-04:00', [['2000-10-29T00:00:00-04:00', '2000-10-29T02:00:00-05:00'], ['2000-10-29T02:00:00-05:00', '2000-10-29T04:00:00-05:00']]],
  ];
  for (const [d, initial, runs] of cases) {
    let lastRun = nextContinuousQueryRun(timing(d), null, at(initial) + 1n, zone)!.lastRunNs;
    for (const [start, end] of runs) {
      const run = nextContinuousQueryRun(timing(d), lastRun, at(end), zone)!;
      assert.deepEqual(run.window, { startNs: at(start), endNs: at(end) }, `${d / H}h from ${initial}: ${start}`);
      lastRun = run.lastRunNs;
    }
  }
});

test('recording each run and resuming from it neither skips nor repeats an interval', () => {
  const t = timing(M, { offsetNs: 15n * S });
  let lastRun: bigint | null = null;
  const covered: Array<[bigint, bigint]> = [];
  // Ticks every 10 s, with a pause (a leader change) that loses no record.
  for (let tick = now; tick < now + 20n * M; tick += tick > now + 5n * M && tick < now + 8n * M ? 40n * S : 10n * S) {
    const run = nextContinuousQueryRun(t, lastRun, tick);
    if (run === null) continue;
    if (run.window !== null) covered.push([run.window.startNs, run.window.endNs]);
    lastRun = run.lastRunNs;
  }
  for (let i = 1; i < covered.length; i++) assert.equal(covered[i]![0], covered[i - 1]![1], 'each range starts where the last ended');
  assert.ok(covered.length >= 15);
});
