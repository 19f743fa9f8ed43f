// FROM clauses over a measurement's table: FINAL (the merge of rows sharing a series and
// timestamp) only when the table's parts may hold such duplicates. Never drops a filter or a row.

import type { MeasurementView } from '../../meta/schema-view.js';
import type { Expr } from '../language/ast.js';
import { fieldColumn, fieldValueSql, qualifiedTable, quoteIdent } from '../../store/naming.js';

export interface TableSourceInput {
  readonly db: string;
  readonly rp: string;
  readonly measurement: string;
  /**
   * The fields the statement reads (fieldsRead): each becomes a column `f_<field>` holding its
   * value. Every other field stays out, so a query of a wide table resolves only what it reads.
   */
  readonly fields: Iterable<string>;
  /** Conditions over the source's columns; applied after the merge, as with FINAL. */
  readonly where: readonly string[];
  /**
   * Whether to merge duplicates with FINAL: the query reads field columns (tags are fixed per
   * series and time is in the key, so reads of those alone never need it) and the table's parts
   * may hold one (series, time) twice (the read scope of the statement knows).
   */
  readonly final: boolean;
}

/**
 * The table as a subquery, filtered: time, the series key, every tag column and the fields asked
 * for, each read from its stored (version, value) column.
 */
export function tableSourceSql(input: TableSourceInput): string {
  const table = qualifiedTable(input.db, input.rp, input.measurement);
  let columns = "`time`, `_series`, COLUMNS('^t_')";
  for (const field of input.fields) columns += `, ${fieldValueSql(field)} AS ${quoteIdent(fieldColumn(field))}`;
  const filter = input.where.length > 0 ? ` WHERE ${input.where.join(' AND ')}` : '';
  return `(SELECT ${columns} FROM ${table}${input.final ? ' FINAL' : ''}${filter})`;
}

/**
 * The measurement's fields that expressions (select fields, conditions) may name: every
 * reference that is not a tag, and every field where a wildcard or a field regex is left
 * unexpanded (the planner expands them; this stays right if one is not).
 */
export function fieldsRead(exprs: ReadonlyArray<Expr | undefined>, measurement: MeasurementView): Set<string> {
  const fields = new Set<string>();
  const visit = (expr: Expr): void => {
    switch (expr.kind) {
      case 'var-ref':
      case 'distinct':
        if ((expr.kind === 'distinct' || expr.type !== 'tag') && measurement.fieldTypes.has(expr.name)) fields.add(expr.name);
        return;
      case 'call':
        expr.args.forEach(visit);
        return;
      case 'binary':
        // A regex compared with (=~, !~) is a value; only a regex standing for fields names them.
        if (expr.lhs.kind !== 'regex') visit(expr.lhs);
        if (expr.rhs.kind !== 'regex') visit(expr.rhs);
        return;
      case 'paren':
        visit(expr.expr);
        return;
      case 'wildcard':
      case 'regex':
        for (const name of measurement.fieldTypes.keys()) fields.add(name);
        return;
      case 'number':
      case 'integer':
      case 'unsigned':
      case 'string':
      case 'boolean':
      case 'duration':
      case 'nil':
        return;
    }
  };
  for (const expr of exprs) if (expr !== undefined) visit(expr);
  return fields;
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
