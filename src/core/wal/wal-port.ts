// The write-ahead log as its consumers (write path, flush service, replicator) see it.
// Holds types, defaults and option validation only; never touches disk (level-wal.ts does).
import type { Point } from '../model/point.js';

export interface WalEntry {
  readonly db: string;
  readonly rp: string;
  readonly points: readonly Point[];
  /** Node that first accepted the write (the coordinator). */
  readonly origin: string;
  /** The origin's own sequence for this write; (origin, originSeq) identifies it cluster-wide. */
  readonly originSeq: number;
}

export interface WalRecord {
  readonly seq: number;
  readonly entry: WalEntry;
}

export interface WalReadLimits {
  /** At most this many records (>= 1). */
  readonly maxEntries: number;
  /**
   * Stop before a record that would take the total encoded size past this; the first record is
   * returned even when it alone is larger, so a reader can always make progress.
   */
  readonly maxBytes: number;
}

export interface Wal {
  /** Idempotent; concurrent calls join. */
  open(): Promise<void>;
  /** Writes what is queued, then closes. Idempotent; a second call joins the first. */
  close(): Promise<void>;
  /**
   * Appends an entry and resolves with its seq once its group-committed batch is written
   * (and fsynced when `syncOnAppend`). Rejects with a 503 LimitExceededError when the bytes not
   * yet flushed would exceed `maxPendingBytes`. Records the origin watermark as max(old, originSeq).
   */
  append(entry: WalEntry): Promise<number>;
  /**
   * Like append, unless (origin, originSeq) is at or below the origin's watermark: then writes
   * nothing and resolves null (after the earlier copy is durable, if it is still in flight).
   * Callers must deliver each origin's entries in originSeq order.
   */
  appendIfNew(entry: WalEntry): Promise<number | null>;
  /** Records with seq >= fromSeq, ascending, bounded by `limits`. */
  read(fromSeq: number, limits: WalReadLimits): Promise<WalRecord[]>;
  /** Highest seq assigned (0 if none); never decreases, survives truncation and reopen. */
  lastSeq(): number;
  /** Persisted flushed watermark: every entry with seq <= it is in the store. */
  flushedSeq(): number;
  /** Persists the flushed watermark (synced). Must not decrease nor pass lastSeq (asserted). */
  setFlushedSeq(seq: number): Promise<void>;
  /** Deletes entries with seq <= seq; seq must not pass flushedSeq (asserted). */
  truncateThrough(seq: number): Promise<void>;
  /** Approximate encoded bytes accepted but not yet flushed (queued + written), for backpressure. */
  pendingBytes(): number;
  /** Durable per-origin watermark: the highest originSeq written for each origin. */
  originWatermarks(): ReadonlyMap<string, number>;
}

export interface WalOptions {
  /** LevelDB directory, created if missing. */
  readonly dir: string;
  /** fsync each group-committed batch before acknowledging its appends. */
  readonly syncOnAppend: boolean;
  /** Most entries written in one LevelDB batch. */
  readonly groupCommitMaxBatch: number;
  /**
   * Longest an entry that queued behind a busy log waits for companions before its batch is
   * written. A lone writer on an idle log is written at once, whatever this is.
   */
  readonly groupCommitMaxDelayMs: number;
  /** Bound on bytes accepted but not yet flushed; appends past it get a 503. */
  readonly maxPendingBytes: number;
}

export const defaultWalOptions: Readonly<Omit<WalOptions, 'dir'>> = Object.freeze({
  syncOnAppend: true,
  groupCommitMaxBatch: 128,
  groupCommitMaxDelayMs: 1,
  maxPendingBytes: 256 * 1024 * 1024,
});

const MAX_BATCH_LIMIT = 65_536;
const MAX_DELAY_LIMIT_MS = 1_000;
const MIN_PENDING_BYTES = 64 * 1024;

/** Throws a RangeError naming the first option that is out of range. */
export function validateWalOptions(o: WalOptions): void {
  if (typeof o.dir !== 'string' || o.dir.length === 0) throw new RangeError('wal: dir must be a non-empty path');
  if (typeof o.syncOnAppend !== 'boolean') throw new RangeError('wal: syncOnAppend must be a boolean');
  if (!Number.isInteger(o.groupCommitMaxBatch) || o.groupCommitMaxBatch < 1 || o.groupCommitMaxBatch > MAX_BATCH_LIMIT) {
    throw new RangeError(`wal: groupCommitMaxBatch must be an integer in [1, ${MAX_BATCH_LIMIT}], got ${o.groupCommitMaxBatch}`);
  }
  if (!Number.isFinite(o.groupCommitMaxDelayMs) || o.groupCommitMaxDelayMs < 0 || o.groupCommitMaxDelayMs > MAX_DELAY_LIMIT_MS) {
    throw new RangeError(`wal: groupCommitMaxDelayMs must be in [0, ${MAX_DELAY_LIMIT_MS}], got ${o.groupCommitMaxDelayMs}`);
  }
  if (!Number.isSafeInteger(o.maxPendingBytes) || o.maxPendingBytes < MIN_PENDING_BYTES) {
    throw new RangeError(`wal: maxPendingBytes must be an integer >= ${MIN_PENDING_BYTES}, got ${o.maxPendingBytes}`);
  }
}
