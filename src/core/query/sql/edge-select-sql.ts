// SQL for first()/last() without GROUP BY time: per group, each series' first (last) two points,
// the candidates series-edge-select.ts reduces. Pure text; it never runs a query.

import { TIME_NS_SQL } from './condition-sql.js';
import { edgeRowsSql } from './table-source.js';

export interface EdgeColumnSql {
  readonly fn: 'first' | 'last';
  /** The selected field's column SQL. */
  readonly valueSql: string;
  /** Aux values carried with each candidate point (fields and tags selected next to it). */
  readonly auxSql: readonly string[];
}

export interface EdgeSelectSqlInput {
  /** The filtered table, as a subquery. */
  readonly source: string;
  /** GROUP BY tag column SQL (`''` for a key the measurement lacks). */
  readonly tagSql: readonly string[];
  /** Per output column: an edge selector, or undefined for a column the executor fills in. */
  readonly columns: ReadonlyArray<EdgeColumnSql | undefined>;
}

/** The engine's LIMIT 1 read lets two points through, so two per series decide the heap's first pops. */
const CANDIDATES_PER_SERIES = 2;

/**
 * One row per group (__t, __g<i>, __v<i>): each edge column holds an array of (series key,
 * candidates) sorted by series key, each candidate a tuple (order key, value, aux...).
 */
export function edgeSelectSql(input: EdgeSelectSqlInput): string {
  const [only] = input.columns;
  if (input.columns.length === 1 && only !== undefined && only.auxSql.length === 0) return singleEdgeSql(input, only);
  const groups = input.tagSql.map((sql, i) => `${sql} AS __g${i}`);
  const groupNames = input.tagSql.map((_, i) => `__g${i}`);
  const inner: string[] = [...groups, '`_series` AS __s'];
  const outer: string[] = ['toInt64(0) AS __t', ...groupNames];
  input.columns.forEach((c, i) => {
    if (c === undefined) {
      outer.push(`NULL AS __v${i}`);
      return;
    }
    // Candidates sort by read order: time for first(), minus time for last().
    const key = c.fn === 'first' ? TIME_NS_SQL : `-${TIME_NS_SQL}`;
    const point = [key, c.valueSql, ...c.auxSql].join(', ');
    inner.push(`groupArraySortedIf(${CANDIDATES_PER_SERIES})(tuple(${point}), ${c.valueSql} IS NOT NULL) AS __c${i}`);
    outer.push(`arraySort(e -> e.1, groupArrayIf(tuple(__s, __c${i}), notEmpty(__c${i}))) AS __v${i}`);
  });
  const innerGroupBy = [...groupNames, '__s'].join(', ');
  let sql = `SELECT ${outer.join(', ')} FROM (SELECT ${inner.join(', ')} FROM ${input.source} GROUP BY ${innerGroupBy})`;
  if (groupNames.length > 0) sql += ` GROUP BY ${groupNames.join(', ')}`;
  sql += ` HAVING count() > 0 ORDER BY ${[...groupNames, '__t'].join(', ')}`;
  return sql;
}

/**
 * edgeSelectSql for one edge column with nothing selected next to it, in the same row layout: each
 * series' first (last) CANDIDATES_PER_SERIES non-null points come from a read in the table's sort
 * order (`_series`, `time`) cut by LIMIT BY, so ClickHouse streams the series in order and keeps no
 * per-row state, where the general form builds and sorts a tuple for every row (18× InfluxDB's
 * time for first() per host over 1M points). The source already holds only rows carrying the
 * field (the planner's filter when one field is read), so the groups are the same.
 */
function singleEdgeSql(input: EdgeSelectSqlInput, c: EdgeColumnSql): string {
  const groups = input.tagSql.map((sql, i) => `${sql} AS __g${i}`);
  const groupNames = input.tagSql.map((_, i) => `__g${i}`);
  const key = c.fn === 'first' ? TIME_NS_SQL : `-${TIME_NS_SQL}`;
  const carrying = `(SELECT * FROM ${input.source} WHERE ${c.valueSql} IS NOT NULL)`;
  // A descending read in order is slow in ClickHouse: last() first bounds the times it reads.
  const edgeRows =
    c.fn === 'first'
      ? `(SELECT * FROM ${carrying} ORDER BY \`_series\`, \`time\` LIMIT ${CANDIDATES_PER_SERIES} BY \`_series\`)`
      : edgeRowsSql(carrying, CANDIDATES_PER_SERIES, false);
  const inner = [...groups, '`_series` AS __s', `arraySort(e -> e.1, groupArray(tuple(${key}, ${c.valueSql}))) AS __c0`];
  let sql = `SELECT ${['toInt64(0) AS __t', ...groupNames, 'arraySort(e -> e.1, groupArray(tuple(__s, __c0))) AS __v0'].join(', ')}`;
  sql += ` FROM (SELECT ${inner.join(', ')} FROM ${edgeRows} GROUP BY ${[...groupNames, '__s'].join(', ')})`;
  if (groupNames.length > 0) sql += ` GROUP BY ${groupNames.join(', ')}`;
  return `${sql} HAVING count() > 0 ORDER BY ${[...groupNames, '__t'].join(', ')}`;
}

/**
 * Joins a group's edge columns (from edgeSelectSql) onto the main aggregate query's row for that
 * group, when first()/last() are selected next to other aggregates. Both sides share `__g<i>`.
 */
export function joinEdgeColumnsSql(input: { readonly mainSql: string; readonly edgeSql: string; readonly groupCount: number; readonly isEdge: readonly boolean[] }): string {
  const groups = Array.from({ length: input.groupCount }, (_, i) => `__g${i}`);
  const columns = ['__m.__t AS __t', ...groups, ...input.isEdge.map((edge, i) => `${edge ? '__e' : '__m'}.__v${i} AS __v${i}`)];
  // The edge side has a row for every group the main side has (same filter), so CROSS is safe.
  const join = groups.length > 0 ? `LEFT JOIN (${input.edgeSql}) AS __e USING (${groups.join(', ')})` : `CROSS JOIN (${input.edgeSql}) AS __e`;
  return `SELECT ${columns.join(', ')} FROM (${input.mainSql}) AS __m ${join} ORDER BY ${[...groups, '__t'].join(', ')}`;
}
