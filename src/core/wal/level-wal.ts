// The WAL on LevelDB (classic-level): entries under 8-byte big-endian seqs, group-committed,
// CRC-checked on read. Never returns an entry whose checksum fails; never reuses a seq.
import { mkdir } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { UnavailableError, assert } from '../errors.js';
import { WalEntryCodec } from './entry-codec.js';
import { GroupCommitter, type GroupCommitStats, type GroupCommitTimer } from './group-commit.js';
import {
  ENTRY_KEY_END,
  ENTRY_KEY_MIN,
  FLUSHED_SEQ_KEY,
  FORMAT_KEY,
  ORIGIN_KEY_END,
  ORIGIN_KEY_MIN,
  entryKey,
  originKey,
  originOfKey,
  readU64,
  seqOfEntryKey,
  u64Value,
} from './wal-keys.js';
import { validateWalOptions, type Wal, type WalEntry, type WalOptions, type WalReadLimits, type WalRecord } from './wal-port.js';

// 2: entries store shared measurement/tag/key/type tables and points as one flat array.
const FORMAT_VERSION = 2;
/** Most values fetched from LevelDB per iterator call while reading. */
const READ_CHUNK_MAX = 1024;

export interface LevelWalDeps {
  readonly timer?: GroupCommitTimer;
  /**
   * Called once per entry right after its batch is durable, before its append resolves, with the
   * sealed value as stored (the flush hands it to its encoder thread instead of re-reading it).
   */
  readonly onDurable?: (seq: number, value: Buffer) => void;
}

export interface LevelWalStats extends GroupCommitStats {
  readonly bytesWritten: number;
}

interface QueuedAppend {
  readonly entry: WalEntry;
  readonly value: Buffer;
}

type Db = ClassicLevel<Buffer, Buffer>;
type BatchOp = { type: 'put'; key: Buffer; value: Buffer };

export class LevelWal implements Wal {
  private readonly codec = new WalEntryCodec();
  private db: Db | null = null;
  private committer: GroupCommitter<QueuedAppend> | null = null;
  private opening: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private open_ = false;
  private last = 0;
  private flushed = 0;
  private flushedRequested = 0;
  private metaChain: Promise<void> = Promise.resolve();
  private bytesWritten = 0;
  /** Highest originSeq per origin that is written. */
  private readonly durableOrigins = new Map<string, number>();
  /** Highest originSeq per origin admitted (written or queued): the duplicate check. */
  private readonly acceptedOrigins = new Map<string, number>();
  /** Latest admitted, not yet settled append per origin: a duplicate waits for it. */
  private readonly inflightByOrigin = new Map<string, Promise<number>>();
  // Written, unflushed entries in seq order, to hand their bytes back when the watermark moves.
  private unflushedSeqs: number[] = [];
  private unflushedBytes: number[] = [];
  private unflushedHead = 0;

  constructor(
    private readonly options: WalOptions,
    private readonly deps: LevelWalDeps = {},
  ) {
    validateWalOptions(options);
  }

