// Result rows of picked selectors: the executor turns SQL candidate cells into the value, the
// point's aux columns and, for a lone selector, the row time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolvePickedRow } from '../../../src/core/query/execute/picked-point-row.js';

test('a lone last() with an aux tag takes the picked point\'s time and tag', () => {
  const row: unknown[] = [0n, [['cpu,host=a', [[-20n, 1.5, 'a']]], ['cpu,host=b', [[-20n, 2.5, 'b'], [-10n, 9, 'b']]]], null];
  resolvePickedRow(row, [{ pick: { kind: 'last', auxCompareOrder: [0] } }, { auxOf: { column: 0, index: 0 } }], { shardGroupNs: 0n, pointTime: true });
  assert.deepEqual(row, [20n, 2.5, 'b']);
});

test('percentile uses SQL\'s pick unless tied points were shipped', () => {
  const sqlPick: unknown[] = [0n, [[7, '30', 'x'], []], null];
  resolvePickedRow(sqlPick, [{ pick: { kind: 'percentile', auxCompareOrder: [0], percent: 50 } }, { auxOf: { column: 0, index: 0 } }], { shardGroupNs: 0n, pointTime: true });
  assert.deepEqual(sqlPick, [30n, 7, 'x']);
  const none: unknown[] = [0n, [null, []]];
  resolvePickedRow(none, [{ pick: { kind: 'percentile', auxCompareOrder: [], percent: 0 } }], { shardGroupNs: 0n, pointTime: true });
  assert.deepEqual(none, [0n, null]);
});
