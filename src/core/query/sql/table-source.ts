// FROM clauses over a measurement's table: FINAL (the anyLast merge of rows sharing a series and
// timestamp) only when the table's parts may hold such duplicates. Never drops a filter or a row.

import { qualifiedTable } from '../../store/naming.js';

export interface TableSourceInput {
  readonly db: string;
  readonly rp: string;
  readonly measurement: string;
  /** Conditions over the table's own columns; applied after the merge, as with FINAL. */
  readonly where: readonly string[];
  /**
   * Whether to merge duplicates with FINAL: the query reads field columns (tags are fixed per
   * series and time is in the key, so reads of those alone never need it) and the table's parts
   * may hold one (series, time) twice (the read scope of the statement knows).
   */
  readonly final: boolean;
}

/** The table as a subquery, filtered. */
export function tableSourceSql(input: TableSourceInput): string {
  const table = qualifiedTable(input.db, input.rp, input.measurement);
  const filter = input.where.length > 0 ? ` WHERE ${input.where.join(' AND ')}` : '';
  return `(SELECT * FROM ${table}${input.final ? ' FINAL' : ''}${filter})`;
}

/**
 * Largest per-series row count bounded with groupArraySorted (ClickHouse refuses more than
 * 16,777,215, and the bound saves little at that size): above it edgeRowsSql reads the source whole.
 */
export const EDGE_BOUND_ROWS_MAX = 1_000_000;

/**
 * Rows of `source` that can survive a per-series LIMIT of `perSeries` rows in time order: each
 * series' first (or last) `perSeries` times. InfluxDB's merge of raw rows depends on every
 * series' leading rows, so the bound is per series: a scalar first finds the loosest such time
 * over all series (grouping by the sort key's `_series`, which reads faster than grouping by
 * every tag column), so the ordered read only touches the parts and granules at the data's edge.
 * Past EDGE_BOUND_ROWS_MAX rows per series the LIMIT BY alone bounds the rows.
 */
export function edgeRowsSql(source: string, perSeries: number, ascending: boolean): string {
  const ns = 'toUnixTimestamp64Nano(`time`)';
  const groupBy = ' GROUP BY `_series`';
  const order = ` ORDER BY \`_series\`, \`time\`${ascending ? '' : ' DESC'} LIMIT ${limitCountSql(perSeries)} BY \`_series\``;
  if (perSeries > EDGE_BOUND_ROWS_MAX) return `(SELECT * FROM ${source}${order})`;
  const bound = ascending
    ? `(SELECT max(b) FROM (SELECT arrayElement(groupArraySorted(${perSeries})(${ns}), -1) AS b FROM ${source}${groupBy}))`
    : `(SELECT min(b) FROM (SELECT -arrayElement(groupArraySorted(${perSeries})(-${ns}), -1) AS b FROM ${source}${groupBy}))`;
  const edge = `\`time\` ${ascending ? '<=' : '>='} fromUnixTimestamp64Nano(toInt64(${bound}), 'UTC')`;
  return `(SELECT * FROM ${source} WHERE ${edge}${order})`;
}

/** A LIMIT count as SQL digits: exact for any safe integer, and past 2^53 still a whole number. */
export function limitCountSql(n: number): string {
  if (!(n >= 0)) throw new RangeError(`limit count must be >= 0, got ${n}`);
  return Number.isSafeInteger(n) ? String(n) : BigInt(Math.min(n, 2 ** 63)).toString();
}
