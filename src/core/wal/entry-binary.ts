// The WAL entry payload in its own binary layout (format 1): tables of measurements, tag sets,
// field-key sets and field-type sets, then each point as table references, its time and typed
// values. Pure; never hands back a value it did not fully read (a malformed payload asserts).
import { assert } from '../errors.js';
import type { FieldType, FieldValue, Point } from '../model/point.js';
import type { WalEntry } from './wal-port.js';

/**
 * First payload byte of format 1. msgpack never emits 0xc1 ("never used" in its spec), so a
 * payload that starts with it cannot be an older msgpackr entry, which stays readable.
 */
export const BINARY_ENTRY_MARKER = 0xc1;
const FORMAT_VERSION = 1;

const VALUE_FLOAT = 1;
const VALUE_STRING = 2;
const VALUE_FALSE = 3;
const VALUE_TRUE = 4;
const TIME_NULL = 0;
const TIME_PRESENT = 1;
const FIELD_TYPE_CODES: readonly FieldType[] = ['float', 'integer', 'unsigned', 'string', 'boolean'];
const FIELD_TYPE_CODE = new Map<FieldType, number>(FIELD_TYPE_CODES.map((type, code) => [type, code]));

export type EntryBody = Pick<WalEntry, 'db' | 'rp' | 'points' | 'origin' | 'catalogIndex'>;

/** Appends to one growing buffer; `headerBytes` are left zeroed at the front for the caller. */
class ByteWriter {
  buffer: Buffer;
  offset: number;

  constructor(initialBytes: number, headerBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(initialBytes, headerBytes + 64));
    this.buffer.fill(0, 0, headerBytes);
    this.offset = headerBytes;
  }

  reserve(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  u8(value: number): void {
    this.reserve(1);
    this.buffer[this.offset++] = value;
  }

  u32(value: number): void {
    this.reserve(4);
    this.buffer.writeUInt32LE(value, this.offset);
    this.offset += 4;
  }

  f64(value: number): void {
    this.reserve(8);
    this.buffer.writeDoubleLE(value, this.offset);
    this.offset += 8;
  }

  string(value: string): void {
    this.reserve(4 + value.length * 3);
    const bytes = this.buffer.write(value, this.offset + 4, 'utf8');
    this.buffer.writeUInt32LE(bytes, this.offset);
    this.offset += 4 + bytes;
  }

  strings(values: readonly string[]): void {
    this.u32(values.length);
    for (const value of values) this.string(value);
  }
}

class RefTable<T> {
  readonly items: T[] = [];
  private readonly index = new Map<T, number>();
  private lastItem: T | undefined;
  private lastIndex = -1;

  ref(item: T): number {
    if (item === this.lastItem) return this.lastIndex;
    let found = this.index.get(item);
    if (found === undefined) {
      found = this.items.length;
      this.items.push(item);
      this.index.set(item, found);
    }
    this.lastItem = item;
    this.lastIndex = found;
    return found;
  }
}

/** Encodes `entry` after `headerBytes` zeroed bytes; returns the buffer cut to its length. */
export function encodeBinaryEntry(entry: EntryBody, headerBytes: number): Buffer {
  const { points } = entry;
  const measurements = new RefTable<string>();
  const tagSets = new RefTable<readonly string[]>();
  const keySets = new RefTable<readonly string[]>();
  const typeSets = new RefTable<readonly FieldType[]>();
  // Points first into their own writer (the tables are known only after them), then both joined.
  const body = new ByteWriter(points.length * 128 + 64, 0);
  body.u32(points.length);
  for (const point of points) {
    body.reserve(21);
    const b = body.buffer;
    let o = body.offset;
    o = b.writeUInt32LE(measurements.ref(point.measurement), o);
    o = b.writeUInt32LE(tagSets.ref(point.tags), o);
    o = b.writeUInt32LE(keySets.ref(point.fieldKeys), o);
    o = b.writeUInt32LE(typeSets.ref(point.fieldTypes), o);
    if (point.timeNs === null) b[o++] = TIME_NULL;
    else {
      b[o++] = TIME_PRESENT;
      o = b.writeBigInt64LE(point.timeNs, o);
    }
    body.offset = o;
    const values = point.fieldValues;
    assert(values.length === point.fieldKeys.length, 'wal: a point has as many values as field keys');
    for (let v = 0; v < values.length; v++) writeValue(body, values[v]!);
  }
  const out = new ByteWriter(body.offset + 256, headerBytes);
  out.u8(BINARY_ENTRY_MARKER);
  out.u8(FORMAT_VERSION);
  out.string(entry.db);
  out.string(entry.rp);
  out.string(entry.origin);
  out.f64(entry.catalogIndex);
  out.strings(measurements.items);
  out.u32(tagSets.items.length);
  for (const tags of tagSets.items) out.strings(tags);
  out.u32(keySets.items.length);
  for (const keys of keySets.items) out.strings(keys);
  out.u32(typeSets.items.length);
  for (const types of typeSets.items) {
    out.u32(types.length);
    for (const type of types) {
      const code = FIELD_TYPE_CODE.get(type);
      assert(code !== undefined, `wal: unknown field type ${String(type)}`);
      out.u8(code);
    }
  }
  out.reserve(body.offset);
  body.buffer.copy(out.buffer, out.offset, 0, body.offset);
  out.offset += body.offset;
  return out.buffer.subarray(0, out.offset);
}

