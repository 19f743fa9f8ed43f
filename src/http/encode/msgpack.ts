// InfluxDB 1.x's MessagePack answer (Accept: application/x-msgpack), in the shape of its
// response_writer.go: floats stay float64, integers compact, times the msgp time extension (5).
// Pure byte building; never touches I/O.
//
// Written by hand rather than with msgpackr: msgpackr writes an integral JS number as an integer,
// while a float field must stay a float64 for the clients (Python's decodes 1.0 and 1 apart).

import type { Series, StatementResult } from '../../core/query/index.js';
import { formatTime, type Epoch } from './json.js';

/** The msgp library's time extension: big-endian int64 seconds then uint32 nanoseconds. */
export const MSGPACK_TIME_EXTENSION = 5;

/** Rows gathered into one piece of a streamed answer. */
const ROWS_PER_PIECE = 4_096;

/** A growable byte buffer with MessagePack writers. */
class MsgpackWriter {
  private buf = Buffer.allocUnsafe(4_096);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far; the writer starts empty again. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }

  mapHeader(n: number): void {
    this.header(n, 0x80, 0xde, 0xdf);
  }

  arrayHeader(n: number): void {
    this.header(n, 0x90, 0xdc, 0xdd);
  }

  private header(n: number, fix: number, h16: number, h32: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = fix | n;
    else if (n < 0x10000) {
      this.buf[this.pos++] = h16;
      this.buf.writeUInt16BE(n, this.pos);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = h32;
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    }
  }

  string(text: string): void {
    const bytes = Buffer.byteLength(text, 'utf8');
    this.ensure(bytes + 5);
    if (bytes < 32) this.buf[this.pos++] = 0xa0 | bytes;
    else if (bytes < 0x100) {
      this.buf[this.pos++] = 0xd9;
      this.buf[this.pos++] = bytes;
    } else if (bytes < 0x10000) {
      this.buf[this.pos++] = 0xda;
      this.buf.writeUInt16BE(bytes, this.pos);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = 0xdb;
      this.buf.writeUInt32BE(bytes, this.pos);
      this.pos += 4;
    }
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  float64(value: number): void {
    this.ensure(9);
    this.buf[this.pos++] = 0xcb;
    this.buf.writeDoubleBE(value, this.pos);
    this.pos += 8;
  }

  /**
   * msgp's WriteInt64: a fixint, else the smallest *signed* width (300 is int16, not uint16); a
   * value past int64 (an unsigned field) as msgp's WriteUint64 writes it.
   */
  integer(value: bigint): void {
    this.ensure(9);
    if (value >= -32n && value < 128n) this.buf[this.pos++] = Number(value) & 0xff;
    else if (value >= -0x80n && value < 0x80n) this.fixed(0xd0, 1, value);
    else if (value >= -0x8000n && value < 0x8000n) this.fixed(0xd1, 2, value);
    else if (value >= -0x80000000n && value < 0x80000000n) this.fixed(0xd2, 4, value);
    else if (value < 0x8000000000000000n) this.fixed(0xd3, 8, value);
    else this.fixed(0xcf, 8, value);
  }

  private fixed(code: number, bytes: 1 | 2 | 4 | 8, value: bigint): void {
    this.buf[this.pos++] = code;
    const signed = code >= 0xd0;
    if (bytes === 8) {
      if (signed) this.buf.writeBigInt64BE(value, this.pos);
      else this.buf.writeBigUInt64BE(value, this.pos);
    } else if (signed) this.buf.writeIntBE(Number(value), this.pos, bytes);
    else this.buf.writeUIntBE(Number(value), this.pos, bytes);
    this.pos += bytes;
  }

  bool(value: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = value ? 0xc3 : 0xc2;
  }

  nil(): void {
    this.ensure(1);
    this.buf[this.pos++] = 0xc0;
  }

  /** A time as msgp's WriteTime writes it: ext8, 12 bytes, type 5. */
  time(ns: bigint): void {
    this.ensure(15);
    const seconds = ns >= 0n ? ns / 1_000_000_000n : -((-ns + 999_999_999n) / 1_000_000_000n);
    const nanos = ns - seconds * 1_000_000_000n;
    this.buf[this.pos++] = 0xc7;
    this.buf[this.pos++] = 12;
    this.buf[this.pos++] = MSGPACK_TIME_EXTENSION;
    this.buf.writeBigInt64BE(seconds, this.pos);
    this.buf.writeUInt32BE(Number(nanos), this.pos + 8);
    this.pos += 12;
  }

  value(cell: unknown): void {
    if (cell === null || cell === undefined) this.nil();
    else if (typeof cell === 'number') this.float64(cell);
    else if (typeof cell === 'bigint') this.integer(cell);
    else if (typeof cell === 'boolean') this.bool(cell);
    else this.string(String(cell));
  }
}

