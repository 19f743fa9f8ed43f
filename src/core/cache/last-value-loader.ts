// Reads a measurement's newest points per series and field back from chDB for the last-value
// cache: the SQL and the decoding of its rows. Pure text and data; it never runs a query itself.

import type { MeasurementView } from '../meta/schema-view.js';
import type { FieldType, FieldValue } from '../model/point.js';
import type { SqlResult } from '../query/execute/query-port.js';
import { TIME_NS_SQL } from '../query/sql/condition-sql.js';
import { fieldStorageColumn, qualifiedTable, quoteIdent, tagColumn } from '../store/naming.js';
import type { FieldHistory } from './field-history.js';
import type { HeldEdge, StoredSeries } from './last-value-store.js';

export interface StoredLastValuesInput {
  readonly db: string;
  readonly rp: string;
  readonly measurement: MeasurementView;
  /** Points kept per series and field; one more is read to tell whether older ones exist. */
  readonly depth: number;
  /** Series read at most; one more is asked for, so a caller can tell the measurement is larger. */
  readonly maxSeries: number;
  /** The newest points (the last-value cache) or the oldest (the first-value cache, times held negated). */
  readonly edge: HeldEdge;
}

/** Fields of the measurement in the order the SQL reads them. */
function fieldOrder(measurement: MeasurementView): string[] {
  return [...measurement.fieldTypes.keys()].sort();
}

/**
 * One row per series: `_series`, its tag values (in tag key order), then per field (sorted) its
 * newest depth + 1 points as (-time, value, version), newest first (oldest: (time, value,
 * version), oldest first). FINAL: each stored (version, value) is the one every query reads, with
 * the version that chose it.
 */
export function storedLastValuesSql(input: StoredLastValuesInput): string {
  const columns = ['`_series`'];
  for (const key of input.measurement.tagKeys) columns.push(`any(${quoteIdent(tagColumn(key))})`);
  for (const field of fieldOrder(input.measurement)) {
    const stored = quoteIdent(fieldStorageColumn(field));
    const value = `tupleElement(${stored}, 2)`;
    columns.push(`groupArraySortedIf(${input.depth + 1})(tuple(${input.edge === 'oldest' ? '' : '-'}${TIME_NS_SQL}, ${value}, tupleElement(${stored}, 1)), ${value} IS NOT NULL)`);
  }
  const table = qualifiedTable(input.db, input.rp, input.measurement.name);
  return `SELECT ${columns.join(', ')} FROM ${table} FINAL GROUP BY \`_series\` LIMIT ${input.maxSeries + 1}`;
}

/** A stored cell as the field's value (64-bit integers arrive as decimal text, as points hold them). */
function fieldValue(cell: unknown, type: FieldType): FieldValue {
  switch (type) {
    case 'float':
      return typeof cell === 'number' ? cell : Number(cell);
    case 'integer':
    case 'unsigned':
      return String(cell);
    case 'boolean':
      return cell === true || cell === 1 || cell === 'true';
    case 'string':
      return String(cell);
  }
}

/** Decodes storedLastValuesSql's rows (times as the store holds them: negated for the oldest). */
export function readStoredSeries(result: SqlResult, measurement: MeasurementView, depth: number): StoredSeries[] {
  const tagKeys = measurement.tagKeys;
  const fields = fieldOrder(measurement);
  const out: StoredSeries[] = [];
  for (const row of result.rows) {
    const tags: string[] = [];
    tagKeys.forEach((key, i) => {
      const value = String(row[1 + i] ?? '');
      if (value !== '') tags.push(key, value);
    });
    const histories = new Map<string, FieldHistory>();
    fields.forEach((field, i) => {
      const points = (row[1 + tagKeys.length + i] ?? []) as ReadonlyArray<readonly unknown[]>;
      if (points.length === 0) return;
      const type = measurement.fieldTypes.get(field)!;
      const held = points.slice(0, depth);
      histories.set(field, {
        times: held.map((p) => -BigInt(String(p[0]))),
        values: held.map((p) => fieldValue(p[1], type)),
        versions: held.map((p) => BigInt(String(p[2]))),
        complete: points.length <= depth,
      });
    });
    out.push({ key: String(row[0]), tags, fields: histories });
  }
  return out;
}
