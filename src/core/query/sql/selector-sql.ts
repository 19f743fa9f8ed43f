// SQL for the points a selector (first, last, min, max, percentile, top, bottom) picks: their times and
// the values of fields and tags selected next to them. Pure text; the tie rules are InfluxDB 1.6's reducers'.

import { numberSql, TIME_NS_SQL } from './condition-sql.js';

export type SelectorName = 'first' | 'last' | 'min' | 'max' | 'percentile';

export interface SelectorSqlInput {
  readonly name: SelectorName;
  /** The selected field's column SQL. */
  readonly valueSql: string;
  /** percentile()'s argument. */
  readonly percent?: number;
}

/**
 * percentile(): the point at 1-based rank floor(n * p / 100 + 0.5) of the non-null points sorted by
 * value (then time), as a tuple (value, time, extra...); NULL when the rank falls outside.
 */
export function percentileTupleSql(valueSql: string, percent: number, extra: readonly string[] = []): string {
  const x = valueSql;
  const idx = `toInt64(floor(count(${x}) * ${numberSql(percent)} / 100 + 0.5))`;
  const point = [`assumeNotNull(${x})`, TIME_NS_SQL, ...extra].join(', ');
  const sorted = `arraySort(groupArrayIf(tuple(${point}), ${x} IS NOT NULL))`;
  return `if(${idx} >= 1 AND ${idx} <= count(${x}), toNullable(arrayElement(${sorted}, ${idx})), NULL)`;
}

/**
 * argMax ordering of the winning point: max keeps the larger value then the earlier time, min the
 * smaller value then the earlier time, first the earlier time then the larger value, last the later.
 */
function winnerOrder(name: Exclude<SelectorName, 'percentile'>, x: string): { fn: 'argMaxIf' | 'argMinIf'; key: string } {
  switch (name) {
    case 'max':
      return { fn: 'argMaxIf', key: `tuple(${x}, -${TIME_NS_SQL})` };
    case 'min':
      return { fn: 'argMinIf', key: `tuple(${x}, ${TIME_NS_SQL})` };
    case 'first':
      return { fn: 'argMaxIf', key: `tuple(-${TIME_NS_SQL}, ${x})` };
    case 'last':
      return { fn: 'argMaxIf', key: `tuple(${TIME_NS_SQL}, ${x})` };
  }
}

/** The selected points' values of `columnsSql` (wrapped in a tuple so NULLs are kept, not skipped). */
function pickSql(name: Exclude<SelectorName, 'percentile'>, x: string, columnsSql: readonly string[]): string {
  const { fn, key } = winnerOrder(name, x);
  return `${fn}(tuple(${columnsSql.join(', ')}), ${key}, ${x} IS NOT NULL)`;
}

/** The selected point's time (ns). */
export function selectorTimeSql(input: SelectorSqlInput): string {
  if (input.name === 'percentile') return `${percentileTupleSql(input.valueSql, input.percent ?? 0)}.2`;
  return `${pickSql(input.name, input.valueSql, [TIME_NS_SQL])}.1`;
}

/** The value of `auxSql` (a field or tag) at the selected point. */
export function selectedAuxSql(input: SelectorSqlInput, auxSql: string): string {
  if (input.name === 'percentile') return `${percentileTupleSql(input.valueSql, input.percent ?? 0, [auxSql])}.3`;
  return `${pickSql(input.name, input.valueSql, [auxSql])}.1`;
}

export interface PercentilePickSqlInput {
  readonly valueSql: string;
  readonly percent: number;
  /** Fields and tags selected next to percentile(), carried with each point. */
  readonly auxSql: readonly string[];
  /** Most points shipped for an exact tie break. */
  readonly exactPointsMax: number;
}

/**
 * A lone percentile(): tuple(picked point (value, time, aux...) in SQL's (value, time) order or NULL,
 * and, only when other points share the picked value, every point as (series key, time, value,
 * aux...) sorted by series and time, so percentile-pick.ts can order ties as InfluxDB does).
 */
export function percentilePickSql(input: PercentilePickSqlInput): string {
  const x = input.valueSql;
  const n = `count(${x})`;
  const idx = `toInt64(floor(${n} * ${numberSql(input.percent)} / 100 + 0.5))`;
  const inRange = `${idx} >= 1 AND ${idx} <= ${n}`;
  const sorted = '__percentile_sorted';
  const point = [`assumeNotNull(${x})`, TIME_NS_SQL, ...input.auxSql].join(', ');
  const pick = `if(${inRange}, toNullable(arrayElement((arraySort(groupArrayIf(tuple(${point}), ${x} IS NOT NULL)) AS ${sorted}), ${idx})), NULL)`;
  const tied = `arrayCount(p -> p.1 = arrayElement(${sorted}, ${idx}).1, ${sorted}) > 1`;
  const stream = `arraySort(e -> (e.1, e.2), groupArrayIf(tuple(\`_series\`, ${[TIME_NS_SQL, x, ...input.auxSql].join(', ')}), ${x} IS NOT NULL))`;
  return `tuple(${pick}, if(${inRange} AND ${n} <= ${input.exactPointsMax} AND ${tied}, ${stream}, []))`;
}

