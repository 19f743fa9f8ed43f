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

interface Row {
  readonly timeNs: bigint;
  readonly series: string;
  readonly tags: readonly string[];
  readonly values: Map<string, FieldValue>;
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

/** Encodes points (all of one measurement, in WAL order) into one insert. */
export function encodeInsert(points: readonly Point[], fieldTypes: ReadonlyMap<string, FieldType>): EncodedInsert {
  const rows = new Map<string, Row>();
  const tagKeySet = new Set<string>();
  const fieldKeySet = new Set<string>();
  for (const point of points) {
    const series = seriesKey(point);
    const timeNs = point.timeNs ?? 0n;
    const rowKey = series + '\u0000' + timeNs;
    let row = rows.get(rowKey);
    if (!row) {
      row = { timeNs, series, tags: point.tags, values: new Map() };
      rows.set(rowKey, row);
      for (let i = 0; i < point.tags.length; i += 2) tagKeySet.add(point.tags[i]!);
    }
    for (let i = 0; i < point.fieldKeys.length; i++) {
      const key = point.fieldKeys[i]!;
      row.values.set(key, point.fieldValues[i]!);
      fieldKeySet.add(key);
    }
  }
  const tagKeys = [...tagKeySet].sort();
  const fieldKeys = [...fieldKeySet].sort();
  const fields: Array<[string, FieldType]> = fieldKeys.map((key) => {
    const type = fieldTypes.get(key);
    if (!type) throw new Error(`insert encoder: field ${key} has no catalog type`);
    return [key, type];
  });
  const tagIndex = new Map(tagKeys.map((key, i) => [key, i]));
  const lines: string[] = [];
  const tagCells: string[] = new Array<string>(tagKeys.length);
  for (const row of rows.values()) {
    tagCells.fill('');
    for (let i = 0; i < row.tags.length; i += 2) tagCells[tagIndex.get(row.tags[i]!)!] = escapeTsv(row.tags[i + 1]!);
    let line = row.timeNs + '\t' + escapeTsv(row.series);
    for (const cell of tagCells) line += '\t' + cell;
    for (const [key, type] of fields) {
      const value = row.values.get(key);
      line += '\t' + (value === undefined ? '\\N' : formatValue(value, type));
    }
    lines.push(line);
  }
  const columns = ['_ns', '_series', ...tagKeys.map(tagColumn), ...fieldKeys.map(fieldColumn)];
  return { columns, payload: Buffer.from(lines.join('\n') + '\n', 'utf8'), rows: rows.size, tagKeys, fields };
}