  async open(): Promise<void> {
    assert(this.closing === null, 'wal: open after close');
    this.opening ??= this.doOpen();
    await this.opening;
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  async append(entry: WalEntry): Promise<number> {
    const committer = this.requireOpen();
    assertEntryShape(entry);
    committer.throwIfRefusing();
    const value = this.codec.encode(entry);
    const admitted = committer.submit({ entry, value }, value.length);
    // Only now, with the entry admitted, may duplicates of it be refused.
    const accepted = this.acceptedOrigins.get(entry.origin);
    if (accepted === undefined || entry.originSeq > accepted) this.acceptedOrigins.set(entry.origin, entry.originSeq);
    this.inflightByOrigin.set(entry.origin, admitted);
    const settle = (): void => {
      if (this.inflightByOrigin.get(entry.origin) === admitted) this.inflightByOrigin.delete(entry.origin);
    };
    admitted.then(settle, settle);
    return admitted;
  }

  async appendIfNew(entry: WalEntry): Promise<number | null> {
    const committer = this.requireOpen();
    assertEntryShape(entry);
    const accepted = this.acceptedOrigins.get(entry.origin);
    if (accepted === undefined || entry.originSeq > accepted) return this.append(entry);
    if (entry.originSeq > (this.durableOrigins.get(entry.origin) ?? -1)) {
      // The first copy is still in flight: acknowledge the duplicate only once that one is durable.
      const inflight = this.inflightByOrigin.get(entry.origin);
      if (inflight === undefined) committer.throwIfRefusing();
      assert(inflight !== undefined, `wal: origin ${entry.origin} admitted ${accepted} but nothing is in flight`);
      await inflight;
    }
    return null;
  }

  async read(fromSeq: number, limits: WalReadLimits): Promise<WalRecord[]> {
    const db = this.requireDb();
    assert(Number.isSafeInteger(fromSeq) && fromSeq >= 0, `wal: read fromSeq must be a non-negative integer, got ${fromSeq}`);
    assert(Number.isSafeInteger(limits.maxEntries) && limits.maxEntries >= 1, 'wal: read maxEntries must be an integer >= 1');
    assert(Number.isSafeInteger(limits.maxBytes) && limits.maxBytes >= 1, 'wal: read maxBytes must be an integer >= 1');
    const records: WalRecord[] = [];
    let bytes = 0;
    let previousSeq = fromSeq - 1;
    const iterator = db.iterator({ gte: entryKey(fromSeq), lt: ENTRY_KEY_END, limit: limits.maxEntries });
    try {
      // Fetch one value first, then as many as the byte budget likely holds: no over-read of big entries.
      let chunk = 1;
      for (;;) {
        const pairs = await iterator.nextv(chunk);
        if (pairs.length === 0) return records;
        for (const [key, value] of pairs) {
          if (records.length > 0 && bytes + value.length > limits.maxBytes) return records;
          const seq = seqOfEntryKey(key);
          assert(seq > previousSeq, `wal: read out of order (${seq} after ${previousSeq})`);
          records.push({ seq, entry: this.codec.decode(key, value, seq) });
          previousSeq = seq;
          bytes += value.length;
        }
        const averageBytes = bytes / records.length;
        const remaining = limits.maxEntries - records.length;
        if (remaining <= 0) return records;
        chunk = Math.max(1, Math.min(remaining, READ_CHUNK_MAX, Math.floor((limits.maxBytes - bytes) / averageBytes) + 1));
      }
    } finally {
      await iterator.close();
    }
  }

  lastSeq(): number {
    return this.last;
  }

  flushedSeq(): number {
    return this.flushed;
  }

  async setFlushedSeq(seq: number): Promise<void> {
    const db = this.requireDb();
    assert(Number.isSafeInteger(seq), `wal: flushed seq must be an integer, got ${seq}`);
    assert(seq >= this.flushedRequested, `wal: flushed watermark must not decrease (${this.flushedRequested} -> ${seq})`);
    assert(seq <= this.last, `wal: flushed watermark ${seq} is past the last seq ${this.last}`);
    this.flushedRequested = seq;
    // Serialized so a later, higher watermark can never be overwritten by an earlier put.
    const done = this.metaChain.then(async () => {
      await db.put(FLUSHED_SEQ_KEY, u64Value(seq), { sync: true });
      this.flushed = seq;
      this.releaseFlushedBytes(seq);
    });
    this.metaChain = done.catch(() => undefined);
    await done;
  }

  async truncateThrough(seq: number): Promise<void> {
    const db = this.requireDb();
    assert(Number.isSafeInteger(seq) && seq >= 0, `wal: truncate seq must be a non-negative integer, got ${seq}`);
    assert(seq <= this.flushed, `wal: truncate through ${seq} would drop unflushed entries (flushed ${this.flushed})`);
    // Not synced: if lost in a crash, the entries come back below the watermark and are skipped.
    await db.clear({ gte: ENTRY_KEY_MIN, lte: entryKey(seq) });
  }

  pendingBytes(): number {
    return this.committer?.pendingBytes() ?? 0;
  }

  originWatermarks(): ReadonlyMap<string, number> {
    return this.durableOrigins;
  }

  /** Counters for metrics and tests. */
  stats(): LevelWalStats {
    const base = this.committer?.stats() ?? { batchesWritten: 0, itemsWritten: 0, largestBatch: 0 };
    return { ...base, bytesWritten: this.bytesWritten };
  }

  private async doOpen(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true });
    const db: Db = new ClassicLevel<Buffer, Buffer>(this.options.dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    this.db = db;
    const format = await db.get(FORMAT_KEY);
    if (format === undefined) await db.put(FORMAT_KEY, u64Value(FORMAT_VERSION), { sync: true });
    else assert(readU64(format, 0) === FORMAT_VERSION, `wal: ${this.options.dir} holds format ${readU64(format, 0)}, expected ${FORMAT_VERSION}`);

    const flushed = await db.get(FLUSHED_SEQ_KEY);
    this.flushed = flushed === undefined ? 0 : readU64(flushed, 0);
    this.flushedRequested = this.flushed;
    let lastEntrySeq = 0;
    for await (const key of db.keys({ gte: ENTRY_KEY_MIN, lt: ENTRY_KEY_END, reverse: true, limit: 1 })) lastEntrySeq = seqOfEntryKey(key);
    // Truncation may have removed every entry; the watermark still bounds what was assigned.
    this.last = Math.max(lastEntrySeq, this.flushed);
    for await (const [key, value] of db.iterator({ gte: ORIGIN_KEY_MIN, lt: ORIGIN_KEY_END })) {
      const origin = originOfKey(key);
      const originSeq = readU64(value, 0);
      this.durableOrigins.set(origin, originSeq);
      this.acceptedOrigins.set(origin, originSeq);
    }
    let pending = 0;
    for await (const [key, value] of db.iterator({ gt: entryKey(this.flushed), lt: ENTRY_KEY_END })) {
      this.unflushedSeqs.push(seqOfEntryKey(key));
      this.unflushedBytes.push(value.length);
      pending += value.length;
    }
    this.committer = new GroupCommitter<QueuedAppend>(
      {
        maxBatch: this.options.groupCommitMaxBatch,
        maxDelayMs: this.options.groupCommitMaxDelayMs,
        maxPendingBytes: this.options.maxPendingBytes,
        initialPendingBytes: pending,
      },
      (batch) => this.writeBatch(batch),
      this.deps.timer,
    );
    this.open_ = true;
  }