/**
 * mode() with its exact tie break: tuple(the value from SQL's (value, time) order, and, when some
 * value repeats and the group is small enough, every point as (series key, time, value) sorted by
 * series and time for mode-pick.ts).
 */
export function modePickSql(valueSql: string, foldSql: string, exactPointsMax: number): string {
  const x = valueSql;
  const stream = `arraySort(e -> (e.1, e.2), groupArrayIf(tuple(\`_series\`, ${TIME_NS_SQL}, assumeNotNull(${x})), ${x} IS NOT NULL))`;
  return `tuple(${foldSql}, if(count(${x}) <= ${exactPointsMax} AND uniqExact(${x}) < count(${x}), ${stream}, []))`;
}

export interface TopPointsSqlInput {
  readonly name: 'top' | 'bottom';
  readonly valueSql: string;
  /** Plain fields selected next to the call: carried in each point after (value, time). */
  readonly companionsSql: readonly string[];
  /** The call's tag arguments as one tuple: at most one point per distinct tuple. */
  readonly tagKeySql?: string;
  readonly n: number;
  /** The selected field's type, when known: numeric fields rank with a bounded aggregate. */
  readonly valueType?: string;
}

/** Largest n ranked with groupArraySorted (it keeps n points per group in memory); above, the group's points are sorted whole. */
export const TOP_BOUNDED_POINTS_MAX = 10_000;

/**
 * An order-reversing map of a numeric type, its own inverse, that never overflows: negation for
 * floats, bitwise not for integers (-x - 1 for Int64, 2^64 - 1 - x for UInt64).
 */
function reversedSql(type: string | undefined, x: string): string | undefined {
  if (type === 'float') return `-${x}`;
  if (type === 'integer' || type === 'unsigned') return `bitNot(${x})`;
  return undefined;
}

/**
 * top()/bottom() of a numeric field alone (no tags, nothing selected next to it): groupArraySorted
 * keeps each group's n smallest (rank key, time) pairs as it reads, instead of collecting and
 * sorting every point. The rank key is the value (bottom) or its reversal (top), so the order and
 * the time tie break are those of the sort below, and equal pairs print alike.
 */
function boundedTopPointsSql(input: TopPointsSqlInput): string | undefined {
  if (input.tagKeySql !== undefined || input.companionsSql.length > 0 || input.n > TOP_BOUNDED_POINTS_MAX) return undefined;
  const x = input.valueSql;
  const value = `assumeNotNull(${x})`;
  if (input.name === 'bottom') {
    if (reversedSql(input.valueType, value) === undefined) return undefined;
    return byTimeThenRank(`groupArraySortedIf(${input.n})(tuple(${value}, ${TIME_NS_SQL}), ${x} IS NOT NULL)`, input.name);
  }
  const key = reversedSql(input.valueType, value);
  const back = reversedSql(input.valueType, 'p.1');
  if (key === undefined || back === undefined) return undefined;
  return byTimeThenRank(`arrayMap(p -> (${back}, p.2), groupArraySortedIf(${input.n})(tuple(${key}, ${TIME_NS_SQL}), ${x} IS NOT NULL))`, input.name);
}

/**
 * The kept points (value, time, ...) in rank order, re-sorted by time; equal times keep their rank
 * order (InfluxDB's reducer emits its points best first and its output sorts them by time stably).
 * The alias names the array once (top/bottom is a statement's only function, so it is unique).
 */
function byTimeThenRank(rankedSql: string, name: 'top' | 'bottom'): string {
  const alias = `__${name}_kept`;
  return `arraySort((p, rank) -> (p.2, rank), ${rankedSql} AS ${alias}, arrayEnumerate(${alias}))`;
}

/**
 * top()/bottom(): the n largest (smallest) points as (value, time, companions..., [tag key]) sorted
 * by time; ties go to the earlier time. With tag arguments each tag combination contributes only
 * its best point: the first of its key in rank order, found by arrayEnumerateUniq in one hashed
 * pass over the array ranked once. (A lambda that captures the ranked array would copy it for
 * every element: quadratic.)
 */
export function topPointsSql(input: TopPointsSqlInput): string {
  const bounded = boundedTopPointsSql(input);
  if (bounded !== undefined) return bounded;
  const x = input.valueSql;
  const point = [`assumeNotNull(${x})`, TIME_NS_SQL, ...input.companionsSql, ...(input.tagKeySql !== undefined ? [input.tagKeySql] : [])].join(', ');
  const order = input.name === 'top' ? 'p -> (-p.1, p.2)' : 'p -> (p.1, p.2)';
  let ranked = `arraySort(${order}, groupArrayIf(tuple(${point}), ${x} IS NOT NULL))`;
  if (input.tagKeySql !== undefined) {
    const key = 3 + input.companionsSql.length;
    const alias = `__${input.name}_ranked`;
    ranked = `arrayFilter((p, nth) -> nth = 1, ${ranked} AS ${alias}, arrayEnumerateUniq(arrayMap(p -> p.${key}, ${alias})))`;
  }
  return byTimeThenRank(`arraySlice(${ranked}, 1, ${input.n})`, input.name);
}
