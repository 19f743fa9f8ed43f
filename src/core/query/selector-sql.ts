// SQL for the point a selector (first, last, min, max, percentile) picks: its time and the values of
// fields and tags selected next to it. Pure text; the tie rules are InfluxDB 1.6's reducers'.

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
