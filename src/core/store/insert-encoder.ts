// Turns the points of one table into one TSV payload for a single bulk insert.
// Duplicate points (same series and time) are merged here, last write wins per field.

import type { FieldType, FieldValue, Point } from '../model/point.js';
import { fieldColumn, tagColumn } from './naming.js';

export interface EncodedInsert {
  readonly columns: readonly string[];
  readonly payload: Buffer;
  readonly rows: number;
  readonly tagKeys: readonly string[];
  readonly fields: ReadonlyArray<readonly [string, FieldType]>;
}

/** The canonical series key: measurement plus sorted tags, escaped as in line protocol. */
export function seriesKey(point: Point): string {
  let key = escapeKey(point.measurement, false);
  const tags = point.tags;
  for (let i = 0; i < tags.length; i += 2) {
    key += ',' + escapeKey(tags[i]!, true) + '=' + escapeKey(tags[i + 1]!, true);
  }
  return key;
}

function escapeKey(text: string, escapeEquals: boolean): string {
  if (!/[,= \\]/.test(text)) return text;
  return text.replace(escapeEquals ? /[,= ]/g : /[, ]/g, (c) => '\\' + c);
}

export function escapeTsv(text: string): string {
  if (!/[\\\t\n\r\0]/.test(text)) return text;
  return text.replace(/[\\\t\n\r\0]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\0'));
}

function formatValue(value: FieldValue, type: FieldType): string {
  switch (type) {
    case 'float':
      return String(value);
    case 'integer':
    case 'unsigned':
      return value as string;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return escapeTsv(value as string);
  }
}

/**
 * Encodes points (all of one measurement, in WAL order) into one insert. Rows are merged per
 * (series, time) with later points overwriting earlier fields; output order is first appearance.
 */
export function encodeInsert(points: readonly Point[], fieldTypes: ReadonlyMap<string, FieldType>): EncodedInsert {
  // Pass 1: columns, and for every point the row it lands in (duplicates share one row).
  const tagIndex = new Map<string, number>();
  const fieldIndex = new Map<string, number>();
  const rowOf = new Int32Array(points.length);
  const rowPoint: number[] = [];
  const rowSeries: string[] = [];
  const rowsBySeries = new Map<string, Map<bigint, number>>();
  let duplicates = false;
  for (let p = 0; p < points.length; p++) {
    const point = points[p]!;
    for (let i = 0; i < point.tags.length; i += 2) if (!tagIndex.has(point.tags[i]!)) tagIndex.set(point.tags[i]!, tagIndex.size);
    for (const key of point.fieldKeys) if (!fieldIndex.has(key)) fieldIndex.set(key, fieldIndex.size);
    const series = seriesKey(point);
    const timeNs = point.timeNs ?? 0n;
    let byTime = rowsBySeries.get(series);
    if (!byTime) rowsBySeries.set(series, (byTime = new Map()));
    const existing = byTime.get(timeNs);
    if (existing === undefined) {
      byTime.set(timeNs, rowPoint.length);
      rowOf[p] = rowPoint.length;
      rowPoint.push(p);
      rowSeries.push(series);
    } else {
      rowOf[p] = existing;
      duplicates = true;
    }
  }
  const tagKeys = [...tagIndex.keys()].sort();
  const fieldKeys = [...fieldIndex.keys()].sort();
  const tagSlot = new Map(tagKeys.map((key, i) => [key, i]));
  const fieldSlot = new Map(fieldKeys.map((key, i) => [key, i]));
  const fields: Array<[string, FieldType]> = fieldKeys.map((key) => {
    const type = fieldTypes.get(key);
    if (!type) throw new Error(`insert encoder: field ${key} has no catalog type`);
    return [key, type];
  });
  const fieldTypeBySlot = fields.map((f) => f[1]);
  const tagCount = tagKeys.length;
  const fieldCount = fieldKeys.length;
  // Pass 2: one cell per (row, column); later duplicates overwrite earlier fields.
  const rows = rowPoint.length;
  const cells: string[] = new Array<string>(rows * (tagCount + fieldCount));
  const width = tagCount + fieldCount;
  for (let p = 0; p < points.length; p++) {
    const point = points[p]!;
    const base = rowOf[p]! * width;
    if (!duplicates || rowPoint[rowOf[p]!] === p) {
      for (let i = 0; i < point.tags.length; i += 2) cells[base + tagSlot.get(point.tags[i]!)!] = escapeTsv(point.tags[i + 1]!);
    }
    for (let i = 0; i < point.fieldKeys.length; i++) {
      const slot = fieldSlot.get(point.fieldKeys[i]!)!;
      cells[base + tagCount + slot] = formatValue(point.fieldValues[i]!, fieldTypeBySlot[slot]!);
    }
  }
  const parts: string[] = [];
  for (let r = 0; r < rows; r++) {
    parts.push(String(points[rowPoint[r]!]!.timeNs ?? 0n), '\t', escapeTsv(rowSeries[r]!));
    const base = r * width;
    for (let c = 0; c < tagCount; c++) parts.push('\t', cells[base + c] ?? '');
    for (let c = tagCount; c < width; c++) parts.push('\t', cells[base + c] ?? '\\N');
    parts.push('\n');
  }
  const columns = ['_ns', '_series', ...tagKeys.map(tagColumn), ...fieldKeys.map(fieldColumn)];
  return { columns, payload: Buffer.from(parts.join(''), 'utf8'), rows, tagKeys, fields };
}
