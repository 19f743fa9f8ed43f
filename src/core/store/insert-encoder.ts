// Turns the points of one table into one RowBinary payload for a single bulk insert.
// Duplicate points (same series and time) are merged here, last write wins per field.

import type { FieldType, Point } from '../model/point.js';
import { fieldColumn, tagColumn } from './naming.js';

export interface EncodedInsert {
  /** Target columns, in payload order. */
  readonly columns: readonly string[];
  /** ClickHouse structure of the payload (`name Type, …`), for the `file()`/`format()` reader. */
  readonly structure: string;
  readonly payload: Buffer;
  readonly rows: number;
  /** Smallest and largest row time (0n both when there are no rows). */
  readonly minTimeNs: bigint;
  readonly maxTimeNs: bigint;
  readonly tagKeys: readonly string[];
  readonly fields: ReadonlyArray<readonly [string, FieldType]>;
}

const ROW_BINARY_TYPES: Readonly<Record<FieldType, string>> = {
  float: 'Nullable(Float64)',
  integer: 'Nullable(Int64)',
  unsigned: 'Nullable(UInt64)',
  string: 'Nullable(String)',
  boolean: 'Nullable(Bool)',
};

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
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 || c === 32 || c === 92 || (escapeEquals && c === 61)) {
      return text.replace(escapeEquals ? /[,= ]/g : /[, ]/g, (m) => '\\' + m);
    }
  }
  return text;
}

/** A growable RowBinary writer; strings are length-prefixed with an unsigned LEB128 varint. */
class RowBinaryWriter {
  buffer: Buffer;
  offset = 0;

  constructor(initialBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(1024, initialBytes));
  }

  private ensure(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(next, 0, 0, this.offset);
    this.buffer = next;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.offset++] = value;
  }

  int64(value: bigint): void {
    this.ensure(8);
    this.offset = this.buffer.writeBigInt64LE(value, this.offset);
  }

  uint64(value: bigint): void {
    this.ensure(8);
    this.offset = this.buffer.writeBigUInt64LE(value, this.offset);
  }

  float64(value: number): void {
    this.ensure(8);
    this.offset = this.buffer.writeDoubleLE(value, this.offset);
  }

  string(value: string): void {
    const maxBytes = value.length * 3;
    this.ensure(maxBytes + 5);
    if (maxBytes < 128) {
      // One-byte length prefix: write the text after it, then fill the prefix in.
      const written = this.buffer.write(value, this.offset + 1, 'utf8');
      this.buffer[this.offset] = written;
      this.offset += 1 + written;
      return;
    }
    let length = Buffer.byteLength(value, 'utf8');
    while (length >= 0x80) {
      this.buffer[this.offset++] = (length & 0x7f) | 0x80;
      length >>>= 7;
    }
    this.buffer[this.offset++] = length;
    this.offset += this.buffer.write(value, this.offset, 'utf8');
  }

  bytes(value: Buffer): void {
    this.ensure(value.length);
    value.copy(this.buffer, this.offset);
    this.offset += value.length;
  }

  finish(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }
}

/** Rows of one series seen so far. Points mostly arrive in time order, so no lookup is needed. */
interface SeriesRows {
  readonly series: string;
  readonly measurement: string;
  lastTimeNs: bigint | null;
  readonly rows: number[];
  /** Built on the first out-of-order point: time (decimal text; V8 hashes bigint keys poorly) → row. */
  byTime: Map<string, number> | null;
  /** RowBinary of the `_series` and tag cells, shared by every row of the series. */
  encodedKey: Buffer | null;
}

function findRow(state: SeriesRows, timeNs: bigint, rowPoint: readonly number[], points: readonly Point[]): number | undefined {
  if (state.lastTimeNs === null || timeNs > state.lastTimeNs) return undefined;
  if (!state.byTime) {
    state.byTime = new Map();
    for (const row of state.rows) state.byTime.set(String(points[rowPoint[row]!]!.timeNs ?? 0n), row);
  }
  return state.byTime.get(timeNs.toString());
}

/**
 * Encodes points (all of one measurement, in WAL order) into one insert. Rows are merged per
 * (series, time) with later points overwriting earlier fields; output order is first appearance.
 */
