// FROM clauses over a measurement's table: FINAL (the anyLast merge of rows sharing a series and
// timestamp) only when the table's parts may hold such duplicates. Never drops a filter or a row.

import { chDatabaseName, chTableName, qualifiedTable, quoteString } from '../store/naming.js';

export interface TableSourceInput {
  readonly db: string;
  readonly rp: string;
  readonly measurement: string;
  /** Conditions over the table's own columns; applied after the merge, as with FINAL. */
  readonly where: readonly string[];
  /**
   * Whether a query reads field columns (or filters on them). Tags are fixed per series and time
   * is part of the key, so queries reading only those need no merge at all.
   */
  readonly readsFields: boolean;
}

/**
 * A scalar SQL boolean: whether the table's active parts may hold one (series, time) twice.
 * Each flush writes one part free of duplicates and merges keep that, so a duplicate needs two
 * parts whose time ranges overlap. system.parts reports those ranges in whole seconds, floored
 * (a conservative overlap test), and wraps times outside DateTime's 1970–2106, so a part in a
 * partition outside that span counts as overlapping.
 */
export function mayHoldDuplicatesSql(db: string, rp: string, measurement: string): string {
  const where = `database = ${quoteString(chDatabaseName(db, rp))} AND table = ${quoteString(chTableName(measurement))} AND active`;
  const overlap = 'arrayExists((p, i) -> i > 1 AND p.1 <= arrayMax(arrayMap(q -> q.2, arraySlice(s, 1, i - 1))), s, arrayEnumerate(s))';
  return (
    `(SELECT untrusted > 0 OR ${overlap} FROM (SELECT countIf(NOT (\`partition\` > '1970-01-04' AND \`partition\` < '2106-01-01')) AS untrusted,` +
    ` arraySort(groupArray(tuple(min_time, max_time))) AS s FROM system.parts WHERE ${where}))`
  );
}

/**
 * The table as a subquery: a UNION of a FINAL branch and a plain branch, exactly one of which
 * reads (the other's filter is a constant false once the scalar guard is evaluated).
 */
export function tableSourceSql(input: TableSourceInput): string {
  const table = qualifiedTable(input.db, input.rp, input.measurement);
  const filter = input.where.length > 0 ? ` WHERE ${input.where.join(' AND ')}` : '';
  if (!input.readsFields) return `(SELECT * FROM ${table}${filter})`;
  const guard = mayHoldDuplicatesSql(input.db, input.rp, input.measurement);
  const and = input.where.length > 0 ? ` AND ${input.where.join(' AND ')}` : '';
  return `(SELECT * FROM ${table} FINAL WHERE ${guard}${and} UNION ALL SELECT * FROM ${table} WHERE NOT ${guard}${and})`;
}

/**
 * Rows of `source` that can survive a per-series LIMIT of `perSeries` rows in time order: each
 * series' first (or last) `perSeries` times. A scalar first finds the loosest such time bound over
 * all series (grouping by every tag column, cheap LowCardinality reads, instead of the long series
 * key), so the ordered read only touches the parts and granules at the data's edge.
 */
export function edgeRowsSql(source: string, perSeries: number, ascending: boolean, tagColumns: readonly string[]): string {
  const ns = 'toUnixTimestamp64Nano(`time`)';
  const groupBy = tagColumns.length > 0 ? ` GROUP BY ${tagColumns.join(', ')}` : '';
  const bound = ascending
    ? `(SELECT max(b) FROM (SELECT arrayElement(groupArraySorted(${perSeries})(${ns}), -1) AS b FROM ${source}${groupBy}))`
    : `(SELECT min(b) FROM (SELECT -arrayElement(groupArraySorted(${perSeries})(-${ns}), -1) AS b FROM ${source}${groupBy}))`;
  const edge = `\`time\` ${ascending ? '<=' : '>='} fromUnixTimestamp64Nano(toInt64(${bound}), 'UTC')`;
  return `(SELECT * FROM ${source} WHERE ${edge} ORDER BY \`_series\`, \`time\`${ascending ? '' : ' DESC'} LIMIT ${perSeries} BY \`_series\`)`;
}
