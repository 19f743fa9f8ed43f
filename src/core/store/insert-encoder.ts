// Turns the points of one table into one RowBinary payload for a single bulk insert.
// Duplicate points (same series and time) are merged here by the rule ClickHouse's merges follow.

import type { FieldType, FieldValue, Point } from '../model/point.js';
import { fieldInsertType } from './field-types.js';
import { fieldStorageColumn, tagColumn } from './naming.js';
import { GrowableBuffer } from '../growable-buffer.js';
import type { InsertBuffer } from './insert-buffer.js';

export interface EncodedInsert {
  /** Target columns, in payload order. */
  readonly columns: readonly string[];
  /** ClickHouse structure of the payload (`name Type, …`), for the `file()`/`format()` reader. */
  readonly structure: string;
  /** The rows; when encoded into an InsertBuffer, valid only until that buffer's next payload. */
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
  constructor(initial: number | Buffer) {
    super(initial, 1024);
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

  /**
   * A 64-bit integer given as decimal text, as points carry integer fields. Text of up to 15
   * digits is read without a BigInt (one allocation per value); any other goes through BigInt,
   * which also refuses what is no integer or out of range, as before.
   */
  integerText(text: string, signed: boolean): void {
    const value = smallDecimal(text, signed);
    if (value !== value) {
      if (signed) this.int64(BigInt(text));
      else this.uint64(BigInt(text));
      return;
    }
    this.reserve(8);
    const high = Math.floor(value / 0x100000000);
    this.buffer.writeUInt32LE(value - high * 0x100000000, this.offset);
    this.buffer.writeInt32LE(high, this.offset + 4);
    this.offset += 8;
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

/**
 * The value of decimal text of 1 to 15 digits (a leading '-' when signed), exact in a double;
 * NaN for any other text.
 */
function smallDecimal(text: string, signed: boolean): number {
  const negative = signed && text.charCodeAt(0) === 45;
  const start = negative ? 1 : 0;
  const digits = text.length - start;
  if (digits < 1 || digits > 15) return Number.NaN;
  let value = 0;
  for (let i = start; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
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
 * time), in the table's sort key order. Each field is stored as (version, value): within one
 * write its last point's value wins (InfluxDB), between writes the higher (version, value) wins,
 * which is the rule ClickHouse's max() applies when parts merge, so a row is the same whatever
 * order the writes reached this node in, and what a flush writes never holds two rows of a key
 * (so the insert need not merge its own rows: chdb-session.ts inserts with optimize_on_insert 0).
 */
export function encodeInsert(input: InsertRows, fieldTypes: ReadonlyMap<string, FieldType>, into?: InsertBuffer): EncodedInsert {
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
  // Pass 3: RowBinary rows, each written where the sort key order puts it (rowLayout). They are
  // visited in the order they were found, the points' own order: reading the points in key order
  // instead cost more than ClickHouse's sort it spares, and so did copying rows into a second
  // buffer (first writes to fresh memory are dear).
  const fieldCount = fields.length;
  const tagSlot = new Map(tagKeys.map((key, i) => [key, i]));
  const keyWriter = new RowBinaryWriter(4096);
  for (const state of seriesStates.values()) state.encodedKey = encodeSeriesKey(state, points[rowPoint[state.rows[0]!]!]!, tagSlot, keyWriter);
  const order = rowsInSortKeyOrder(seriesStates.values(), rows, rowPoint, points);
  const layout = rowLayout({ rowSeries, fields, sourcePoint, sourceField, points, order });
  // A kept buffer holds the last payload's bytes: the layout covers [0, totalBytes) row by row, and
  // every row is checked to fill exactly its span, so none of them survives into this payload.
  const writer = new RowBinaryWriter(into ? into.take(layout.totalBytes + layout.slackBytes) : layout.totalBytes + layout.slackBytes);
  const buffer = writer.buffer;
  for (let r = 0; r < rows; r++) {
    const start = layout.offsets[r]!;
    writer.offset = start;
    writer.int64(points[rowPoint[r]!]!.timeNs ?? 0n);
    // Every row of a series repeats the same _series and tag cells, encoded once per series.
    writer.bytes(rowSeries[r]!.encodedKey!);
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
          writer.integerText(value as string, true);
          break;
        case 'unsigned':
          writer.integerText(value as string, false);
          break;
        case 'string':
          writer.string(value as string);
          break;
        case 'boolean':
          writer.byte(value ? 1 : 0);
          break;
      }
    }
    if (writer.offset - start !== layout.sizes[r]) throw new Error(`insert encoder: row ${r} took ${writer.offset - start} bytes, ${layout.sizes[r]} were laid out`);
  }
  if (writer.buffer !== buffer) throw new Error('insert encoder: the rows outgrew their layout');
  writer.offset = layout.totalBytes;
  const payload = writer.finish();
  const columns = ['_ns', '_series', ...tagKeys.map(tagColumn), ...fieldKeys.map(fieldStorageColumn)];
  const types = ['Int64', 'String', ...tagKeys.map(() => 'String'), ...fields.map(([, type]) => fieldInsertType(type))];
  const structure = columns.map((column, i) => `${column} ${types[i]}`).join(', ');
  return { columns, structure, payload, rows, minTimeNs: minTimeNs ?? 0n, maxTimeNs: maxTimeNs ?? 0n, tagKeys, fields };
}

/**
 * The rows in the order of the table's sort key, (`_series`, `time`): series by their UTF-8
 * bytes (ClickHouse compares strings so), each series' rows by time. ClickHouse checks whether an
 * inserted block is already sorted and then skips sorting it, which costs more than the rest of
 * its insert when the rows come time-major (one point per series per timestamp, as collectors
 * send them). A series' rows are in time order already unless one of its points came out of
 * order (then it has a time index), so most inputs sort only their series.
 */
function rowsInSortKeyOrder(series: Iterable<SeriesRows>, rows: number, rowPoint: readonly number[], points: readonly Point[]): Int32Array {
  const keyed: Array<[Buffer, SeriesRows]> = [];
  for (const state of series) keyed.push([Buffer.from(state.series, 'utf8'), state]);
  keyed.sort((a, b) => Buffer.compare(a[0], b[0]));
  const order = new Int32Array(rows);
  let at = 0;
  for (const [, state] of keyed) {
    if (state.byTime === null) {
      for (const row of state.rows) order[at++] = row;
      continue;
    }
    const timeOf = (row: number): bigint => points[rowPoint[row]!]!.timeNs ?? 0n;
    for (const row of [...state.rows].sort((a, b) => (timeOf(a) < timeOf(b) ? -1 : timeOf(a) > timeOf(b) ? 1 : 0))) order[at++] = row;
  }
  if (at !== rows) throw new Error(`insert encoder: ${at} rows ordered of ${rows}`);
  return order;
}

/**
 * RowBinary of a series' `_series` and tag cells (every tag key of the insert, '' where it has
 * none), written in `keyWriter` (shared by the series of one insert) and copied out.
 */
function encodeSeriesKey(state: SeriesRows, first: Point, tagSlot: ReadonlyMap<string, number>, keyWriter: RowBinaryWriter): Buffer {
  const tagValues = new Array<string>(tagSlot.size).fill('');
  for (let i = 0; i < first.tags.length; i += 2) tagValues[tagSlot.get(first.tags[i]!)!] = first.tags[i + 1]!;
  keyWriter.offset = 0;
  keyWriter.string(state.series);
  for (const value of tagValues) keyWriter.string(value);
  return Buffer.from(keyWriter.finish());
}

/** Bytes of a value's fixed-size RowBinary, by field type (a string's depends on it). */
const VALUE_BYTES: Readonly<Record<FieldType, number>> = { float: 8, integer: 8, unsigned: 8, boolean: 1, string: -1 };

/**
 * Where each row's bytes go so the rows lie in `order`: each row's size (its series key, and per
 * field a version, a NULL flag and the value), summed in that order. `slackBytes` is what the
 * writer may reserve past the end (a string reserves 3 bytes a character before it knows).
 */
function rowLayout(args: {
  readonly rowSeries: readonly SeriesRows[];
  readonly fields: ReadonlyArray<readonly [string, FieldType]>;
  readonly sourcePoint: Int32Array;
  readonly sourceField: Int32Array;
  readonly points: readonly Point[];
  readonly order: Int32Array;
}): { offsets: Float64Array; sizes: Float64Array; totalBytes: number; slackBytes: number } {
  const { rowSeries, fields, sourcePoint, sourceField, points, order } = args;
  const rows = order.length;
  const fieldCount = fields.length;
  const valueBytes = fields.map(([, type]) => VALUE_BYTES[type]);
  const sizes = new Float64Array(rows);
  let longestString = 0;
  for (let r = 0; r < rows; r++) {
    let size = 8 + rowSeries[r]!.encodedKey!.length + 9 * fieldCount;
    const base = r * fieldCount;
    for (let f = 0; f < fieldCount; f++) {
      const p = sourcePoint[base + f]!;
      if (p < 0) continue;
      const bytes = valueBytes[f]!;
      if (bytes >= 0) {
        size += bytes;
        continue;
      }
      const value = points[p]!.fieldValues[sourceField[base + f]!] as string;
      const length = Buffer.byteLength(value, 'utf8');
      size += varintBytes(length) + length;
      if (value.length > longestString) longestString = value.length;
    }
    sizes[r] = size;
  }
  const offsets = new Float64Array(rows);
  let totalBytes = 0;
  for (let k = 0; k < rows; k++) {
    const row = order[k]!;
    offsets[row] = totalBytes;
    totalBytes += sizes[row]!;
  }
  return { offsets, sizes, totalBytes, slackBytes: longestString * 3 + 16 };
}

/** Bytes of an unsigned LEB128 varint. */
function varintBytes(value: number): number {
  let bytes = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    bytes++;
  }
  return bytes;
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