export function encodeInsert(points: readonly Point[], _versions: readonly bigint[], fieldTypes: ReadonlyMap<string, FieldType>): EncodedInsert {
  // Pass 1: columns, and for every point the row it lands in (duplicates share one row).
  const tagIndex = new Set<string>();
  const fieldIndex = new Set<string>();
  const rowOf = new Int32Array(points.length);
  const rowPoint: number[] = [];
  const rowSeries: SeriesRows[] = [];
  const seriesStates = new Map<string, SeriesRows>();
  const byTagsRef = new Map<readonly string[], SeriesRows>();
  let lastTags: readonly string[] | null = null;
  let lastFieldKeys: readonly string[] | null = null;
  let lastSeries: SeriesRows | null = null;
  let minTimeNs: bigint | null = null;
  let maxTimeNs: bigint | null = null;
  for (let p = 0; p < points.length; p++) {
    const point = points[p]!;
    // The parser shares tag and field-key arrays between points of one series: skip repeats.
    if (point.fieldKeys !== lastFieldKeys) {
      for (const key of point.fieldKeys) fieldIndex.add(key);
      lastFieldKeys = point.fieldKeys;
    }
    // The parser shares one tags array between the points of a series: key on it first.
    let state: SeriesRows | undefined = point.tags === lastTags && lastSeries !== null && lastSeries.measurement === point.measurement ? lastSeries : undefined;
    if (!state) {
      const cached = byTagsRef.get(point.tags);
      if (cached && cached.measurement === point.measurement) {
        state = cached;
      } else {
        for (let i = 0; i < point.tags.length; i += 2) tagIndex.add(point.tags[i]!);
        const series = seriesKey(point);
        state = seriesStates.get(series);
        if (!state) seriesStates.set(series, (state = { series, measurement: point.measurement, lastTimeNs: null, rows: [], byTime: null, encodedKey: null }));
        byTagsRef.set(point.tags, state);
      }
      lastTags = point.tags;
      lastSeries = state;
    }
    const timeNs = point.timeNs ?? 0n;
    if (minTimeNs === null || timeNs < minTimeNs) minTimeNs = timeNs;
    if (maxTimeNs === null || timeNs > maxTimeNs) maxTimeNs = timeNs;
    const existing = findRow(state, timeNs, rowPoint, points);
    if (existing === undefined) {
      rowOf[p] = rowPoint.length;
      state.rows.push(rowPoint.length);
      state.byTime?.set(timeNs.toString(), rowPoint.length);
      if (state.lastTimeNs === null || timeNs > state.lastTimeNs) state.lastTimeNs = timeNs;
      rowPoint.push(p);
      rowSeries.push(state);
    } else {
      rowOf[p] = existing;
    }
  }
  const tagKeys = [...tagIndex].sort();
  const fieldKeys = [...fieldIndex].sort();
  const fields: Array<[string, FieldType]> = fieldKeys.map((key) => {
    const type = fieldTypes.get(key);
    if (!type) throw new Error(`insert encoder: field ${key} has no catalog type`);
    return [key, type];
  });
  const fieldSlot = new Map(fieldKeys.map((key, i) => [key, i]));
  const rows = rowPoint.length;
  const fieldCount = fieldKeys.length;
  // Pass 2: which point (and which of its fields) supplies each (row, field); later points win.
  const sourcePoint = new Int32Array(rows * fieldCount).fill(-1);
  const sourceField = new Int32Array(rows * fieldCount);
  const slotsCache = new Map<readonly string[], Int32Array>();
  for (let p = 0; p < points.length; p++) {
    const keys = points[p]!.fieldKeys;
    let slots = slotsCache.get(keys);
    if (!slots) {
      slots = Int32Array.from(keys, (key) => fieldSlot.get(key)!);
      slotsCache.set(keys, slots);
    }
    const base = rowOf[p]! * fieldCount;
    for (let i = 0; i < slots.length; i++) {
      sourcePoint[base + slots[i]!] = p;
      sourceField[base + slots[i]!] = i;
    }
  }
  // Pass 3: RowBinary rows.
  const firstSeries = rowSeries[0]?.series.length ?? 0;
  const writer = new RowBinaryWriter(rows * (16 + firstSeries * 2 + fieldCount * 9));
  const tagValues: string[] = new Array<string>(tagKeys.length).fill('');
  const tagSlot = new Map(tagKeys.map((key, i) => [key, i]));
  for (let r = 0; r < rows; r++) {
    const first = points[rowPoint[r]!]!;
    writer.int64(first.timeNs ?? 0n);
    // Every row of a series repeats the same _series and tag cells: encode them once per series.
    const state = rowSeries[r]!;
    if (state.encodedKey === null) {
      const keyWriter = new RowBinaryWriter(state.series.length * 2 + 64);
      keyWriter.string(state.series);
      tagValues.fill('');
      for (let i = 0; i < first.tags.length; i += 2) tagValues[tagSlot.get(first.tags[i]!)!] = first.tags[i + 1]!;
      for (const value of tagValues) keyWriter.string(value);
      state.encodedKey = Buffer.from(keyWriter.finish());
    }
    writer.bytes(state.encodedKey);
    const base = r * fieldCount;
    for (let f = 0; f < fieldCount; f++) {
      const p = sourcePoint[base + f]!;
      if (p < 0) {
        writer.byte(1);
        continue;
      }
      writer.byte(0);
      const value = points[p]!.fieldValues[sourceField[base + f]!]!;
      switch (fields[f]![1]) {
        case 'float':
          writer.float64(value as number);
          break;
        case 'integer':
          writer.int64(BigInt(value as string));
          break;
        case 'unsigned':
          writer.uint64(BigInt(value as string));
          break;
        case 'string':
          writer.string(value as string);
          break;
        case 'boolean':
          writer.byte(value ? 1 : 0);
          break;
      }
    }
  }
  const columns = ['_ns', '_series', ...tagKeys.map(tagColumn), ...fieldKeys.map(fieldColumn)];
  const types = ['Int64', 'String', ...tagKeys.map(() => 'String'), ...fields.map(([, type]) => ROW_BINARY_TYPES[type])];
  const structure = columns.map((column, i) => `${column} ${types[i]}`).join(', ');
  return { columns, structure, payload: writer.finish(), rows, minTimeNs: minTimeNs ?? 0n, maxTimeNs: maxTimeNs ?? 0n, tagKeys, fields };
}
