// Turns the points of one table into one RowBinary payload for a single bulk insert.
// Duplicate points (same series and time) are merged here by the rule ClickHouse's merges follow.

import type { FieldType, FieldValue, Point } from '../model/point.js';
import { fieldInsertType } from './field-types.js';
import { fieldStorageColumn, tagColumn } from './naming.js';
import { GrowableBuffer } from '../growable-buffer.js';

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

/** The points of one table, with what the merge of duplicates needs to know of their writes. */
export interface InsertRows {
  readonly points: readonly Point[];
  /** The version of each point's write (parallel to points), an unsigned 64-bit integer. */
  readonly versions: readonly bigint[];
  /** Where each write's points end (exclusive), ascending, the last being points.length: a write's points are contiguous. */
  readonly entryEnds: readonly number[];
}

const MAX_VERSION = (1n << 64n) - 1n;
const LOW_32 = 0xffffffffn;

/**
 * Orders two values of one field as ClickHouse does inside max() of (version, value) tuples:
 * numbers numerically with NaN below all of them, strings by their UTF-8 bytes, false < true.
 */
export function compareFieldValues(type: FieldType, a: FieldValue, b: FieldValue): number {
  switch (type) {
    case 'float': {
      const x = a as number;
      const y = b as number;
      if (x !== x) return y !== y ? 0 : -1;
      if (y !== y) return 1;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'integer':
    case 'unsigned': {
      if (a === b) return 0;
      const x = BigInt(a as string);
      const y = BigInt(b as string);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'string':
      return a === b ? 0 : Buffer.compare(Buffer.from(a as string, 'utf8'), Buffer.from(b as string, 'utf8'));
    case 'boolean':
      return Number(a) - Number(b);
  }
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
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 || c === 32 || c === 92 || (escapeEquals && c === 61)) {
      return text.replace(escapeEquals ? /[,= ]/g : /[, ]/g, (m) => '\\' + m);
    }
  }
  return text;
}

/** A growable RowBinary writer; strings are length-prefixed with an unsigned LEB128 varint. */
class RowBinaryWriter extends GrowableBuffer {
  constructor(initialBytes: number) {
    super(initialBytes, 1024);
  }

  /** An unsigned 64-bit integer given as its low and high 32 bits. */
  uint64Parts(low: number, high: number): void {
    this.reserve(8);
    this.buffer.writeUInt32LE(low, this.offset);
    this.buffer.writeUInt32LE(high, this.offset + 4);
    this.offset += 8;
  }

  int64(value: bigint): void {
    this.reserve(8);
    this.offset = this.buffer.writeBigInt64LE(value, this.offset);
  }

  uint64(value: bigint): void {
    this.reserve(8);
    this.offset = this.buffer.writeBigUInt64LE(value, this.offset);
  }

  float64(value: number): void {
    this.reserve(8);
    this.offset = this.buffer.writeDoubleLE(value, this.offset);
  }

  string(value: string): void {
    const maxBytes = value.length * 3;
    this.reserve(maxBytes + 5);
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
    this.reserve(value.length);
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
 * Encodes points (all of one measurement, in WAL order) into one insert, one row per (series,
 * time) in order of first appearance. Each field is stored as (version, value): within one write
 * its last point's value wins (InfluxDB), between writes the higher (version, value) wins, which
 * is the rule ClickHouse's max() applies when parts merge, so a row is the same whatever order
 * the writes reached this node in, and what a flush writes never holds two rows of a key.
 */
export function encodeInsert(input: InsertRows, fieldTypes: ReadonlyMap<string, FieldType>): EncodedInsert {
  const { points, versions, entryEnds } = input;
  if (versions.length !== points.length) throw new Error(`insert encoder: ${versions.length} versions for ${points.length} points`);
  if (points.length > 0 && entryEnds[entryEnds.length - 1] !== points.length) throw new Error('insert encoder: the writes do not end with the points');
  // Pass 1: columns, and for every point the row it lands in (duplicates share one row).
  const tagIndex = new Set<string>();
  const fieldIndex = new Set<string>();
  const rowOf = new Int32Array(points.length);
  const rowPoint: number[] = [];
  const rowSeries: SeriesRows[] = [];
  /** The last write that put a point in each row, and the writes holding one row twice. */
  const rowEntry: number[] = [];
  const entriesWithDuplicates = new Set<number>();
  let entry = 0;
  const seriesStates = new Map<string, SeriesRows>();
  const byTagsRef = new Map<readonly string[], SeriesRows>();
  let lastTags: readonly string[] | null = null;
  let lastFieldKeys: readonly string[] | null = null;
  let lastSeries: SeriesRows | null = null;
  let minTimeNs: bigint | null = null;
  let maxTimeNs: bigint | null = null;
  for (let p = 0; p < points.length; p++) {
    while (p >= entryEnds[entry]!) entry++;
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
      rowEntry.push(entry);
    } else {
      rowOf[p] = existing;
      if (rowEntry[existing] === entry) entriesWithDuplicates.add(entry);
      rowEntry[existing] = entry;
    }
  }
  const tagKeys = [...tagIndex].sort();
  const fieldKeys = [...fieldIndex].sort();
  const fields: Array<[string, FieldType]> = fieldKeys.map((key) => {
    const type = fieldTypes.get(key);
    if (!type) throw new Error(`insert encoder: field ${key} has no catalog type`);
    return [key, type];
  });
  const rows = rowPoint.length;
  const { sourcePoint, sourceField } = pickFieldSources({ input, rowOf, rows, fields, entriesWithDuplicates });
  const version = versionParts(versions);
  // Pass 3: RowBinary rows.
  const firstSeries = rowSeries[0]?.series.length ?? 0;
  const fieldCount = fields.length;
  const writer = new RowBinaryWriter(rows * (16 + firstSeries * 2 + fieldCount * 17));
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
        // (0, NULL): below every stored value, so a field a row lacks never masks another's.
        writer.uint64Parts(0, 0);
        writer.byte(1);
        continue;
      }
      writer.uint64Parts(version.low[p]!, version.high[p]!);
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
  const columns = ['_ns', '_series', ...tagKeys.map(tagColumn), ...fieldKeys.map(fieldStorageColumn)];
  const types = ['Int64', 'String', ...tagKeys.map(() => 'String'), ...fields.map(([, type]) => fieldInsertType(type))];
  const structure = columns.map((column, i) => `${column} ${types[i]}`).join(', ');
  return { columns, structure, payload: writer.finish(), rows, minTimeNs: minTimeNs ?? 0n, maxTimeNs: maxTimeNs ?? 0n, tagKeys, fields };
}

