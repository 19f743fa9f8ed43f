// Decodes ClickHouse's Native output format into the rows JSONCompact would have given.
//
// Native is columnar and what ClickHouse holds in memory, so chDB writes it at almost no cost
// (JSONCompact's text formatting and Node's JSON.parse cost several ms per MB of result). The
// decoded values are exactly JSONCompact's (with 64-bit integers quoted and NaN/Inf as strings),
// so callers see no difference. Types outside the supported set raise UnsupportedNativeType and
// the caller reads that statement as JSONCompact instead. No I/O.

import { Buffer } from 'node:buffer';
import { eventLoopTurns } from '../event-loop-turns.js';
import { parseTypeName, type TypeName } from './type-names.js';

export class UnsupportedNativeType extends Error {
  constructor(readonly type: string) {
    super(`unsupported type in Native result: ${type}`);
    this.name = 'UnsupportedNativeType';
  }
}

export interface DecodedResult {
  readonly columns: string[];
  readonly types: string[];
  readonly rows: unknown[][];
}

class Reader {
  offset = 0;
  private readonly view: DataView;

  constructor(readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.offset >= this.buf.length;
  }

  need(bytes: number): void {
    if (this.offset + bytes > this.buf.length) throw new RangeError('truncated Native result');
  }

  varUInt(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 9; i++) {
      this.need(1);
      const byte = this.buf[this.offset++]!;
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) throw new RangeError('Native length out of range');
        return result;
      }
      scale *= 128;
    }
    throw new RangeError('malformed Native varint');
  }

  string(): string {
    const length = this.varUInt();
    this.need(length);
    const text = this.buf.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return text;
  }

  fixed(width: number): number {
    this.need(width);
    const at = this.offset;
    this.offset += width;
    return at;
  }

  u8(at: number): number {
    return this.buf[at]!;
  }

  dv(): DataView {
    return this.view;
  }
}

/**
 * Reads one column of a block. `prefix` reads the column's serialization state, which ClickHouse
 * writes for the whole column ahead of its data: a LowCardinality nested in an Array, Tuple or
 * Nullable has its version before the outer type's offsets or null map.
 */
type ColumnReader = ((reader: Reader, rows: number) => unknown[]) & { prefix?: (reader: Reader) => void };

function withPrefix(read: (reader: Reader, rows: number) => unknown[], prefix: ((reader: Reader) => void) | undefined): ColumnReader {
  const column: ColumnReader = read;
  if (prefix) column.prefix = prefix;
  return column;
}

/** The prefixes of several nested columns, in order; undefined when none has one. */
function prefixes(columns: readonly ColumnReader[]): ((reader: Reader) => void) | undefined {
  const withState = columns.filter((c) => c.prefix !== undefined);
  if (withState.length === 0) return undefined;
  return (reader) => {
    for (const column of columns) column.prefix?.(reader);
  };
}

function parseType(type: string): TypeName {
  const node = parseTypeName(type);
  if (node === undefined) throw new UnsupportedNativeType(type);
  return node;
}

/** JSONCompact's text of a non-finite float (output_format_json_quote_denormals=1). */
function floatValue(x: number): number | string {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return 'nan';
  return x > 0 ? 'inf' : '-inf';
}

/** The shortest decimal that reads back as the same Float32, as ClickHouse prints it. */
function float32Value(x: number): number | string {
  if (!Number.isFinite(x) || x === 0) return floatValue(x);
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return candidate;
  }
  return Number(x.toPrecision(9));
}

function numeric(width: number, read: (view: DataView, at: number) => unknown): ColumnReader {
  return (reader, rows) => {
    const start = reader.fixed(width * rows);
    const view = reader.dv();
    const out = new Array<unknown>(rows);
    for (let i = 0; i < rows; i++) out[i] = read(view, start + i * width);
    return out;
  };
}