export interface MsgpackOptions {
  readonly epoch?: Epoch;
}

function writeSeriesHead(w: MsgpackWriter, series: Series): void {
  const hasName = series.name !== undefined && series.name !== '';
  const tagKeys = Object.keys(series.tags ?? {}).sort();
  w.mapHeader(2 + (hasName ? 1 : 0) + (tagKeys.length > 0 ? 1 : 0) + (series.partial === true ? 1 : 0));
  if (hasName) {
    w.string('name');
    w.string(series.name!);
  }
  if (tagKeys.length > 0) {
    w.string('tags');
    w.mapHeader(tagKeys.length);
    for (const key of tagKeys) {
      w.string(key);
      w.string(series.tags?.[key] ?? '');
    }
  }
  w.string('columns');
  w.arrayHeader(series.columns.length);
  for (const column of series.columns) w.string(column);
  w.string('values');
  w.arrayHeader(series.values.length);
}

function* writeSeries(w: MsgpackWriter, series: Series, options: MsgpackOptions): Generator<Buffer> {
  writeSeriesHead(w, series);
  const hasTime = series.columns[0] === 'time';
  for (let r = 0; r < series.values.length; r++) {
    const row = series.values[r] as readonly unknown[];
    w.arrayHeader(row.length);
    for (let i = 0; i < row.length; i++) {
      const cell = row[i];
      if (i === 0 && hasTime && typeof cell === 'bigint') {
        if (options.epoch === undefined) w.time(cell);
        else w.integer(formatTime(cell, options.epoch) as bigint);
      } else {
        w.value(cell);
      }
    }
    if ((r + 1) % ROWS_PER_PIECE === 0) yield w.take();
  }
  if (series.partial === true) {
    w.string('partial');
    w.bool(true);
  }
}

/** One statement result: `{error}` alone when it failed, else statement_id, messages, series, partial. */
function* writeResult(w: MsgpackWriter, result: StatementResult, options: MsgpackOptions): Generator<Buffer> {
  if (result.error !== undefined && result.error !== '') {
    w.mapHeader(1);
    w.string('error');
    w.string(result.error);
    return;
  }
  const messages = result.messages ?? [];
  w.mapHeader(2 + (messages.length > 0 ? 1 : 0) + (result.partial === true ? 1 : 0));
  w.string('statement_id');
  w.integer(BigInt(result.statement_id));
  if (messages.length > 0) {
    w.string('messages');
    w.arrayHeader(messages.length);
    for (const message of messages) {
      w.mapHeader(2);
      w.string('level');
      w.string(message.level);
      w.string('text');
      w.string(message.text);
    }
  }
  const series = result.series ?? [];
  w.string('series');
  w.arrayHeader(series.length);
  for (const s of series) yield* writeSeries(w, s, options);
  if (result.partial === true) {
    w.string('partial');
    w.bool(true);
  }
}

/** `{results: [...]}` in pieces of some thousand rows, for writing a large answer as it is built. */
export function* formatResultsMsgpackPieces(results: readonly StatementResult[], options: MsgpackOptions = {}): Generator<Buffer> {
  const w = new MsgpackWriter();
  w.mapHeader(1);
  w.string('results');
  w.arrayHeader(results.length);
  for (const result of results) yield* writeResult(w, result, options);
  if (w.length > 0) yield w.take();
}

export function formatResultsMsgpack(results: readonly StatementResult[], options: MsgpackOptions = {}): Buffer {
  return Buffer.concat([...formatResultsMsgpackPieces(results, options)]);
}

/** `{error: message}`: a request that failed as a whole. */
export function formatErrorMsgpack(message: string): Buffer {
  const w = new MsgpackWriter();
  w.mapHeader(1);
  w.string('error');
  w.string(message);
  return w.take();
}
