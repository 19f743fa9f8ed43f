// Go 1.19's sort.Sort port: it must sort, and it must place equal values exactly where Go does,
// which the percentile-pick tests check against influxd 1.6.7's answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { goSort } from '../../../src/core/query/functions/go-sort.js';

test('sorts any input into a permutation in non-decreasing order', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 400 }), (values) => {
      const items = values.map((v, i) => ({ v, i }));
      goSort(items, (a, b) => a.v < b.v);
      for (let k = 1; k < items.length; k++) assert.ok((items[k - 1]?.v ?? 0) <= (items[k]?.v ?? 0));
      assert.deepEqual(items.map((x) => x.i).sort((a, b) => a - b), values.map((_, i) => i));
    }),
  );
});

test('short inputs use insertion sort, which keeps equal values in input order', () => {
  const items = [3, 1, 2, 1, 3].map((v, i) => ({ v, i }));
  goSort(items, (a, b) => a.v < b.v);
  assert.deepEqual(items.map((x) => x.i), [1, 3, 2, 0, 4]);
});

test('long inputs with duplicates are not stable (partitionEqual and pivots move them)', () => {
  const items = Array.from({ length: 200 }, (_, i) => ({ v: i % 3, i }));
  goSort(items, (a, b) => a.v < b.v);
  const zeros = items.filter((x) => x.v === 0).map((x) => x.i);
  assert.notDeepEqual(zeros, [...zeros].sort((a, b) => a - b));
});
