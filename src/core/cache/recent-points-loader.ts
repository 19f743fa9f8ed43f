// Reads a measurement's recent points back from chDB for the recent-points cache: the SQL and the
// decoding of its rows. Pure text and data; it never runs a query itself.

import type { MeasurementView } from '../meta/schema-view.js';
import type { FieldType } from '../model/point.js';
import type { SqlResult } from '../query/execute/query-port.js';
import { TIME_NS_SQL, timeLiteralSql } from '../query/sql/condition-sql.js';
import { MIN_TIME_NS } from '../query/language/time-literal.js';
import { fieldColumn, qualifiedTable, quoteIdent, tagColumn } from '../store/naming.js';
import { tableSourceSql } from '../query/sql/table-source.js';
import { MAX_REL_NS, numericValue, type StoredRows } from './recent-points-store.js';

/** The table's oldest and newest times and its row count (duplicates not yet merged count twice). */
export function tableBoundsSql(db: string, rp: string, measurement: string): string {
  return `SELECT toString(min(${TIME_NS_SQL})), toString(max(${TIME_NS_SQL})), count() FROM ${qualifiedTable(db, rp, measurement)}`;
}

/** Rows of the table at or after `fromNs` (duplicates not yet merged count twice). */
export function rowsSinceSql(db: string, rp: string, measurement: string, fromNs: bigint): string {
  return `SELECT count() FROM ${qualifiedTable(db, rp, measurement)} WHERE \`time\` >= ${timeLiteralSql(fromNs)}`;
}

export interface TableBounds {
  readonly oldestNs: bigint;
  readonly newestNs: bigint;
  readonly rows: number;
}

export function readTableBounds(result: SqlResult): TableBounds | undefined {
  const row = result.rows[0];
  const rows = Number(row?.[2] ?? 0);
  if (row === undefined || rows === 0) return undefined;
  return { oldestNs: BigInt(String(row[0])), newestNs: BigInt(String(row[1])), rows };
}

/** What a load holds: every point from `coverFromNs` (MIN_TIME_NS: all), times relative to `baseNs`. */
export interface LoadCover {
  readonly coverFromNs: bigint;
  readonly baseNs: bigint;
}

/**
 * The newest `windowNs` of the table (all of it when it is shorter), never further from the base
 * (its newest point) than a double holds exactly. An empty table is held whole from now on.
 */
export function loadCover(bounds: TableBounds | undefined, windowNs: bigint, nowNs: bigint): LoadCover {
  if (bounds === undefined) return { coverFromNs: MIN_TIME_NS, baseNs: nowNs };
  const reach = windowNs < BigInt(MAX_REL_NS / 2) ? windowNs : BigInt(MAX_REL_NS / 2);
  const from = bounds.newestNs - reach;
  return { coverFromNs: bounds.oldestNs >= from ? MIN_TIME_NS : from, baseNs: bounds.newestNs };
}

function fieldOrder(measurement: MeasurementView): string[] {
  return [...measurement.fieldTypes.keys()].sort();
}

/**
 * `_series`, its tags (in tag key order), the time and every field (sorted; integers as text) of
 * the rows in [fromNs, toNs), by series and time. FINAL: each row as every query reads it.
 */
export function recentRowsSql(db: string, rp: string, measurement: MeasurementView, fromNs: bigint, toNs: bigint): string {
  const columns = ['`_series`', ...measurement.tagKeys.map((k) => quoteIdent(tagColumn(k))), `toString(${TIME_NS_SQL})`];
  const fields = fieldOrder(measurement);
  for (const field of fields) {
    const column = quoteIdent(fieldColumn(field));
    columns.push(measurement.fieldTypes.get(field) === 'integer' ? `toString(${column})` : column);
  }
  const where = [`\`time\` >= ${timeLiteralSql(fromNs)}`, `\`time\` < ${timeLiteralSql(toNs)}`];
  const source = tableSourceSql({ db, rp, measurement: measurement.name, fields, where, final: true });
  return `SELECT ${columns.join(', ')} FROM ${source} ORDER BY \`_series\`, \`time\``;
}

/** Time slices of [fromNs, toNs] that each hold about `rowsPerSlice` of `rows` (evenly spread). */
export function loadSlices(fromNs: bigint, toNs: bigint, rows: number, rowsPerSlice: number): Array<readonly [bigint, bigint]> {
  const count = BigInt(Math.max(1, Math.ceil(rows / rowsPerSlice)));
  const end = toNs + 1n;
  const span = end - fromNs;
  const out: Array<readonly [bigint, bigint]> = [];
  for (let i = 0n; i < count; i++) {
    const start = fromNs + (span * i) / count;
    const stop = i === count - 1n ? end : fromNs + (span * (i + 1n)) / count;
    if (stop > start) out.push([start, stop]);
  }
  return out;
}

function heldValue(cell: unknown, type: FieldType): number | string | boolean | null {
  if (cell === null || cell === undefined) return null;
  if (type === 'string') return String(cell);
  if (type === 'boolean') return cell === true || cell === 1 || cell === 'true';
  const n = numericValue(type, type === 'float' && typeof cell === 'string' ? Number(cell) : cell);
  if (n === undefined) throw new Error(`a stored ${type} value cannot be held exactly`);
  return n;
}

/** Adds recentRowsSql's rows to `into` (series by key; rows arrive by series, then time). */
export function readRecentRows(result: SqlResult, measurement: MeasurementView, into: Map<string, StoredRows>): void {
  const tagKeys = measurement.tagKeys;
  const fields = fieldOrder(measurement);
  const types = fields.map((f) => measurement.fieldTypes.get(f)!);
  const timeAt = 1 + tagKeys.length;
  let current: StoredRows | undefined;
  for (const row of result.rows) {
    const key = String(row[0]);
    if (current?.key !== key) {
      current = into.get(key);
      if (current === undefined) {
        const pairs: Array<[string, string]> = [];
        tagKeys.forEach((k, i) => {
          const value = String(row[1 + i] ?? '');
          if (value !== '') pairs.push([k, value]);
        });
        pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        const columns = new Map(fields.map((f, i) => [f, { type: types[i]!, values: [] as Array<number | string | boolean | null> }]));
        current = { key, tags: pairs.flat(), times: [], fields: columns };
        into.set(key, current);
      }
    }
    (current.times as bigint[]).push(BigInt(String(row[timeAt])));
    fields.forEach((field, i) => {
      (current!.fields.get(field)!.values as Array<number | string | boolean | null>).push(heldValue(row[timeAt + 1 + i], types[i]!));
    });
  }
}
