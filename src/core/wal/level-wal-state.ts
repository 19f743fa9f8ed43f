// What the WAL knows about its LevelDB store when it opens: watermarks, holds, origins, the
// version floor and the sizes of the stored entries. Reads only; never writes or deletes.
import { randomBytes } from 'node:crypto';
import type { ClassicLevel } from 'classic-level';
import { assert } from '../errors.js';
import {
  CLEAN_CLOSE_KEY,
  ENTRY_KEY_END,
  ENTRY_KEY_MIN,
  FLUSHED_SEQ_KEY,
  FORMAT_KEY,
  HOLD_KEY_END,
  HOLD_KEY_MIN,
  INCARNATION_KEY,
  ORIGIN_KEY_END,
  ORIGIN_KEY_MIN,
  VERSION_KEY,
  holdNameOfKey,
  originIndexRange,
  originOfKey,
  originSeqOfIndexKey,
  readU64,
  seqOfEntryKey,
} from './wal-keys.js';

// 3: originSeq and version in the value header, catalogIndex in the entry, the (origin, originSeq)
// index, holds and the incarnation.
export const FORMAT_VERSION = 3;

export type Db = ClassicLevel<Buffer, Buffer>;

export interface StoredEntrySize {
  readonly seq: number;
  readonly bytes: number;
}

export interface LoadedWalState {
  readonly formatMissing: boolean;
  readonly incarnation: string | undefined;
  readonly cleanlyClosed: boolean;
  readonly flushed: number;
  readonly last: number;
  readonly versionFloor: bigint;
  readonly durableOrigins: Map<string, number>;
  readonly firstRetained: Map<string, number>;
  readonly holds: Map<string, number>;
  /** Every stored entry's size, ascending by seq. */
  readonly entries: StoredEntrySize[];
}

export function newIncarnation(): string {
  return randomBytes(4).toString('hex');
}

export async function loadWalState(db: Db, dir: string): Promise<LoadedWalState> {
  const format = await db.get(FORMAT_KEY);
  if (format !== undefined) {
    const found = readU64(format, 0);
    assert(found === FORMAT_VERSION, `wal: ${dir} holds format ${found}, this version reads ${FORMAT_VERSION}; move the directory aside (or restore a backup of this version)`);
  }
  const flushedValue = await db.get(FLUSHED_SEQ_KEY);
  const flushed = flushedValue === undefined ? 0 : readU64(flushedValue, 0);
  const incarnationValue = await db.get(INCARNATION_KEY);
  const versionValue = await db.get(VERSION_KEY);
  const cleanlyClosed = (await db.get(CLEAN_CLOSE_KEY)) !== undefined;

  const durableOrigins = new Map<string, number>();
  for await (const [key, value] of db.iterator({ gte: ORIGIN_KEY_MIN, lt: ORIGIN_KEY_END })) durableOrigins.set(originOfKey(key), readU64(value, 0));
  const firstRetained = new Map<string, number>();
  for (const origin of durableOrigins.keys()) {
    for await (const key of db.keys({ ...originIndexRange(origin), limit: 1 })) firstRetained.set(origin, originSeqOfIndexKey(key));
  }
  const holds = new Map<string, number>();
  for await (const [key, value] of db.iterator({ gte: HOLD_KEY_MIN, lt: HOLD_KEY_END })) holds.set(holdNameOfKey(key), readU64(value, 0));

  const entries: StoredEntrySize[] = [];
  let lastEntrySeq = 0;
  for await (const [key, value] of db.iterator({ gte: ENTRY_KEY_MIN, lt: ENTRY_KEY_END })) {
    lastEntrySeq = seqOfEntryKey(key);
    entries.push({ seq: lastEntrySeq, bytes: value.length });
  }
  return {
    formatMissing: format === undefined,
    incarnation: incarnationValue?.toString('utf8'),
    cleanlyClosed,
    flushed,
    // Truncation may have removed every entry; the watermark still bounds what was assigned.
    last: Math.max(lastEntrySeq, flushed),
    versionFloor: versionValue === undefined ? 0n : versionValue.readBigUInt64BE(0),
    durableOrigins,
    firstRetained,
    holds,
    entries,
  };
}
