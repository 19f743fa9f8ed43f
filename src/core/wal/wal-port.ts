// The write-ahead log as its consumers (write path, flush service, replicator) see it.
// Holds types, defaults and option validation only; never touches disk (level-wal.ts does).
import { HyperbyteError } from '../errors.js';
import type { Point } from '../model/point.js';

export interface WalEntry {
  readonly db: string;
  readonly rp: string;
  readonly points: readonly Point[];
  /** The WAL stream that first accepted the write (a node's incarnation: `<node id>~<hex>`). */
  readonly origin: string;
  /** The origin's own sequence for this write, gap-free from 1; (origin, originSeq) identifies it cluster-wide. */
  readonly originSeq: number;
  /**
   * The write's hybrid-logical-clock version, given by its origin: of two values of one field at one
   * series and time, every replica keeps the one with the higher version (then the higher value).
   */
  readonly version: bigint;
  /** The catalog index the origin validated the points against; a replica stores the entry only once its catalog reached it. */
  readonly catalogIndex: number;
}

/** A write accepted by this node: the WAL gives it this node's origin, the next originSeq and a version. */
export interface LocalWrite {
  readonly db: string;
  readonly rp: string;
  readonly points: readonly Point[];
  readonly catalogIndex: number;
}

export interface AppendReceipt {
  readonly seq: number;
  readonly origin: string;
  readonly originSeq: number;
  readonly version: bigint;
}

export type ReplicatedAppend = { readonly kind: 'appended'; readonly seq: number } | { readonly kind: 'duplicate' };

export interface WalRecord {
  readonly seq: number;
  readonly entry: WalEntry;
}

/** An entry just made durable, handed to the WAL's observers (flush, replication). */
export interface DurableRecord {
  readonly seq: number;
  readonly entry: WalEntry;
  /** The sealed value as stored. */
  readonly value: Buffer;
}

export type DurableListener = (record: DurableRecord) => void;

export interface OriginRecord extends WalRecord {
  /** The sealed value as stored (a replica decodes it with WalEntryCodec.decodeShipped). */
  readonly value: Buffer;
}