/** A 128- or 256-bit little-endian integer as decimal text (or a bigint). */
function wideInt(bytes: number, signed: boolean, bigIntegers: boolean): ColumnReader {
  return numeric(bytes, (view, at) => {
    let value = 0n;
    for (let limb = bytes / 8 - 1; limb >= 0; limb--) value = (value << 64n) | view.getBigUint64(at + limb * 8, true);
    if (signed && value >> BigInt(bytes * 8 - 1) === 1n) value -= 1n << BigInt(bytes * 8);
    return bigIntegers ? value : value.toString();
  });
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** `YYYY-MM-DD hh:mm:ss` of a UTC epoch second count. */
function utcDateTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`
  );
}

/** Native drops a DateTime's zone from its type name, and a zoneless one prints in the server's zone. */
function isUtc(zoneArg: string | undefined): boolean {
  return zoneArg === "'UTC'" || zoneArg === "'Etc/UTC'";
}

function dateTime64Reader(type: string, node: TypeName): ColumnReader {
  const precision = Number(node.args[0]);
  if (!Number.isInteger(precision) || precision < 0 || precision > 9 || !isUtc(node.args[1])) throw new UnsupportedNativeType(type);
  const scale = 10n ** BigInt(precision);
  return numeric(8, (view, at) => {
    const ticks = view.getBigInt64(at, true);
    let seconds = ticks / scale;
    let fraction = ticks % scale;
    if (fraction < 0n) {
      fraction += scale;
      seconds -= 1n;
    }
    const whole = utcDateTime(Number(seconds));
    return precision === 0 ? whole : `${whole}.${fraction.toString().padStart(precision, '0')}`;
  });
}

const LC_INDEX_TYPE_MASK = 0xff;
const LC_NEEDS_GLOBAL_DICTIONARY = 1 << 8;
const LC_HAS_ADDITIONAL_KEYS = 1 << 9;

/**
 * LowCardinality(T): a serialization version, then chunks of (flags, dictionary keys, row count,
 * indexes into the keys). For LowCardinality(Nullable(T)) the keys are T and index 0 is NULL.
 * Native output carries its keys inline; a shared (global) dictionary is not supported.
 */
function lowCardinalityReader(type: string, innerType: string, bigIntegers: boolean): ColumnReader {
  const inner = parseType(innerType);
  const nullable = inner.name === 'Nullable';
  const readKeys = columnReader(nullable ? (inner.args[0] ?? '') : innerType, bigIntegers);
  const read = (reader: Reader, rows: number): unknown[] => {
    const view = reader.dv();
    const out = new Array<unknown>(rows);
    let keys: unknown[] = [];
    let filled = 0;
    while (filled < rows) {
      const flags = Number(view.getBigUint64(reader.fixed(8), true));
      if ((flags & LC_NEEDS_GLOBAL_DICTIONARY) !== 0) throw new UnsupportedNativeType(type);
      if ((flags & LC_HAS_ADDITIONAL_KEYS) !== 0) {
        const keyCount = Number(view.getBigUint64(reader.fixed(8), true));
        keys = readKeys(reader, keyCount);
      }
      const count = Number(view.getBigUint64(reader.fixed(8), true));
      if (count === 0 || filled + count > rows) throw new RangeError('malformed LowCardinality column');
      const width = 1 << (flags & LC_INDEX_TYPE_MASK);
      if (width > 8) throw new RangeError('malformed LowCardinality index type');
      const start = reader.fixed(width * count);
      for (let i = 0; i < count; i++) {
        const at = start + i * width;
        const index = width === 1 ? view.getUint8(at) : width === 2 ? view.getUint16(at, true) : width === 4 ? view.getUint32(at, true) : Number(view.getBigUint64(at, true));
        out[filled + i] = nullable && index === 0 ? null : keys[index];
      }
      filled += count;
    }
    return out;
  };
  return withPrefix(read, (reader) => void reader.fixed(8)); // KeysSerializationVersion
}

/** `bigIntegers`: 64-bit and wider integers as bigint instead of JSONCompact's decimal text. */
function columnReader(type: string, bigIntegers: boolean): ColumnReader {
  const node = parseType(type);
  switch (node.name) {
    case 'UInt8':
      return numeric(1, (v, at) => v.getUint8(at));
    case 'UInt16':
      return numeric(2, (v, at) => v.getUint16(at, true));
    case 'UInt32':
      return numeric(4, (v, at) => v.getUint32(at, true));
    case 'UInt64':
      return bigIntegers ? numeric(8, (v, at) => v.getBigUint64(at, true)) : numeric(8, (v, at) => v.getBigUint64(at, true).toString());
    case 'Int8':
      return numeric(1, (v, at) => v.getInt8(at));
    case 'Int16':
      return numeric(2, (v, at) => v.getInt16(at, true));
    case 'Int32':
      return numeric(4, (v, at) => v.getInt32(at, true));
    case 'Int64':
      return bigIntegers ? numeric(8, (v, at) => v.getBigInt64(at, true)) : numeric(8, (v, at) => v.getBigInt64(at, true).toString());
    case 'Int128':
      return wideInt(16, true, bigIntegers);
    case 'UInt128':
      return wideInt(16, false, bigIntegers);
    case 'Int256':
      return wideInt(32, true, bigIntegers);
    case 'UInt256':
      return wideInt(32, false, bigIntegers);
    case 'Float32':
      return numeric(4, (v, at) => float32Value(v.getFloat32(at, true)));
    case 'Float64':
      return numeric(8, (v, at) => floatValue(v.getFloat64(at, true)));
    case 'Bool':
      return numeric(1, (v, at) => v.getUint8(at) !== 0);
    case 'Date':
      return numeric(2, (v, at) => utcDateTime(v.getUint16(at, true) * 86400).slice(0, 10));
    case 'Date32':
      return numeric(4, (v, at) => utcDateTime(v.getInt32(at, true) * 86400).slice(0, 10));
    case 'DateTime':
      if (!isUtc(node.args[0])) throw new UnsupportedNativeType(type);
      return numeric(4, (v, at) => utcDateTime(v.getUint32(at, true)));
    case 'DateTime64':
      return dateTime64Reader(type, node);
    case 'String':
      return (reader, rows) => {
        const out = new Array<unknown>(rows);
        for (let i = 0; i < rows; i++) out[i] = reader.string();
        return out;
      };
    case 'FixedString': {
      const width = Number(node.args[0]);
      if (!Number.isInteger(width) || width <= 0) throw new UnsupportedNativeType(type);
      return (reader, rows) => {
        const start = reader.fixed(width * rows);
        const out = new Array<unknown>(rows);
        for (let i = 0; i < rows; i++) out[i] = reader.buf.toString('utf8', start + i * width, start + (i + 1) * width);
        return out;
      };
    }
    case 'LowCardinality':
      return lowCardinalityReader(type, node.args[0] ?? '', bigIntegers);
    case 'SimpleAggregateFunction':
      // Stored as its argument type (field columns are SimpleAggregateFunction(max, Tuple(UInt64, Nullable(T)))).
      if (node.args.length !== 2) throw new UnsupportedNativeType(type);
      return columnReader(node.args[1]!, bigIntegers);
    case 'Nothing':
      // One placeholder byte a row; only ever seen inside Nullable, where every row is NULL.
      return (reader, rows) => {
        reader.fixed(rows);
        return new Array<unknown>(rows).fill(null);
      };
    case 'Nullable': {
      const inner = columnReader(node.args[0] ?? '', bigIntegers);
      return withPrefix((reader, rows) => {
        const nulls = reader.fixed(rows);
        const values = inner(reader, rows);
        for (let i = 0; i < rows; i++) if (reader.u8(nulls + i) !== 0) values[i] = null;
        return values;
      }, inner.prefix);
    }
    case 'Array': {
      const inner = columnReader(node.args[0] ?? '', bigIntegers);
      return withPrefix((reader, rows) => {
        const offsets = reader.fixed(8 * rows);
        const view = reader.dv();
        const ends = new Array<number>(rows);
        for (let i = 0; i < rows; i++) ends[i] = Number(view.getBigUint64(offsets + 8 * i, true));
        const values = inner(reader, rows === 0 ? 0 : ends[rows - 1]!);
        const out = new Array<unknown>(rows);
        let start = 0;
        for (let i = 0; i < rows; i++) {
          out[i] = values.slice(start, ends[i]);
          start = ends[i]!;
        }
        return out;
      }, inner.prefix);
    }
    case 'Tuple': {
      // JSONCompact writes a named tuple as an object; only unnamed ones (arrays) are decoded here.
      if (node.args.length === 0 || node.args.some((arg) => /^[A-Za-z_][A-Za-z0-9_]*\s+[A-Z]/.test(arg))) throw new UnsupportedNativeType(type);
      const elements = node.args.map((arg) => columnReader(arg, bigIntegers));
      return withPrefix((reader, rows) => {
        const columns = elements.map((read) => read(reader, rows));
        const out = new Array<unknown>(rows);
        for (let i = 0; i < rows; i++) out[i] = columns.map((c) => c[i]);
        return out;
      }, prefixes(elements));
    }
    default:
      throw new UnsupportedNativeType(type);
  }
}

/** Called with a block's size before its columns are decoded (a budget may refuse it by throwing). */
export type BeforeBlock = (rows: number, columns: number) => void;

/**
 * Decodes a Native stream (blocks of columns, each with its name and type) into rows. An empty
 * buffer is an empty result. Readers are built once per type and reused across blocks.
 */
export function decodeNative(bytes: Uint8Array, beforeBlock?: BeforeBlock): DecodedResult {
  const builder = new NativeResultBuilder();
  const steps = builder.blocks(bytes, beforeBlock);
  while (steps.next().done !== true);
  return builder.result();
}

/** decodeNative, giving the event loop a turn after each slice (ROWS_PER_STEP rows) of a large answer. */
export async function decodeNativeYielding(bytes: Uint8Array, beforeBlock?: BeforeBlock): Promise<DecodedResult> {
  const builder = new NativeResultBuilder();
  for (const _ of builder.blocks(bytes, beforeBlock)) await eventLoopTurns.next();
  return builder.result();
}

/** Rows built between two pauses of blocks(): a few ms of work. */
const ROWS_PER_STEP = 16_384;

/**
 * Rows of a Native answer that arrives in pieces (a streamed read hands over a block at a time):
 * each piece is decoded as it comes, with the column readers kept across pieces.
 */
export class NativeResultBuilder {
  private columns: string[] = [];
  private types: string[] = [];
  private readonly readers = new Map<string, ColumnReader>();
  private rows: unknown[][] = [];
  private first = true;

  /** `bigIntegers`: 64-bit and wider integers as bigint, sparing the text JSONCompact would give. */
  constructor(private readonly options: { readonly bigIntegers?: boolean } = {}) {}

  /** Rows decoded so far. */
  get rowCount(): number {
    return this.rows.length;
  }

  /** Decodes every block of `bytes`, pausing (yield) after each block and every ROWS_PER_STEP rows. */
  *blocks(bytes: Uint8Array, beforeBlock?: BeforeBlock): Generator<undefined, void> {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const reader = new Reader(buf);
    while (!reader.done) {
      const columnCount = reader.varUInt();
      const rowCount = reader.varUInt();
      beforeBlock?.(rowCount, columnCount);
      yield* this.block(reader, columnCount, rowCount);
    }
  }

  /** The decoded result; the builder must not be used afterwards. */
  result(): DecodedResult {
    return { columns: this.columns, types: this.types, rows: this.rows };
  }

  /** The rows decoded since the last call (with the result's columns and types), handed over. */
  takeRows(): DecodedResult {
    const rows = this.rows;
    this.rows = [];
    return { columns: this.columns, types: this.types, rows };
  }

  private *block(reader: Reader, columnCount: number, rowCount: number): Generator<undefined, void> {
    const blockColumns: unknown[][] = [];
    const names: string[] = [];
    const blockTypes: string[] = [];
    for (let c = 0; c < columnCount; c++) {
      names.push(reader.string());
      const type = reader.string();
      blockTypes.push(type);
      let read = this.readers.get(type);
      if (!read) {
        read = columnReader(type, this.options.bigIntegers === true);
        this.readers.set(type, read);
      }
      read.prefix?.(reader);
      blockColumns.push(read(reader, rowCount));
    }
    if (this.first) {
      this.columns = names;
      this.types = blockTypes;
      this.first = false;
    } else if (names.length !== this.columns.length) {
      throw new RangeError('Native result blocks disagree on their columns');
    }
    const rows = this.rows;
    for (let start = 0; start < rowCount; start += ROWS_PER_STEP) {
      const end = Math.min(rowCount, start + ROWS_PER_STEP);
      for (let r = start; r < end; r++) {
        const row = new Array<unknown>(columnCount);
        for (let c = 0; c < columnCount; c++) row[c] = blockColumns[c]![r];
        rows.push(row);
      }
      yield;
    }
    if (rowCount === 0) yield;
  }
}
