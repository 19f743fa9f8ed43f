// LevelDB key layout of the WAL: one prefix byte per key space, seqs as 8-byte big-endian so
// byte order is seq order. Pure; never depends on classic-level.
import { assert } from '../errors.js';

const ENTRY_PREFIX = 0x65; // 'e' + u64 BE seq -> entry value
const META_PREFIX = 0x6d; // 'm' + name -> meta value
const ORIGIN_PREFIX = 0x6f; // 'o' + utf8 origin -> u64 BE originSeq

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
