// Selector SQL text: top()/bottom() rank their points once; by tag, one hashed pass keeps each
// tag combination's best point (a lambda capturing the ranked array would make it quadratic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIME_NS_SQL } from '../../../src/core/query/sql/condition-sql.js';
import { TOP_BOUNDED_POINTS_MAX, topPointsSql } from '../../../src/core/query/sql/selector-sql.js';

/** The kept points in rank order, sorted by time with equal times in rank order (InfluxDB emits best first, then sorts stably by time). */
const byTime = (name: string, kept: string): string => `arraySort((p, rank) -> (p.2, rank), ${kept} AS __${name}_kept, arrayEnumerate(__${name}_kept))`;

test('top(x, n): rank by value then earlier time, keep n, order by time then rank', () => {
  assert.equal(
    topPointsSql({ name: 'top', valueSql: 'x', companionsSql: [], n: 3 }),
    byTime('top', `arraySlice(arraySort(p -> (-p.1, p.2), groupArrayIf(tuple(assumeNotNull(x), ${TIME_NS_SQL}), x IS NOT NULL)), 1, 3)`),
  );
});

test('bottom(x, tag, n): the array is ranked once and each key\'s first point in rank order kept', () => {
  const sql = topPointsSql({ name: 'bottom', valueSql: 'x', companionsSql: ['c'], tagKeySql: 'tuple(t)', n: 2 });
  const ranked = `arraySort(p -> (p.1, p.2), groupArrayIf(tuple(assumeNotNull(x), ${TIME_NS_SQL}, c, tuple(t)), x IS NOT NULL)) AS __bottom_ranked`;
  assert.equal(sql, byTime('bottom', `arraySlice(arrayFilter((p, nth) -> nth = 1, ${ranked}, arrayEnumerateUniq(arrayMap(p -> p.4, __bottom_ranked))), 1, 2)`));
  // No lambda body names the ranked array: it is only ever a function argument.
  assert.equal(/->[^,]*__bottom_ranked/.test(sql), false);
});

test('top/bottom of a numeric field alone keep n points per group as they read, ranked by a reversible key', () => {
  const T = TIME_NS_SQL;
  assert.equal(
    topPointsSql({ name: 'top', valueSql: 'x', companionsSql: [], n: 3, valueType: 'float' }),
    byTime('top', `arrayMap(p -> (-p.1, p.2), groupArraySortedIf(3)(tuple(-assumeNotNull(x), ${T}), x IS NOT NULL))`),
  );
  // Integers reverse with bitwise not: no overflow at the type's ends, and the type is kept.
  for (const valueType of ['integer', 'unsigned']) {
    assert.equal(
      topPointsSql({ name: 'top', valueSql: 'x', companionsSql: [], n: 2, valueType }),
      byTime('top', `arrayMap(p -> (bitNot(p.1), p.2), groupArraySortedIf(2)(tuple(bitNot(assumeNotNull(x)), ${T}), x IS NOT NULL))`),
    );
  }
  assert.equal(
    topPointsSql({ name: 'bottom', valueSql: 'x', companionsSql: [], n: 4, valueType: 'integer' }),
    byTime('bottom', `groupArraySortedIf(4)(tuple(assumeNotNull(x), ${T}), x IS NOT NULL)`),
  );
});

test('top/bottom with tags, companions, a huge n or an unknown type sort the group\'s points whole', () => {
  const whole = (sql: string): boolean => sql.includes('groupArrayIf(') && !sql.includes('groupArraySorted');
  assert.ok(whole(topPointsSql({ name: 'top', valueSql: 'x', companionsSql: ['c'], n: 3, valueType: 'float' })));
  assert.ok(whole(topPointsSql({ name: 'top', valueSql: 'x', companionsSql: [], tagKeySql: 'tuple(t)', n: 3, valueType: 'float' })));
  assert.ok(whole(topPointsSql({ name: 'bottom', valueSql: 'x', companionsSql: [], n: TOP_BOUNDED_POINTS_MAX + 1, valueType: 'float' })));
  assert.ok(whole(topPointsSql({ name: 'top', valueSql: 'x', companionsSql: [], n: 3 })));
  assert.ok(whole(topPointsSql({ name: 'bottom', valueSql: 'x', companionsSql: [], n: 3, valueType: 'string' })));
});