/**
 * Pass 2 of encodeInsert: which point (and which of its fields) supplies each (row, field), or
 * -1. A write's points are visited last first, so its last value of a field is the one it
 * offers; a value from another write replaces it only with a higher (version, value).
 */
function pickFieldSources(args: {
  readonly input: InsertRows;
  readonly rowOf: Int32Array;
  readonly rows: number;
  readonly fields: ReadonlyArray<readonly [string, FieldType]>;
  /** Writes holding two points of one row: only those need to remember what they offered. */
  readonly entriesWithDuplicates: ReadonlySet<number>;
}): { sourcePoint: Int32Array; sourceField: Int32Array } {
  const { input, rowOf, rows, fields, entriesWithDuplicates } = args;
  const { points, versions, entryEnds } = input;
  const fieldCount = fields.length;
  const fieldSlot = new Map(fields.map(([key], i) => [key, i]));
  const sourcePoint = new Int32Array(rows * fieldCount).fill(-1);
  const sourceField = new Int32Array(rows * fieldCount);
  const slotsCache = new Map<readonly string[], Int32Array>();
  let start = 0;
  for (let e = 0; e < entryEnds.length; e++) {
    const end = entryEnds[e]!;
    if (!(end >= start && end <= points.length)) throw new Error(`insert encoder: write ${e} ends at ${end}, outside ${start}..${points.length}`);
    const offered = entriesWithDuplicates.has(e) ? new Set<number>() : null;
    for (let p = end - 1; p >= start; p--) {
      const point = points[p]!;
      let slots = slotsCache.get(point.fieldKeys);
      if (!slots) {
        slots = Int32Array.from(point.fieldKeys, (key) => fieldSlot.get(key)!);
        slotsCache.set(point.fieldKeys, slots);
      }
      const base = rowOf[p]! * fieldCount;
      for (let i = 0; i < slots.length; i++) {
        const slot = base + slots[i]!;
        if (offered !== null) {
          if (offered.has(slot)) continue; // a later point of this write offered its value
          offered.add(slot);
        }
        const holder = sourcePoint[slot]!;
        if (holder >= 0) {
          const order = versions[p]! < versions[holder]! ? -1 : versions[p]! > versions[holder]! ? 1 : compareFieldValues(fields[slots[i]!]![1], point.fieldValues[i]!, points[holder]!.fieldValues[sourceField[slot]!]!);
          if (order <= 0) continue;
        }
        sourcePoint[slot] = p;
        sourceField[slot] = i;
      }
    }
    start = end;
  }
  return { sourcePoint, sourceField };
}

/** Each point's version as low and high 32 bits (writes share one version, so it is split once per write). */
function versionParts(versions: readonly bigint[]): { low: Uint32Array; high: Uint32Array } {
  const low = new Uint32Array(versions.length);
  const high = new Uint32Array(versions.length);
  let last = -1n;
  let lastLow = 0;
  let lastHigh = 0;
  for (let p = 0; p < versions.length; p++) {
    const version = versions[p]!;
    if (version !== last) {
      if (version < 0n || version > MAX_VERSION) throw new RangeError(`insert encoder: version ${version} is not an unsigned 64-bit integer`);
      last = version;
      lastLow = Number(version & LOW_32);
      lastHigh = Number(version >> 32n);
    }
    low[p] = lastLow;
    high[p] = lastHigh;
  }
  return { low, high };
}
