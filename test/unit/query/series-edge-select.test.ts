// first()/last() without GROUP BY time: the storage engine's LIMIT 1 read lets two points of the
// series merge through, and the first/last reducer keeps one (cases checked against influxd 1.6.7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectEdgePoint, shardGroupStartNs, type EdgePoint } from '../../../src/core/query/execute/series-edge-select.js';

const p = (t: bigint, value: unknown, aux: unknown[] = []): EdgePoint => ({ t, value, aux });
const first = { fn: 'first' as const, shardGroupNs: 0n, auxCompareOrder: [] };
const last = { fn: 'last' as const, shardGroupNs: 0n, auxCompareOrder: [] };

test('equal first times: the heap pops s1 then s4, and the larger of the two wins (sel-first-range)', () => {
  // Four series start at 00:30 (server05 has no point in range): not the largest value, 61.251.
  const series = [
    [p(0n, 53.089), p(10n, 1)],
    [p(0n, 61.251), p(10n, 1)],
    [p(0n, 55.179), p(10n, 1)],
    [p(0n, 56.315), p(10n, 1)],
  ];
  assert.equal(selectEdgePoint(series, first)?.value, 56.315);
});

test('a later-starting series changes which point is popped second (sel-first)', () => {
  const series = [[p(0n, 59.683), p(10n, 1)], [p(0n, 59.635), p(10n, 1)], [p(0n, 40.95), p(10n, 1)], [p(0n, 51.134), p(10n, 1)], [p(600n, 99)]];
  assert.equal(selectEdgePoint(series, first)?.value, 59.683);
  const cores = [[p(0n, 4n)], [p(0n, 8n)], [p(0n, 2n)], [p(0n, 16n)]];
  assert.equal(selectEdgePoint(cores, first)?.value, 16n);
});

test('last() reads the series in reverse key order (sel-last-range)', () => {
  const series = [[p(50n, 56.81), p(40n, 1)], [p(50n, 85.988), p(40n, 1)], [p(50n, 65.976), p(40n, 1)], [p(50n, 69.647), p(40n, 1)]];
  assert.deepEqual(selectEdgePoint(series, last), p(50n, 69.647));
});

test('a tie with a later point keeps the first popped; booleans prefer false (first) and true (last)', () => {
  assert.equal(selectEdgePoint([[p(0n, 1)], [p(5n, 9)]], first)?.value, 1);
  assert.equal(selectEdgePoint([[p(0n, true)], [p(0n, false)]], first)?.value, false);
  assert.equal(selectEdgePoint([[p(0n, false)], [p(0n, true)]], last)?.value, true);
  assert.equal(selectEdgePoint([[p(0n, 'ro')], [p(0n, 'rw')]], first)?.value, 'rw');
  assert.equal(selectEdgePoint([], first), undefined);
});

test('string aux values order equal times in the heap', () => {
  const series = [[p(0n, 1, ['b'])], [p(0n, 2, ['a'])], [p(0n, 3, ['c'])]];
  // The aux-ordered heap pops 'a' then 'b': the larger of those values wins, not 3.
  assert.equal(selectEdgePoint(series, { ...first, auxCompareOrder: [0] })?.value, 2);
});

test('only the earliest shard group is read', () => {
  const week = 7n * 24n * 3600n * 1_000_000_000n;
  const monday = 1677456000000000000n; // 2023-02-27T00:00:00Z, a shard group start (Go truncates from year 1)
  assert.equal(shardGroupStartNs(monday + 5n, week), monday);
  assert.equal(shardGroupStartNs(monday - 1n, week), monday - week);
  // The second series starts in the next group: its point never meets the first one.
  const series = [[p(monday + 10n, 1)], [p(monday + week, 5)]];
  assert.equal(selectEdgePoint(series, { ...first, shardGroupNs: week })?.value, 1);
  // A fifth series in the next group would change the heap (pops s1, s2 instead of s1, s4).
  const start = monday - 10n;
  const tied = [[p(start, 1)], [p(start, 5)], [p(start, 0)], [p(start, 3)], [p(monday + 10n, 0)]];
  assert.equal(selectEdgePoint(tied, first)?.value, 5);
  assert.equal(selectEdgePoint(tied, { ...first, shardGroupNs: week })?.value, 3);
});