function writeValue(w: ByteWriter, value: FieldValue): void {
  if (typeof value === 'number') {
    w.reserve(9);
    w.buffer[w.offset] = VALUE_FLOAT;
    w.buffer.writeDoubleLE(value, w.offset + 1);
    w.offset += 9;
  } else if (typeof value === 'string') {
    w.u8(VALUE_STRING);
    w.string(value);
  } else {
    assert(typeof value === 'boolean', `wal: a field value is a number, string or boolean, got ${typeof value}`);
    w.u8(value ? VALUE_TRUE : VALUE_FALSE);
  }
}

class ByteReader {
  offset: number;

  constructor(
    readonly buffer: Buffer,
    offset: number,
  ) {
    this.offset = offset;
  }

  need(bytes: number): void {
    assert(this.offset + bytes <= this.buffer.length, 'wal: binary entry ends early');
  }

  u8(): number {
    this.need(1);
    return this.buffer[this.offset++]!;
  }

  u32(): number {
    this.need(4);
    const value = this.buffer.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }

  f64(): number {
    this.need(8);
    const value = this.buffer.readDoubleLE(this.offset);
    this.offset += 8;
    return value;
  }

  string(): string {
    const bytes = this.u32();
    this.need(bytes);
    const value = this.buffer.toString('utf8', this.offset, this.offset + bytes);
    this.offset += bytes;
    return value;
  }

  /** A count of items that take at least `minBytes` each, bounded by what is left. */
  count(minBytes: number): number {
    const n = this.u32();
    assert(n * minBytes <= this.buffer.length - this.offset, 'wal: binary entry count exceeds its bytes');
    return n;
  }

  strings(): string[] {
    const n = this.count(4);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.string());
    return out;
  }
}

/** Decodes a format-1 payload starting at `offset` (its marker byte). */
export function decodeBinaryEntry(buffer: Buffer, offset: number, originSeq: number, version: bigint): WalEntry {
  const r = new ByteReader(buffer, offset);
  assert(r.u8() === BINARY_ENTRY_MARKER, 'wal: not a binary entry');
  const format = r.u8();
  assert(format === FORMAT_VERSION, `wal: unknown entry format ${format}`);
  const db = r.string();
  const rp = r.string();
  const origin = r.string();
  const catalogIndex = r.f64();
  const measurements = r.strings();
  const tagSets = readList(r, () => r.strings());
  const keySets = readList(r, () => r.strings());
  const typeSets = readList(r, () => {
    const n = r.count(1);
    const types: FieldType[] = [];
    for (let i = 0; i < n; i++) {
      const type = FIELD_TYPE_CODES[r.u8()];
      assert(type !== undefined, 'wal: unknown field type code');
      types.push(type);
    }
    return types;
  });
  const pointCount = r.count(17);
  const points: Point[] = [];
  const b = buffer;
  for (let p = 0; p < pointCount; p++) {
    r.need(17);
    let o = r.offset;
    const measurement = measurements[b.readUInt32LE(o)];
    const tags = tagSets[b.readUInt32LE(o + 4)];
    const fieldKeys = keySets[b.readUInt32LE(o + 8)];
    const fieldTypes = typeSets[b.readUInt32LE(o + 12)];
    assert(measurement !== undefined && tags && fieldKeys && fieldTypes, 'wal: entry references a missing table row');
    const timeFlag = b[o + 16];
    o += 17;
    let timeNs: bigint | null = null;
    if (timeFlag === TIME_PRESENT) {
      r.offset = o;
      r.need(8);
      timeNs = b.readBigInt64LE(o);
      o += 8;
    } else assert(timeFlag === TIME_NULL, 'wal: bad time flag');
    r.offset = o;
    const fieldValues: FieldValue[] = [];
    for (let v = 0; v < fieldKeys.length; v++) fieldValues.push(readValue(r));
    points.push({ measurement, tags, fieldKeys, fieldTypes, fieldValues, timeNs });
  }
  assert(r.offset === buffer.length, 'wal: binary entry has trailing bytes');
  return { db, rp, points, origin, originSeq, version, catalogIndex };
}

function readList<T>(r: ByteReader, item: () => T): T[] {
  const n = r.count(4);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(item());
  return out;
}

function readValue(r: ByteReader): FieldValue {
  const tag = r.u8();
  if (tag === VALUE_FLOAT) return r.f64();
  if (tag === VALUE_STRING) return r.string();
  assert(tag === VALUE_TRUE || tag === VALUE_FALSE, `wal: bad value tag ${tag}`);
  return tag === VALUE_TRUE;
}
