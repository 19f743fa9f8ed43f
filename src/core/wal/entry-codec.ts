// WAL value framing: [crc32 u32][originSeq u64][version u64][payload] (big-endian), the CRC taken
// over key + the rest, so a value under the wrong key fails too. The payload is a msgpackr
// document in the shape of entry-binary.ts; values of older releases (msgpackr records) are still read. The originSeq and
// version sit in the header because the log assigns them when it writes the batch. Never hands
// back an entry whose checksum did not match.
import { Unpackr } from 'msgpackr';
import { assert } from '../errors.js';
import { crc32 } from './crc32.js';
import { readU64, writeU64 } from './wal-keys.js';
import type { WalEntry } from './wal-port.js';
import type { FieldType, FieldValue, Point } from '../model/point.js';
import { decodeEntryDocument, encodeBinaryEntry, isEntryDocument, RefTable, type EntryBody } from './entry-binary.js';

/**
 * The stored shape: points flattened into one array, with measurement names, tag sets, field-key
 * lists and field-type lists stored once per entry and referenced by index. The parser shares
 * those arrays between points of one series, so this costs a table lookup per point instead of
 * re-encoding ~20 strings; decoding restores the sharing.
 */
interface StoredEntry {
  readonly db: string;
  readonly rp: string;
  readonly origin: string;
  readonly catalogIndex: number;
  readonly measurements: string[];
  readonly tagSets: Array<readonly string[]>;
  readonly keySets: Array<readonly string[]>;
  readonly typeSets: Array<readonly FieldType[]>;
  /** Per point: measurement, tag set, key set, type set, timeNs, then one value per key. */
  readonly flat: Array<number | bigint | string | boolean | null>;
}


export function toStoredEntry(entry: EntryBody): StoredEntry {
  const measurements = new RefTable<string>();
  const tagSets = new RefTable<readonly string[]>();
  const keySets = new RefTable<readonly string[]>();
  const typeSets = new RefTable<readonly FieldType[]>();
  const flat: StoredEntry['flat'] = [];
  for (const point of entry.points) {
    flat.push(measurements.ref(point.measurement), tagSets.ref(point.tags), keySets.ref(point.fieldKeys), typeSets.ref(point.fieldTypes), point.timeNs);
    for (const value of point.fieldValues) flat.push(value);
  }
  return {
    db: entry.db,
    rp: entry.rp,
    origin: entry.origin,
    catalogIndex: entry.catalogIndex,
    measurements: measurements.items,
    tagSets: tagSets.items,
    keySets: keySets.items,
    typeSets: typeSets.items,
    flat,
  };
}

export function fromStoredEntry(stored: StoredEntry, originSeq: number, version: bigint): WalEntry {
  const points: Point[] = [];
  const { flat } = stored;
  let i = 0;
  while (i < flat.length) {
    const measurement = stored.measurements[flat[i] as number];
    const tags = stored.tagSets[flat[i + 1] as number];
    const fieldKeys = stored.keySets[flat[i + 2] as number];
    const fieldTypes = stored.typeSets[flat[i + 3] as number];
    const time = flat[i + 4];
    assert(measurement !== undefined && tags && fieldKeys && fieldTypes, 'wal: entry references a missing table row');
    const timeNs = typeof time === 'bigint' ? time : time === null ? null : BigInt(time as number);
    i += 5;
    const fieldValues = flat.slice(i, i + fieldKeys.length) as FieldValue[];
    i += fieldKeys.length;
    points.push({ measurement, tags, fieldKeys, fieldTypes, fieldValues, timeNs });
  }
  return { db: stored.db, rp: stored.rp, points, origin: stored.origin, originSeq, version, catalogIndex: stored.catalogIndex };
}

export const VALUE_HEADER_BYTES = 20;
const ORIGIN_SEQ_OFFSET = 4;
const VERSION_OFFSET = 12;

export class WalEntryCodec {
  // Decodes both payloads: this release's document (entry-binary.ts) and older releases' msgpackr
  // records of a StoredEntry (records without shared structures, int64 decoded as bigint). The
  // flat StoredEntry was replaced on the write path: building it boxed every float and msgpackr
  // then walked it, ~4 µs a point of the acknowledgement's main-thread time (docs/benchmarks.md).
  private readonly unpackr = new Unpackr({ useRecords: true, int64AsType: 'bigint' });

  /** Encodes with a zeroed header; `seal` fills originSeq, version and the checksum once the key is known. */
  encode(entry: EntryBody): Buffer {
    return encodeBinaryEntry(entry, VALUE_HEADER_BYTES);
  }

  private decodePayload(value: Buffer, originSeq: number, version: bigint): WalEntry {
    const document: unknown = this.unpackr.unpack(value.subarray(VALUE_HEADER_BYTES));
    if (isEntryDocument(document)) return decodeEntryDocument(document, originSeq, version);
    return fromStoredEntry(document as StoredEntry, originSeq, version);
  }

  seal(key: Buffer, value: Buffer, originSeq: number, version: bigint): void {
    assert(Number.isSafeInteger(originSeq) && originSeq >= 1, `wal: originSeq must be a positive integer, got ${originSeq}`);
    writeU64(value, ORIGIN_SEQ_OFFSET, originSeq);
    value.writeBigUInt64BE(version, VERSION_OFFSET);
    value.writeUInt32BE(checksum(key, value), 0);
  }

  /**
   * Decodes a value another node stored and shipped: its checksum covers the sender's key, which
   * the receiver does not know, so only the shape is checked; the receiver seals its own copy.
   */
  decodeShipped(value: Buffer): WalEntry {
    assert(value.length > VALUE_HEADER_BYTES, `wal: shipped entry is truncated (${value.length} bytes)`);
    const entry = this.decodePayload(value, readU64(value, ORIGIN_SEQ_OFFSET), value.readBigUInt64BE(VERSION_OFFSET));
    assert(typeof entry.db === 'string' && typeof entry.rp === 'string' && typeof entry.origin === 'string' && Number.isSafeInteger(entry.catalogIndex), 'wal: shipped value is not a WalEntry');
    return entry;
  }

  /** Verifies the checksum (assert: corruption stops the caller) and decodes. */
  decode(key: Buffer, value: Buffer, seq: number): WalEntry {
    assert(value.length > VALUE_HEADER_BYTES, `wal: entry ${seq} is truncated (${value.length} bytes)`);
    const stored = value.readUInt32BE(0);
    const computed = checksum(key, value);
    assert(stored === computed, `wal: CRC mismatch in entry ${seq}: stored ${hex(stored)}, computed ${hex(computed)}`);
    const entry = this.decodePayload(value, readU64(value, ORIGIN_SEQ_OFFSET), value.readBigUInt64BE(VERSION_OFFSET));
    assert(
      typeof entry === 'object' && entry !== null && typeof entry.db === 'string' && typeof entry.rp === 'string' &&
        Array.isArray(entry.points) && typeof entry.origin === 'string' && Number.isSafeInteger(entry.catalogIndex),
      `wal: entry ${seq} passed its CRC but is not a WalEntry`,
    );
    return entry;
  }
}

function checksum(key: Buffer, value: Buffer): number {
  return crc32(value.subarray(4), crc32(key));
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