  private async doClose(): Promise<void> {
    if (this.opening !== null) await this.opening.catch(() => undefined);
    this.open_ = false;
    if (this.committer !== null) await this.committer.close();
    await this.metaChain;
    if (this.db !== null) await this.db.close();
  }

  private async writeBatch(batch: readonly QueuedAppend[]): Promise<number> {
    // Not requireDb(): close() drains the queue through here after refusing new work.
    const db = this.db;
    assert(db !== null, 'wal: batch written before open');
    const firstSeq = this.last + 1;
    const ops: BatchOp[] = [];
    const batchOrigins = new Map<string, number>();
    let bytes = 0;
    for (let i = 0; i < batch.length; i++) {
      const { entry, value } = batch[i]!;
      const key = entryKey(firstSeq + i);
      this.codec.seal(key, value);
      ops.push({ type: 'put', key, value });
      bytes += value.length;
      const seen = batchOrigins.get(entry.origin) ?? this.durableOrigins.get(entry.origin);
      if (seen === undefined || entry.originSeq > seen) batchOrigins.set(entry.origin, entry.originSeq);
    }
    // Watermarks go in the same atomic batch as their entries: never one without the other.
    for (const [origin, originSeq] of batchOrigins) ops.push({ type: 'put', key: originKey(origin), value: u64Value(originSeq) });
    this.last = firstSeq + batch.length - 1;
    try {
      await db.batch(ops, { sync: this.options.syncOnAppend });
    } catch (error) {
      this.last = firstSeq - 1;
      throw error;
    }
    for (const [origin, originSeq] of batchOrigins) this.durableOrigins.set(origin, originSeq);
    for (let i = 0; i < batch.length; i++) this.trackUnflushed(firstSeq + i, batch[i]!.value.length);
    if (this.deps.onDurable) for (let i = 0; i < batch.length; i++) this.deps.onDurable(firstSeq + i, batch[i]!.value);
    this.bytesWritten += bytes;
    return firstSeq;
  }

  private trackUnflushed(seq: number, bytes: number): void {
    // A flush that read the entry before this continuation ran may already have passed it.
    if (seq <= this.flushed) {
      this.committer?.release(bytes);
      return;
    }
    this.unflushedSeqs.push(seq);
    this.unflushedBytes.push(bytes);
  }

  private releaseFlushedBytes(throughSeq: number): void {
    let head = this.unflushedHead;
    let released = 0;
    while (head < this.unflushedSeqs.length && this.unflushedSeqs[head]! <= throughSeq) {
      released += this.unflushedBytes[head]!;
      head++;
    }
    if (released > 0) this.committer?.release(released);
    if (head > 1024 && head * 2 > this.unflushedSeqs.length) {
      this.unflushedSeqs = this.unflushedSeqs.slice(head);
      this.unflushedBytes = this.unflushedBytes.slice(head);
      head = 0;
    }
    this.unflushedHead = head;
  }

  private requireOpen(): GroupCommitter<QueuedAppend> {
    if (!this.open_ || this.committer === null) throw new UnavailableError('wal: not open');
    return this.committer;
  }

  private requireDb(): Db {
    if (!this.open_ || this.db === null) throw new UnavailableError('wal: not open');
    return this.db;
  }
}

function assertEntryShape(entry: WalEntry): void {
  assert(typeof entry.db === 'string' && typeof entry.rp === 'string', 'wal: entry db and rp must be strings');
  assert(Array.isArray(entry.points), 'wal: entry points must be an array');
  assert(typeof entry.origin === 'string', 'wal: entry origin must be a string');
  assert(Number.isSafeInteger(entry.originSeq) && entry.originSeq >= 0, `wal: originSeq must be a non-negative integer, got ${entry.originSeq}`);
}
