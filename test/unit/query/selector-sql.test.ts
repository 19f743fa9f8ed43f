// Selector SQL text: top()/bottom() rank their points once; by tag, one hashed pass keeps each
// tag combination's best point (a lambda capturing the ranked array would make it quadratic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIME_NS_SQL } from '../../../src/core/query/sql/condition-sql.js';
import { topPointsSql } from '../../../src/core/query/sql/selector-sql.js';

test('top(x, n): rank by value then earlier time, keep n, order by time', () => {
  assert.equal(
    topPointsSql({ name: 'top', valueSql: 'x', companionsSql: [], n: 3 }),
    `arraySort(p -> p.2, arraySlice(arraySort(p -> (-p.1, p.2), groupArrayIf(tuple(assumeNotNull(x), ${TIME_NS_SQL}), x IS NOT NULL)), 1, 3))`,
  );
});

test('bottom(x, tag, n): the array is ranked once and each key\'s first point in rank order kept', () => {
  const sql = topPointsSql({ name: 'bottom', valueSql: 'x', companionsSql: ['c'], tagKeySql: 'tuple(t)', n: 2 });
  const ranked = `arraySort(p -> (p.1, p.2), groupArrayIf(tuple(assumeNotNull(x), ${TIME_NS_SQL}, c, tuple(t)), x IS NOT NULL)) AS __bottom_ranked`;
  assert.equal(sql, `arraySort(p -> p.2, arraySlice(arrayFilter((p, nth) -> nth = 1, ${ranked}, arrayEnumerateUniq(arrayMap(p -> p.4, __bottom_ranked))), 1, 2))`);
  // No lambda body names the ranked array: it is only ever a function argument.
  assert.equal(/->[^,]*__bottom_ranked/.test(sql), false);
});
