// The WAL entry payload (format 2): one msgpackr document, an array of the format, db, rp,
// origin, catalog index, the tables of measurements, tag sets, field-key sets and field-type sets,
// and the points as one binary column: per point its table references, its time and typed values.
// The tables are few per entry (points of a series share them) and msgpackr packs them as they are;
// packing each point's values as msgpack items instead boxed every float and cost ~4 µs a point on
// the acknowledgement's main thread (docs/benchmarks.md). Pure; never hands back a value it did
// not fully read (a malformed payload asserts).
import { Packr } from 'msgpackr';
import { assert } from '../errors.js';
import type { FieldType, FieldValue, Point } from '../model/point.js';
import type { WalEntry } from './wal-port.js';
import { GrowableBuffer } from '../growable-buffer.js';

/**
 * The first item of the document. Releases before it wrote a msgpackr record (an object, see
 * entry-codec.ts), which stays readable: an array payload is this format.
 */
export const ENTRY_FORMAT = 2;
const packr = new Packr({ useRecords: false });

const VALUE_FLOAT = 1;
const VALUE_STRING = 2;
const VALUE_FALSE = 3;
const VALUE_TRUE = 4;
const TIME_NULL = 0;
const TIME_PRESENT = 1;
const FIELD_TYPE_CODES: readonly FieldType[] = ['float', 'integer', 'unsigned', 'string', 'boolean'];
const FIELD_TYPE_CODE = new Map<FieldType, number>(FIELD_TYPE_CODES.map((type, code) => [type, code]));

export type EntryBody = Pick<WalEntry, 'db' | 'rp' | 'points' | 'origin' | 'catalogIndex'>;

/** The point column's encodings. */
class ByteWriter extends GrowableBuffer {
  u32(value: number): void {
    this.reserve(4);
    this.buffer.writeUInt32LE(value, this.offset);
    this.offset += 4;
  }

  string(value: string): void {
    this.reserve(4 + value.length * 3);
    const bytes = this.buffer.write(value, this.offset + 4, 'utf8');
    this.buffer.writeUInt32LE(bytes, this.offset);
    this.offset += 4 + bytes;
  }
}

/** Numbers each distinct item (by identity) in first-seen order; the parser shares a series' arrays, so a repeat is usually the last item. */
export class RefTable<T> {
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
  const body = new ByteWriter(points.length * 128 + 64);
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
  for (const types of typeSets.items) for (const type of types) assert(FIELD_TYPE_CODE.has(type), `wal: unknown field type ${String(type)}`);
  // pack() answers a view of msgpackr's reused buffer: copied out at once, behind the header.
  const document = packr.pack([ENTRY_FORMAT, entry.db, entry.rp, entry.origin, entry.catalogIndex, measurements.items, tagSets.items, keySets.items, typeSets.items, body.buffer.subarray(0, body.offset)]);
  const out = Buffer.allocUnsafe(headerBytes + document.length);
  out.fill(0, 0, headerBytes);
  document.copy(out, headerBytes);
  return out;
}

function writeValue(w: ByteWriter, value: FieldValue): void {
  if (typeof value === 'number') {
    w.reserve(9);
    w.buffer[w.offset] = VALUE_FLOAT;
    w.buffer.writeDoubleLE(value, w.offset + 1);
    w.offset += 9;
  } else if (typeof value === 'string') {
    w.byte(VALUE_STRING);
    w.string(value);
  } else {
    assert(typeof value === 'boolean', `wal: a field value is a number, string or boolean, got ${typeof value}`);
    w.byte(value ? VALUE_TRUE : VALUE_FALSE);
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

}

/** Whether an unpacked payload is this format's document (older releases wrote an object). */
export function isEntryDocument(document: unknown): document is unknown[] {
  return Array.isArray(document);
}

/** Decodes this format's unpacked document (see the header). */
export function decodeEntryDocument(document: unknown[], originSeq: number, version: bigint): WalEntry {
  assert(document[0] === ENTRY_FORMAT, `wal: unknown entry format ${String(document[0])}`);
  assert(document.length === 10, 'wal: entry document has the wrong length');
  const [, db, rp, origin, rawCatalogIndex, measurements, tagSets, keySets, typeSets, column] = document;
  const catalogIndex = typeof rawCatalogIndex === 'bigint' ? Number(rawCatalogIndex) : rawCatalogIndex;
  assert(typeof db === 'string' && typeof rp === 'string' && typeof origin === 'string' && typeof catalogIndex === 'number', 'wal: entry document has a malformed header');
  assert(isStringList(measurements) && isListOf(tagSets, isStringList) && isListOf(keySets, isStringList) && isListOf(typeSets, isTypeList), 'wal: entry document has malformed tables');
  assert(column instanceof Uint8Array, 'wal: entry document has no point column');
  const buffer = Buffer.from(column.buffer, column.byteOffset, column.byteLength);
  const r = new ByteReader(buffer, 0);
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

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isTypeList(value: unknown): value is FieldType[] {
  return Array.isArray(value) && value.every((item) => FIELD_TYPE_CODE.has(item as FieldType));
}

function isListOf<T>(value: unknown, item: (v: unknown) => v is T): value is T[] {
  return Array.isArray(value) && value.every(item);
}

function readValue(r: ByteReader): FieldValue {
  const tag = r.u8();
  if (tag === VALUE_FLOAT) return r.f64();
  if (tag === VALUE_STRING) return r.string();
  assert(tag === VALUE_TRUE || tag === VALUE_FALSE, `wal: bad value tag ${tag}`);
  return tag === VALUE_TRUE;
}
