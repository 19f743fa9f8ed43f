// The body of POST /internal/replicate and of WAL-delta pulls: one origin's consecutive entries as
// the sealed values its WAL stored (wal/entry-codec.ts; the batch around them is msgpack), so the
// sender never re-encodes them.

import { Packr } from 'msgpackr';
import { WalEntryCodec } from '../../core/wal/entry-codec.js';
import type { WalEntry } from '../../core/wal/wal-port.js';

export const REPLICATE_CONTENT_TYPE = 'application/vnd.hyperbytedb.replicate+msgpack.v1';

const packr = new Packr({ useRecords: false });
const codec = new WalEntryCodec();

export interface ReplicateBatch {
  readonly origin: string;
  /** Sealed WAL values of consecutive originSeqs. */
  readonly values: readonly Buffer[];
}

export function encodeReplicateBatch(batch: ReplicateBatch): Buffer {
  return packr.pack({ origin: batch.origin, values: batch.values });
}

export function decodeReplicateBatch(body: Buffer): { origin: string; entries: WalEntry[]; values: Buffer[] } {
  const decoded = packr.unpack(body) as { origin?: unknown; values?: unknown };
  if (typeof decoded !== 'object' || decoded === null || typeof decoded.origin !== 'string' || !Array.isArray(decoded.values)) {
    throw new Error('replicate: body is not a batch');
  }
  const values = decoded.values.map((value) => Buffer.from(value as Uint8Array));
  const entries = values.map((value) => codec.decodeShipped(value));
  for (let i = 0; i < entries.length; i++) {
    if (entries[i]!.origin !== decoded.origin) throw new Error('replicate: an entry of another origin in the batch');
    if (i > 0 && entries[i]!.originSeq !== entries[i - 1]!.originSeq + 1) throw new Error('replicate: entries of a batch are not consecutive');
  }
  return { origin: decoded.origin, entries, values };
}