export interface OriginRead {
  readonly records: readonly OriginRecord[];
  /** Lowest originSeq of the origin still held (undefined if none is). */
  readonly firstRetained: number | undefined;
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

/**
 * A replicated entry skips ahead of what this WAL holds of its origin: the sender must resend from
 * `watermark + 1`. Entries are only ever accepted in order, never with a hole.
 */
export class WalGapError extends HyperbyteError {
  constructor(
    readonly origin: string,
    readonly watermark: number,
    readonly received: number,
  ) {
    super('HB_WAL_GAP', 409, `gap: origin ${origin} is at ${watermark}, received ${received}`);
  }
}

/** The origin's entries below `firstRetained` are truncated here; whoever needs them must copy the data set. */
export class WalTruncatedError extends HyperbyteError {
  constructor(
    readonly origin: string,
    readonly firstRetained: number | undefined,
  ) {
    super('HB_WAL_TRUNCATED', 410, `wal truncated: origin ${origin} is retained from ${firstRetained ?? 'nothing'}`);
  }
}

/** Why the WAL let a hold go: the hold's owner missed entries and must catch up another way. */
export interface HoldDropped {
  readonly name: string;
  readonly heldThroughSeq: number;
  readonly truncatedThroughSeq: number;
  readonly reason: 'size' | 'age';
}

export interface Wal {
  /** Idempotent; concurrent calls join. */
  open(): Promise<void>;
  /** Writes what is queued, then closes. Idempotent; a second call joins the first. */
  close(): Promise<void>;
  /** This node's origin (stable across restarts; new after a wipe or an unclean stop without fsync). */
  readonly localOrigin: string;
  /**
   * Appends a write of this node, resolving once its group-committed batch is written (and
   * fsynced when `syncOnAppend`). Rejects with a 503 when the bytes not yet flushed would exceed
   * `maxPendingBytes`, or while the log recovers from a failed write.
   */
  appendLocal(write: LocalWrite): Promise<AppendReceipt>;
  /**
   * Appends an entry of another origin, idempotently and in order: an (origin, originSeq) the
   * log holds or admitted resolves `duplicate` (once the first copy is durable); the next one
   * is appended; one beyond the next throws WalGapError. `shippedValue`, the sealed value the
   * origin stored (as replication ships it), is stored as it is (resealed for this log) instead
   * of encoding the entry again.
   */
  appendReplicated(entry: WalEntry, shippedValue?: Buffer): Promise<ReplicatedAppend>;
  /** Records with seq >= fromSeq, ascending, bounded by `limits`. */
  read(fromSeq: number, limits: WalReadLimits): Promise<WalRecord[]>;
  /**
   * The origin's records with originSeq >= fromOriginSeq, in originSeq order, bounded by `limits`.
   * Throws WalTruncatedError when fromOriginSeq is below what is retained (and above 0).
   */
  readOrigin(origin: string, fromOriginSeq: number, limits: WalReadLimits): Promise<OriginRead>;
  /** Highest seq assigned (0 if none); never decreases, survives truncation and reopen. */
  lastSeq(): number;
  /** Persisted flushed watermark: every entry with seq <= it is in the store. */
  flushedSeq(): number;
  /** Persists the flushed watermark (synced). Must not decrease nor pass lastSeq (asserted). */
  setFlushedSeq(seq: number): Promise<void>;
  /**
   * Deletes what no consumer needs: entries through the flushed watermark and every hold,
   * except that the retention bounds (size, age) let go of holds that keep too much.
   */
  truncate(): Promise<void>;
  /** Approximate encoded bytes accepted but not yet flushed (queued + written), for backpressure. */
  pendingBytes(): number;
  /** Encoded bytes of the entries still stored (flushed or not). */
  retainedBytes(): number;
  /** Durable per-origin watermark: every originSeq up to it is held or was held. */
  originWatermarks(): ReadonlyMap<string, number>;
  /** Lowest originSeq still stored per origin (origins with nothing stored are absent). */
  firstRetained(): ReadonlyMap<string, number>;
  /** Calls `listener` for every entry once it is durable, in seq order. Returns an unsubscribe. */
  onDurable(listener: DurableListener): () => void;
  /**
   * Keeps entries with seq > throughSeq from truncation on behalf of `name` (persisted; a
   * consumer moves it forward as it consumes). Within the retention bounds only.
   */
  setHold(name: string, throughSeq: number): Promise<void>;
  removeHold(name: string): Promise<void>;
  holds(): ReadonlyMap<string, number>;
  /** Called when truncation let a hold go past its mark because of the retention bounds. */
  onHoldDropped(listener: (dropped: HoldDropped) => void): () => void;
  /**
   * Records that the store already holds every entry of these origins up to the given originSeq
   * (a full copy of another node's data): their watermarks rise to it (synced), with no entries,
   * and replication continues after it. Never lowers a watermark; not for this node's own origin.
   * The caller holds off appendReplicated of these origins meanwhile (their order is its to keep).
   */
  adoptWatermarks(watermarks: ReadonlyMap<string, number>): Promise<void>;
  /** Raises the version clock to at least `version` (a version seen from another node). */
  observeVersion(version: bigint): void;
  /** Why appends are refused right now (a failed write being recovered), or null. */
  degraded(): string | null;
}

export interface WalOptions {
  /** LevelDB directory, created if missing. */
  readonly dir: string;
  /** This node's id; the origin is `<nodeId>~<incarnation>`. */
  readonly nodeId: string;
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
  /** Holds never keep more than this many stored bytes. */
  readonly maxRetainedBytes: number;
  /** Holds never keep entries older than this. */
  readonly maxRetainedAgeMs: number;
  /** First wait before reopening the log after a failed write; doubles up to 30 s. */
  readonly recoveryDelayMs: number;
}

export const defaultWalOptions: Readonly<Omit<WalOptions, 'dir'>> = Object.freeze({
  nodeId: 'node-1',
  syncOnAppend: true,
  groupCommitMaxBatch: 128,
  groupCommitMaxDelayMs: 1,
  maxPendingBytes: 256 * 1024 * 1024,
  maxRetainedBytes: 1024 * 1024 * 1024,
  maxRetainedAgeMs: 168 * 3600 * 1000,
  recoveryDelayMs: 1000,
});

const MAX_BATCH_LIMIT = 65_536;
const MAX_DELAY_LIMIT_MS = 1_000;
const MIN_PENDING_BYTES = 64 * 1024;

/** Throws a RangeError naming the first option that is out of range. */
export function validateWalOptions(o: WalOptions): void {
  if (typeof o.dir !== 'string' || o.dir.length === 0) throw new RangeError('wal: dir must be a non-empty path');
  if (typeof o.nodeId !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(o.nodeId)) {
    throw new RangeError(`wal: nodeId must be 1-64 characters of [A-Za-z0-9._-], got ${JSON.stringify(o.nodeId)}`);
  }
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
  if (!Number.isSafeInteger(o.maxRetainedBytes) || o.maxRetainedBytes < o.maxPendingBytes) {
    throw new RangeError(`wal: maxRetainedBytes must be an integer >= maxPendingBytes (${o.maxPendingBytes}), got ${o.maxRetainedBytes}`);
  }
  if (!Number.isSafeInteger(o.maxRetainedAgeMs) || o.maxRetainedAgeMs < 1000) {
    throw new RangeError(`wal: maxRetainedAgeMs must be an integer >= 1000, got ${o.maxRetainedAgeMs}`);
  }
  if (!Number.isSafeInteger(o.recoveryDelayMs) || o.recoveryDelayMs < 1 || o.recoveryDelayMs > 60_000) {
    throw new RangeError(`wal: recoveryDelayMs must be an integer in [1, 60000], got ${o.recoveryDelayMs}`);
  }
}
