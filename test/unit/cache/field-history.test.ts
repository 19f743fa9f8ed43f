// The newest points of one (series, field): ordering, overwrites by version, what is known about
// points no longer held, and merging what storage holds into what was observed meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  UNKNOWN_VERSION,
  emptyHistory,
  historyBytes,
  mergePoint,
  mergeStored,
  newestInRange,
  valueAt,
  type FieldHistory,
} from '../../../src/core/cache/field-history.js';

type Merge = 'changed' | 'unchanged' | 'conflict';

/** mergePoint with an outcome to compare: conflict (null), or whether anything changed. */
function merge(h: FieldHistory, p: { timeNs: bigint; value: number | string; version: bigint; replicated: boolean }, depth: number): Merge {
  const before = JSON.stringify([h.times.map(String), h.values, h.versions.map(String)]);
  const bytes = mergePoint(h, p.timeNs, p.value, p.version, p.replicated, depth);
  if (bytes === null) return 'conflict';
  return before === JSON.stringify([h.times.map(String), h.values, h.versions.map(String)]) ? 'unchanged' : 'changed';
}

function local(timeNs: bigint, value: number, version = 1n): { timeNs: bigint; value: number; version: bigint; replicated: boolean } {
  return { timeNs, value, version, replicated: false };
}

function history(points: Array<[bigint, number, bigint?]>, complete: boolean): FieldHistory {
  return { times: points.map((p) => p[0]), values: points.map((p) => p[1]), versions: points.map((p) => p[2] ?? UNKNOWN_VERSION), complete };
}

test('keeps the newest `depth` points newest first; an older point never replaces a newer one', () => {
  const h = emptyHistory();
  for (const [t, v] of [[10n, 1], [30n, 3], [20n, 2], [40n, 4], [5n, 0]] as const) merge(h, local(t, v), 3);
  assert.deepEqual(h.times, [40n, 30n, 20n]);
  assert.deepEqual(h.values, [4, 3, 2]);
  assert.equal(h.complete, false, 'points were dropped off the end');
  assert.equal(merge(h, local(1n, 9), 3), 'unchanged');
  assert.deepEqual(h.times, [40n, 30n, 20n]);
});

test('an equal time keeps the higher version, as storage does; an equal version from another node is a conflict', () => {
  const h = emptyHistory();
  merge(h, local(10n, 1, 5n), 2);
  assert.equal(merge(h, local(10n, 2, 6n), 2), 'changed');
  assert.equal(merge(h, local(10n, 3, 6n), 2), 'changed', 'a later point of the same write');
  assert.deepEqual(h.values, [3]);
  assert.equal(merge(h, { timeNs: 10n, value: 4, version: 4n, replicated: true }, 2), 'unchanged', 'a lower version loses');
  assert.equal(merge(h, { timeNs: 10n, value: 5, version: 7n, replicated: true }, 2), 'changed', 'a higher version wins');
  assert.equal(merge(h, { timeNs: 10n, value: 6, version: 7n, replicated: true }, 2), 'conflict');
  assert.deepEqual(h.values, [5], 'a conflict changes nothing');
  const unknown: FieldHistory = { times: [10n], values: [1], versions: [UNKNOWN_VERSION], complete: true };
  assert.equal(merge(unknown, local(10n, 7, 1n), 2), 'changed', 'a local write is newer than anything held');
  assert.equal(merge({ ...unknown, values: [1], versions: [UNKNOWN_VERSION] }, { timeNs: 10n, value: 7, version: 9n, replicated: true }, 2), 'conflict');
});

test('the byte estimate follows what is held', () => {
  const h = emptyHistory();
  let bytes = 0;
  for (const t of [1n, 2n, 4n, 3n, 4n]) bytes += mergePoint(h, t, 'x'.repeat(Number(t) * 10), t, false, 2)!;
  assert.equal(bytes, historyBytes(h));
});

test('newestInRange is exact only when the range cannot reach points no longer held', () => {
  const h = history([[50n, 5], [40n, 4], [30n, 3]], false);
  assert.deepEqual(newestInRange(h, 0n, 100n, 2), { indexes: [0, 1], exact: true });
  assert.deepEqual(newestInRange(h, 0n, 35n, 2), { indexes: [2], exact: false }, 'older points may be in range');
  assert.deepEqual(newestInRange(h, 30n, 35n, 2), { indexes: [2], exact: true }, 'the range stops at the oldest held point');
  assert.deepEqual(newestInRange(h, 60n, 100n, 2), { indexes: [], exact: true });
  assert.deepEqual(newestInRange({ ...h, complete: true }, 0n, 35n, 2), { indexes: [2], exact: true });
  assert.deepEqual(newestInRange(undefined, 0n, 1n, 2), { indexes: [], exact: true });
});

test('valueAt tells held values, known absences and unknowns apart', () => {
  const h = history([[50n, 5], [30n, 3]], false);
  assert.deepEqual(valueAt(h, 30n), { known: true, value: 3 });
  assert.deepEqual(valueAt(h, 40n), { known: true, value: null });
  assert.deepEqual(valueAt(h, 20n), { known: false });
  assert.deepEqual(valueAt({ ...h, complete: true }, 20n), { known: true, value: null });
});

test('mergeStored: the higher version wins at equal times, the newest depth are kept, guarantees combine', () => {
  const observed = emptyHistory();
  merge(observed, local(40n, 44, 9n), 3);
  merge(observed, local(20n, 22, 9n), 3);
  merge(observed, { timeNs: 30n, value: 33, version: 1n, replicated: true }, 3);
  const merged = mergeStored(observed, history([[30n, 3, 4n], [20n, 2, 4n], [10n, 1, 4n]], true), 3)!;
  assert.deepEqual(merged.times, [40n, 30n, 20n]);
  assert.deepEqual(merged.values, [44, 3, 22], 'at 30 the stored version 4 beats the observed 1; at 20 the observed 9 wins');
  assert.equal(merged.complete, false, 'the stored point at 10 is no longer held');
  const small = mergeStored(observed, history([[30n, 3, 4n]], true), 4)!;
  assert.equal(small.complete, true);
  assert.deepEqual(mergeStored(observed, history([[40n, 44, 9n]], true), 3)?.values, [44, 33, 22], 'the same write, flushed before the read');
  assert.equal(mergeStored(observed, history([[40n, 45, 9n]], true), 3), null, 'one version, two values');
  assert.equal(mergeStored(observed, history([[40n, 45, UNKNOWN_VERSION]], true), 3), null);
});

test('property: whatever the order of writes, the history is the newest depth of the last value per time', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer()), { maxLength: 60 }), fc.integer({ min: 2, max: 6 }), (writes, depth) => {
      const h = emptyHistory();
      const truth = new Map<bigint, number>();
      writes.forEach(([t, v], i) => {
        merge(h, local(BigInt(t), v, BigInt(i + 1)), depth);
        truth.set(BigInt(t), v);
      });
      const newest = [...truth.keys()].sort((a, b) => (a > b ? -1 : 1));
      const oldestHeld = h.times[h.times.length - 1];
      // Held: a prefix of the truth, at least as long as needed to answer within the known region.
      h.times.forEach((t, i) => {
        assert.equal(t, newest[i]);
        assert.equal(h.values[i], truth.get(t));
      });
      if (h.complete) assert.equal(h.times.length, newest.length);
      else assert.ok(newest.filter((t) => t >= oldestHeld!).length === h.times.length && h.times.length === depth);
    }),
  );
});
