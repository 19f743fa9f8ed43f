// LevelDB key layout of the WAL: one prefix byte per key space, seqs as 8-byte big-endian so
// byte order is seq order. Pure; never depends on classic-level.
import { assert } from '../errors.js';

const ENTRY_PREFIX = 0x65; // 'e' + u64 BE seq -> entry value
const META_PREFIX = 0x6d; // 'm' + name -> meta value
const ORIGIN_PREFIX = 0x6f; // 'o' + utf8 origin -> u64 BE originSeq
const ORIGIN_INDEX_PREFIX = 0x78; // 'x' + u8 origin length + utf8 origin + u64 BE originSeq -> u64 BE seq
const HOLD_PREFIX = 0x68; // 'h' + utf8 name -> u64 BE seq held through

export const ENTRY_KEY_BYTES = 9;
const TWO_POW_32 = 0x1_0000_0000;

/** Writes `n` (a non-negative safe integer) as 8 big-endian bytes at `offset`. */
export function writeU64(target: Buffer, offset: number, n: number): void {
  assert(Number.isSafeInteger(n) && n >= 0, `wal: u64 value must be a non-negative safe integer, got ${n}`);
  target.writeUInt32BE(Math.floor(n / TWO_POW_32), offset);
  target.writeUInt32BE(n >>> 0, offset + 4);
}

export function readU64(source: Buffer, offset: number): number {
  const n = source.readUInt32BE(offset) * TWO_POW_32 + source.readUInt32BE(offset + 4);
  assert(Number.isSafeInteger(n), `wal: stored u64 at offset ${offset} is beyond 2^53`);
  return n;
}

export function entryKey(seq: number): Buffer {
  const key = Buffer.allocUnsafe(ENTRY_KEY_BYTES);
  key[0] = ENTRY_PREFIX;
  writeU64(key, 1, seq);
  return key;
}

export function seqOfEntryKey(key: Buffer): number {
  assert(key.length === ENTRY_KEY_BYTES && key[0] === ENTRY_PREFIX, 'wal: not an entry key');
  return readU64(key, 1);
}

/** Bounds covering every entry key: gte ENTRY_KEY_MIN, lt ENTRY_KEY_END. */
export const ENTRY_KEY_MIN: Buffer = entryKey(0);
export const ENTRY_KEY_END: Buffer = Buffer.from([ENTRY_PREFIX + 1]);

function metaKey(name: string): Buffer {
  return Buffer.concat([Buffer.from([META_PREFIX]), Buffer.from(name, 'utf8')]);
}

export const FORMAT_KEY: Buffer = metaKey('format');
export const FLUSHED_SEQ_KEY: Buffer = metaKey('flushed-seq');
/** This log's incarnation (hex); the origin is `<node id>~<incarnation>`. */
export const INCARNATION_KEY: Buffer = metaKey('incarnation');
/** Highest write version given out (u64), so the version clock never runs backwards across restarts. */
export const VERSION_KEY: Buffer = metaKey('version');
/** Present only between a clean close and the next open. */
export const CLEAN_CLOSE_KEY: Buffer = metaKey('clean-close');

export function originKey(origin: string): Buffer {
  return Buffer.concat([Buffer.from([ORIGIN_PREFIX]), Buffer.from(origin, 'utf8')]);
}

export function originOfKey(key: Buffer): string {
  assert(key.length >= 1 && key[0] === ORIGIN_PREFIX, 'wal: not an origin key');
  return key.toString('utf8', 1);
}

export const ORIGIN_KEY_MIN: Buffer = Buffer.from([ORIGIN_PREFIX]);
export const ORIGIN_KEY_END: Buffer = Buffer.from([ORIGIN_PREFIX + 1]);

export function u64Value(n: number): Buffer {
  const value = Buffer.allocUnsafe(8);
  writeU64(value, 0, n);
  return value;
}

function originPrefix(origin: string): Buffer {
  const bytes = Buffer.from(origin, 'utf8');
  assert(bytes.length >= 1 && bytes.length <= 255, `wal: origin must be 1-255 bytes, got ${bytes.length}`);
  return Buffer.concat([Buffer.from([ORIGIN_INDEX_PREFIX, bytes.length]), bytes]);
}

/** Index key of (origin, originSeq): entries of one origin sort by originSeq. */
export function originIndexKey(origin: string, originSeq: number): Buffer {
  const prefix = originPrefix(origin);
  const key = Buffer.allocUnsafe(prefix.length + 8);
  prefix.copy(key, 0);
  writeU64(key, prefix.length, originSeq);
  return key;
}

export function originSeqOfIndexKey(key: Buffer): number {
  assert(key.length >= 11 && key[0] === ORIGIN_INDEX_PREFIX, 'wal: not an origin index key');
  return readU64(key, key.length - 8);
}

/** Bounds covering every index key of `origin`: gte, lt. */
export function originIndexRange(origin: string): { gte: Buffer; lt: Buffer } {
  const prefix = originPrefix(origin);
  return { gte: prefix, lt: Buffer.concat([prefix, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]) };
}

export function holdKey(name: string): Buffer {
  return Buffer.concat([Buffer.from([HOLD_PREFIX]), Buffer.from(name, 'utf8')]);
}

export function holdNameOfKey(key: Buffer): string {
  assert(key.length >= 1 && key[0] === HOLD_PREFIX, 'wal: not a hold key');
  return key.toString('utf8', 1);
}

export const HOLD_KEY_MIN: Buffer = Buffer.from([HOLD_PREFIX]);
export const HOLD_KEY_END: Buffer = Buffer.from([HOLD_PREFIX + 1]);

export function u64BigValue(n: bigint): Buffer {
  assert(n >= 0n && n < 1n << 64n, `wal: u64 value out of range: ${n}`);
  const value = Buffer.allocUnsafe(8);
  value.writeBigUInt64BE(n, 0);
  return value;
}
