// InfluxDB's sorted merge heap: rows of equal time come out in container/heap order, reproduced exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSeriesRows, mergeSeriesRowsLazily } from '../../../src/core/query/execute/series-merge-order.js';

type Row = readonly [bigint, string, string?];
const options = (ascending: boolean) => ({ ascending, timeOf: (r: Row) => r[0], auxOf: (r: Row) => (r[2] === undefined ? [] : [r[2]]) });
const names = (rows: readonly Row[]) => rows.map((r) => `${r[0]}:${r[1]}`);

test('equal times follow the heap shape, not series order (SELECT * FROM cpu LIMIT 5)', () => {
  const series: Row[][] = [
    [[0n, 's1'], [10n, 's1']],
    [[0n, 's2'], [10n, 's2']],
    [[0n, 's3'], [10n, 's3']],
    [[0n, 's4'], [10n, 's4']],
    [[600n, 's5']],
  ];
  const out = mergeSeriesRows(series.map((rows) => ({ rows })), options(true));
  assert.deepEqual(names(out).slice(0, 4), ['0:s1', '0:s2', '0:s4', '0:s3']);
});

test('a series without rows changes the order of the others', () => {
  const series: Row[][] = [
    [[0n, 's1'], [10n, 's1']],
    [[0n, 's2'], [10n, 's2']],
    [[0n, 's3'], [10n, 's3']],
    [[0n, 's4'], [10n, 's4']],
    [],
  ];
  const out = mergeSeriesRows(series.map((rows) => ({ rows })), options(true));
  assert.deepEqual(names(out).slice(0, 4), ['0:s1', '0:s4', '0:s2', '0:s3']);
  assert.equal(out.length, 8);
});

test('string aux values break ties; descending reverses time and aux order', () => {
  const series: Row[][] = [[[0n, 'a', 'xfs']], [[0n, 'b', 'ext4']]];
  assert.deepEqual(names(mergeSeriesRows(series.map((rows) => ({ rows })), options(true))), ['0:b', '0:a']);
  const desc: Row[][] = [[[10n, 'a', 'x'], [0n, 'a', 'x']], [[10n, 'b', 'y'], [0n, 'b', 'y']]];
  assert.deepEqual(names(mergeSeriesRows(desc.map((rows) => ({ rows })), options(false))), ['10:b', '10:a', '0:b', '0:a']);
});

test('the lazy merge yields the same rows one at a time', () => {
  const series: Row[][] = [
    [[0n, 's1', 'b'], [10n, 's1']],
    [[0n, 's2', 'a'], [5n, 's2'], [10n, 's2']],
    [[10n, 's3']],
  ];
  for (const ascending of [true, false]) {
    const cursors = series.map((rows) => ({ rows: ascending ? rows : rows.slice().reverse() }));
    const lazily = mergeSeriesRowsLazily(cursors, options(ascending));
    const first = lazily.next();
    assert.equal(first.done, false);
    assert.deepEqual([first.value, ...lazily], mergeSeriesRows(cursors, options(ascending)));
  }
});
