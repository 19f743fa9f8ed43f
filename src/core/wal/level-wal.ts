// The WAL on LevelDB (classic-level): entries under 8-byte big-endian seqs, group-committed,
// indexed by (origin, originSeq), CRC-checked on read, retained while a consumer holds them.
// Never returns an entry whose checksum fails; never reuses a seq; never leaves a hole in an origin.
import { mkdir } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { BadRequestError, UnavailableError, assert } from '../errors.js';
import { VALUE_HEADER_BYTES, WalEntryCodec } from './entry-codec.js';
import { GroupCommitter, realGroupCommitTimer, type GroupCommitStats, type GroupCommitTimer } from './group-commit.js';
import { FORMAT_VERSION, loadWalState, newIncarnation, type Db } from './level-wal-state.js';
import { RetainedLog } from './retained-log.js';
import { VersionClock } from './version-clock.js';
import {
  CLEAN_CLOSE_KEY,
  ENTRY_KEY_END,
  ENTRY_KEY_MIN,
  FLUSHED_SEQ_KEY,
  FORMAT_KEY,
  INCARNATION_KEY,
  VERSION_KEY,
  entryKey,
  holdKey,
  originIndexKey,
  originIndexRange,
  originKey,
  readU64,
  seqOfEntryKey,
  u64BigValue,
  u64Value,
} from './wal-keys.js';
import {
  WalGapError,
  WalTruncatedError,
  validateWalOptions,
  type AppendReceipt,
  type DurableListener,
  type HoldDropped,
  type LocalWrite,
  type OriginRead,
  type OriginRecord,
  type ReplicatedAppend,
  type Wal,
  type WalEntry,
  type WalOptions,
  type WalReadLimits,
  type WalRecord,
} from './wal-port.js';

/** Most values fetched from LevelDB per iterator call while reading. */
const READ_CHUNK_MAX = 1024;
const RECOVERY_DELAY_MAX_MS = 30_000;

export interface WalLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const silentLog: WalLogger = { info() {}, warn() {}, error() {} };

export interface LevelWalDeps {
  readonly timer?: GroupCommitTimer;
  /** Wall clock (ms since the epoch) for write versions and the age of retained entries. */
  readonly nowMs?: () => number;
  readonly log?: WalLogger;
}

export interface WalStoreSnapshot {
  readonly lastSeq: number;
  readonly flushedSeq: number;
  readonly originWatermarks: ReadonlyMap<string, number>;
  /** Up to `max` raw key/value pairs in key order; [] at the end. */
  next(max: number): Promise<Array<[Buffer, Buffer]>>;
  close(): Promise<void>;
}

export interface LevelWalStats extends GroupCommitStats {
  readonly bytesWritten: number;
  readonly recoveries: number;
}

type QueuedAppend =
  | { readonly kind: 'local'; readonly write: LocalWrite; readonly value: Buffer; receipt: AppendReceipt | null }
  | { readonly kind: 'replicated'; readonly entry: WalEntry; readonly value: Buffer; receipt: AppendReceipt | null };

type BatchOp = { type: 'put'; key: Buffer; value: Buffer };

export class LevelWal implements Wal {
  private readonly codec = new WalEntryCodec();
  private readonly timer: GroupCommitTimer;
  private readonly nowMs: () => number;
  private readonly log: WalLogger;
  private db: Db | null = null;
  private committer: GroupCommitter<QueuedAppend> | null = null;
  private opening: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private open_ = false;
  private origin = '';
  private clock: VersionClock;
  private last = 0;
  private flushed = 0;
  private flushedRequested = 0;
  private metaChain: Promise<void> = Promise.resolve();
  private truncating: Promise<void> = Promise.resolve();
  private bytesWritten = 0;
  private recoveries = 0;
  private degradedReason: string | null = null;
  private cancelRecovery: (() => void) | null = null;
  /** Highest originSeq per origin that is written (contiguous: every lower one was written too). */
  private readonly durableOrigins = new Map<string, number>();
  /** Highest originSeq per origin admitted (written or queued): the duplicate check. */
  private readonly acceptedOrigins = new Map<string, number>();
  /** Latest admitted, not yet settled append per origin: a duplicate waits for it. */
  private readonly inflightByOrigin = new Map<string, Promise<number>>();
  private readonly firstRetainedByOrigin = new Map<string, number>();
  private readonly holdsByName = new Map<string, number>();
  private readonly listeners = new Set<DurableListener>();
  private readonly holdDroppedListeners = new Set<(dropped: HoldDropped) => void>();
  private retained = new RetainedLog();
  // Written, unflushed entries in seq order, to hand their bytes back when the watermark moves.
  private unflushedSeqs: number[] = [];
  private unflushedBytes: number[] = [];
  private unflushedHead = 0;

  constructor(
    private readonly options: WalOptions,
    deps: LevelWalDeps = {},
  ) {
    validateWalOptions(options);
    this.timer = deps.timer ?? realGroupCommitTimer;
    this.nowMs = deps.nowMs ?? Date.now;
    this.log = deps.log ?? silentLog;
    this.clock = new VersionClock(this.nowMs);
  }

  get localOrigin(): string {
    assert(this.origin !== '', 'wal: localOrigin read before open');
    return this.origin;
  }

  async open(): Promise<void> {
    assert(this.closing === null, 'wal: open after close');
    this.opening ??= this.openStore(false);
    await this.opening;
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  async appendLocal(write: LocalWrite): Promise<AppendReceipt> {
    const committer = this.requireOpen();
    assertWriteShape(write);
    committer.throwIfRefusing();
    const value = this.codec.encode({ ...write, origin: this.origin });
    const item: QueuedAppend = { kind: 'local', write, value, receipt: null };
    await committer.submit(item, value.length);
    assert(item.receipt !== null, 'wal: a written local append has a receipt');
    return item.receipt;
  }

  async appendReplicated(entry: WalEntry, shippedValue?: Buffer): Promise<ReplicatedAppend> {
    const committer = this.requireOpen();
    assertWriteShape(entry);
    assert(typeof entry.origin === 'string' && entry.origin.length > 0, 'wal: a replicated entry names its origin');
    assert(Number.isSafeInteger(entry.originSeq) && entry.originSeq >= 1, `wal: originSeq must be a positive integer, got ${entry.originSeq}`);
    assert(typeof entry.version === 'bigint' && entry.version >= 0n, 'wal: a replicated entry carries its version');
    if (entry.origin === this.origin) throw new BadRequestError(`wal: origin ${entry.origin} is this node's own; it cannot be received`);
    const accepted = this.acceptedOrigins.get(entry.origin) ?? 0;
    if (entry.originSeq <= accepted) {
      if (entry.originSeq > (this.durableOrigins.get(entry.origin) ?? 0)) {
        // The first copy is still in flight: acknowledge the duplicate only once that one is durable.
        const inflight = this.inflightByOrigin.get(entry.origin);
        assert(inflight !== undefined, `wal: origin ${entry.origin} admitted ${accepted} but nothing is in flight`);
        await inflight;
      }
      return { kind: 'duplicate' };
    }
    if (entry.originSeq !== accepted + 1) throw new WalGapError(entry.origin, accepted, entry.originSeq);
    committer.throwIfRefusing();
    // A copy: the value is resealed under this log's key, and the caller's buffer stays intact.
    const value = shippedValue !== undefined && shippedValue.length > VALUE_HEADER_BYTES ? Buffer.from(shippedValue) : this.codec.encode(entry);
    const admitted = committer.submit({ kind: 'replicated', entry, value, receipt: null }, value.length);
    // Only now, with the entry admitted, may duplicates of it be refused.
    this.acceptedOrigins.set(entry.origin, entry.originSeq);
    this.inflightByOrigin.set(entry.origin, admitted);
    const settle = (): void => {
      if (this.inflightByOrigin.get(entry.origin) === admitted) this.inflightByOrigin.delete(entry.origin);
    };
    admitted.then(settle, settle);
    return { kind: 'appended', seq: await admitted };
  }

  async read(fromSeq: number, limits: WalReadLimits): Promise<WalRecord[]> {
    const db = this.requireDb();
    assert(Number.isSafeInteger(fromSeq) && fromSeq >= 0, `wal: read fromSeq must be a non-negative integer, got ${fromSeq}`);
    assertLimits(limits);
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
        const remaining = limits.maxEntries - records.length;
        if (remaining <= 0) return records;
        chunk = Math.max(1, Math.min(remaining, READ_CHUNK_MAX, Math.floor((limits.maxBytes - bytes) / (bytes / records.length)) + 1));
      }
    } finally {
      await iterator.close();
    }
  }

  async readOrigin(origin: string, fromOriginSeq: number, limits: WalReadLimits): Promise<OriginRead> {
    const db = this.requireDb();
    assert(Number.isSafeInteger(fromOriginSeq) && fromOriginSeq >= 1, `wal: fromOriginSeq must be a positive integer, got ${fromOriginSeq}`);
    assertLimits(limits);
    const first = this.firstRetainedByOrigin.get(origin);
    const watermark = this.durableOrigins.get(origin) ?? 0;
    if (first === undefined ? fromOriginSeq <= watermark : fromOriginSeq < first) throw new WalTruncatedError(origin, first);
    if (first === undefined) return { records: [], firstRetained: undefined };
    const seqs: number[] = [];
    for await (const value of db.values({ gte: originIndexKey(origin, fromOriginSeq), lt: originIndexRange(origin).lt, limit: limits.maxEntries })) {
      seqs.push(readU64(value, 0));
    }
    const values = seqs.length === 0 ? [] : await db.getMany(seqs.map(entryKey));
    const records: OriginRecord[] = [];
    let bytes = 0;
    for (let i = 0; i < seqs.length; i++) {
      const value = values[i];
      // Truncated between the index read and this one.
      if (value === undefined) throw new WalTruncatedError(origin, this.firstRetainedByOrigin.get(origin));
      if (records.length > 0 && bytes + value.length > limits.maxBytes) break;
      const seq = seqs[i]!;
      const entry = this.codec.decode(entryKey(seq), value, seq);
      assert(entry.origin === origin && entry.originSeq === fromOriginSeq + i, `wal: index of ${origin} points at the wrong entry (seq ${seq})`);
      records.push({ seq, entry, value });
      bytes += value.length;
    }
    return { records, firstRetained: this.firstRetainedByOrigin.get(origin) };
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
      this.flushed = Math.max(this.flushed, seq);
      this.releaseFlushedBytes(seq);
    });
    this.metaChain = done.catch(() => undefined);
    await done;
  }

  truncate(): Promise<void> {
    const run = this.truncating.then(() => this.truncateOnce());
    this.truncating = run.catch(() => undefined);
    return run;
  }

  pendingBytes(): number {
    return this.committer?.pendingBytes() ?? 0;
  }

  retainedBytes(): number {
    return this.retained.bytes();
  }

  originWatermarks(): ReadonlyMap<string, number> {
    return this.durableOrigins;
  }

  firstRetained(): ReadonlyMap<string, number> {
    return this.firstRetainedByOrigin;
  }

  onDurable(listener: DurableListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onHoldDropped(listener: (dropped: HoldDropped) => void): () => void {
    this.holdDroppedListeners.add(listener);
    return () => this.holdDroppedListeners.delete(listener);
  }

  async setHold(name: string, throughSeq: number): Promise<void> {
    const db = this.requireDb();
    assert(name.length > 0, 'wal: a hold has a name');
    assert(Number.isSafeInteger(throughSeq) && throughSeq >= 0, `wal: hold seq must be a non-negative integer, got ${throughSeq}`);
    const isNew = !this.holdsByName.has(name);
    this.holdsByName.set(name, throughSeq);
    // A new hold is synced; a moved one need not be (after a crash an older mark keeps more).
    await db.put(holdKey(name), u64Value(throughSeq), { sync: isNew });
  }

  async removeHold(name: string): Promise<void> {
    const db = this.requireDb();
    this.holdsByName.delete(name);
    await db.del(holdKey(name));
  }

  holds(): ReadonlyMap<string, number> {
    return this.holdsByName;
  }

  async adoptWatermarks(watermarks: ReadonlyMap<string, number>): Promise<void> {
    const db = this.requireDb();
    const raised: Array<[string, number]> = [];
    for (const [origin, seq] of watermarks) {
      assert(Number.isSafeInteger(seq) && seq >= 0, `wal: adopted watermark must be a non-negative integer, got ${seq}`);
      if (origin === this.origin) throw new BadRequestError(`wal: origin ${origin} is this node's own; its watermark is never adopted`);
      if (seq > (this.acceptedOrigins.get(origin) ?? 0)) raised.push([origin, seq]);
    }
    if (raised.length === 0) return;
    await db.batch(raised.map(([origin, seq]) => ({ type: 'put' as const, key: originKey(origin), value: u64Value(seq) })), { sync: true });
    for (const [origin, seq] of raised) {
      this.durableOrigins.set(origin, seq);
      this.acceptedOrigins.set(origin, seq);
    }
  }

  observeVersion(version: bigint): void {
    this.clock.observe(version);
  }

  degraded(): string | null {
    return this.degradedReason;
  }

  /**
   * A consistent copy of the whole store as it is at this call (a LevelDB snapshot): every key and
   * value, read in chunks; appends, watermarks and truncation after the call are not in it. The
   * caller closes it. A backup takes it while no flush runs, so its flushed watermark holds.
   */
  openSnapshot(): WalStoreSnapshot {
    const iterator = this.requireDb().iterator();
    return {
      lastSeq: this.last,
      flushedSeq: this.flushed,
      originWatermarks: new Map(this.durableOrigins),
      next: (max) => iterator.nextv(max),
      close: () => iterator.close(),
    };
  }

  /** Counters for metrics and tests. */
  stats(): LevelWalStats {
    const base = this.committer?.stats() ?? { batchesWritten: 0, itemsWritten: 0, largestBatch: 0 };
    return { ...base, bytesWritten: this.bytesWritten, recoveries: this.recoveries };
  }

  private async openStore(recovering: boolean): Promise<void> {
    await mkdir(this.options.dir, { recursive: true });
    const db: Db = new ClassicLevel<Buffer, Buffer>(this.options.dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    try {
      await this.loadState(db, recovering);
    } catch (error) {
      await db.close().catch(() => undefined);
      throw error;
    }
    this.db = db;
    this.committer = new GroupCommitter<QueuedAppend>(
      {
        maxBatch: this.options.groupCommitMaxBatch,
        maxDelayMs: this.options.groupCommitMaxDelayMs,
        maxPendingBytes: this.options.maxPendingBytes,
        initialPendingBytes: this.unflushedBytes.reduce((sum, bytes) => sum + bytes, 0),
      },
      (batch) => this.writeBatch(batch),
      this.timer,
      (failure) => this.onWriteFailure(failure),
    );
    this.open_ = true;
  }

  private async loadState(db: Db, recovering: boolean): Promise<void> {
    const state = await loadWalState(db, this.options.dir);
    let incarnation = state.incarnation;
    // Without fsync, a crash may have lost entries peers already hold: numbering again from the
    // same origin would collide with them, so an unclean stop starts a new incarnation.
    if (incarnation === undefined || (!recovering && !state.cleanlyClosed && !this.options.syncOnAppend)) {
      if (incarnation !== undefined) this.log.warn({ previous: incarnation }, 'wal: unclean stop without fsync; this node writes under a new origin');
      incarnation = newIncarnation();
    }
    const ops: Array<{ type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer }> = [
      { type: 'put', key: INCARNATION_KEY, value: Buffer.from(incarnation, 'utf8') },
      { type: 'del', key: CLEAN_CLOSE_KEY },
    ];
    if (state.formatMissing) ops.push({ type: 'put', key: FORMAT_KEY, value: u64Value(FORMAT_VERSION) });
    await db.batch(ops, { sync: true });
    this.origin = `${this.options.nodeId}~${incarnation}`;
    this.flushed = state.flushed;
    this.flushedRequested = state.flushed;
    this.last = state.last;
    this.clock.observe(state.versionFloor);
    replaceMap(this.durableOrigins, state.durableOrigins);
    replaceMap(this.acceptedOrigins, state.durableOrigins);
    this.inflightByOrigin.clear();
    replaceMap(this.firstRetainedByOrigin, state.firstRetained);
    replaceMap(this.holdsByName, state.holds);
    const now = this.nowMs();
    this.retained = new RetainedLog(state.entries.length === 0 ? state.last : state.entries[0]!.seq - 1);
    this.unflushedSeqs = [];
    this.unflushedBytes = [];
    this.unflushedHead = 0;
    for (const { seq, bytes } of state.entries) {
      this.retained.add(seq, bytes, now);
      if (seq > state.flushed) {
        this.unflushedSeqs.push(seq);
        this.unflushedBytes.push(bytes);
      }
    }
  }

  private async doClose(): Promise<void> {
    if (this.opening !== null) await this.opening.catch(() => undefined);
    this.cancelRecovery?.();
    this.cancelRecovery = null;
    this.open_ = false;
    if (this.committer !== null) await this.committer.close();
    await this.metaChain;
    await this.truncating;
    if (this.db !== null) {
      if (this.degradedReason === null) await this.db.put(CLEAN_CLOSE_KEY, u64Value(1), { sync: true }).catch(() => undefined);
      await this.db.close();
    }
  }

  private async writeBatch(batch: readonly QueuedAppend[]): Promise<number> {
    // Not requireDb(): close() drains the queue through here after refusing new work.
    const db = this.db;
    assert(db !== null, 'wal: batch written before open');
    const firstSeq = this.last + 1;
    const ops: BatchOp[] = [];
    const batchOrigins = new Map<string, number>();
    const entries: WalEntry[] = [];
    let bytes = 0;
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      const seq = firstSeq + i;
      const origin = item.kind === 'local' ? this.origin : item.entry.origin;
      const originSeq = (batchOrigins.get(origin) ?? this.durableOrigins.get(origin) ?? 0) + 1;
      let version: bigint;
      if (item.kind === 'local') {
        version = this.clock.next();
      } else {
        assert(item.entry.originSeq === originSeq, `wal: ${origin} entry ${item.entry.originSeq} would leave a hole after ${originSeq - 1}`);
        version = item.entry.version;
        this.clock.observe(version);
      }
      const key = entryKey(seq);
      this.codec.seal(key, item.value, originSeq, version);
      ops.push({ type: 'put', key, value: item.value }, { type: 'put', key: originIndexKey(origin, originSeq), value: u64Value(seq) });
      bytes += item.value.length;
      batchOrigins.set(origin, originSeq);
      item.receipt = { seq, origin, originSeq, version };
      entries.push(item.kind === 'local' ? { ...item.write, origin, originSeq, version } : item.entry);
    }
    // Watermarks go in the same atomic batch as their entries: never one without the other.
    for (const [origin, originSeq] of batchOrigins) ops.push({ type: 'put', key: originKey(origin), value: u64Value(originSeq) });
    ops.push({ type: 'put', key: VERSION_KEY, value: u64BigValue(this.clock.current()) });
    const lastSeq = firstSeq + batch.length - 1;
    this.last = lastSeq;
    try {
      await db.batch(ops, { sync: this.options.syncOnAppend });
    } catch (error) {
      this.last = firstSeq - 1;
      throw error;
    }
    for (const [origin, originSeq] of batchOrigins) {
      this.durableOrigins.set(origin, originSeq);
      if (!this.firstRetainedByOrigin.has(origin)) this.firstRetainedByOrigin.set(origin, originSeq - countOf(batch, this.origin, origin) + 1);
    }
    this.retained.add(lastSeq, bytes, this.nowMs());
    for (let i = 0; i < batch.length; i++) this.trackUnflushed(firstSeq + i, batch[i]!.value.length);
    for (let i = 0; i < batch.length; i++) this.notify(firstSeq + i, entries[i]!, batch[i]!.value);
    this.bytesWritten += bytes;
    return firstSeq;
  }

  private notify(seq: number, entry: WalEntry, value: Buffer): void {
    for (const listener of this.listeners) {
      try {
        listener({ seq, entry, value });
      } catch (error) {
        this.log.error({ err: error, seq }, 'wal: a durable-append listener failed');
      }
    }
  }

  private async truncateOnce(): Promise<void> {
    const db = this.requireDb();
    let wanted = this.flushed;
    for (const held of this.holdsByName.values()) wanted = Math.min(wanted, held);
    const point = this.retained.truncationPoint(wanted, this.flushed, this.options.maxRetainedBytes, this.nowMs() - this.options.maxRetainedAgeMs);
    if (point.boundBy !== null) {
      for (const [name, held] of [...this.holdsByName]) {
        if (held >= point.seq) continue;
        this.holdsByName.delete(name);
        await db.del(holdKey(name));
        this.log.warn({ hold: name, heldThroughSeq: held, truncatedThroughSeq: point.seq, reason: point.boundBy }, 'wal: retention bound reached; a hold was let go');
        for (const listener of this.holdDroppedListeners) listener({ name, heldThroughSeq: held, truncatedThroughSeq: point.seq, reason: point.boundBy });
      }
    }
    if (point.seq <= this.retained.truncatedThrough()) return;
    // The index of each origin first (an index key without its entry reads as truncated), then the entries.
    for (const [origin, first] of [...this.firstRetainedByOrigin]) {
      let next = first;
      for await (const value of db.values({ gte: originIndexKey(origin, first), lt: originIndexRange(origin).lt })) {
        if (readU64(value, 0) > point.seq) break;
        next++;
      }
      if (next === first) continue;
      // Not synced: if lost in a crash, the entries come back below the watermark and are skipped.
      await db.clear({ gte: originIndexKey(origin, first), lt: originIndexKey(origin, next) });
      if (next > (this.durableOrigins.get(origin) ?? 0)) this.firstRetainedByOrigin.delete(origin);
      else this.firstRetainedByOrigin.set(origin, next);
    }
    await db.clear({ gte: ENTRY_KEY_MIN, lte: entryKey(point.seq) });
    this.retained.truncate(point.seq);
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

  /**
   * A batch write failed (a full disk, an I/O error): LevelDB may refuse every write from now on,
   * so the log is closed and opened again, with a growing pause, until that works. Meanwhile
   * appends get a 503 and what is stored stays readable only once it reopened.
   */
  private onWriteFailure(failure: Error): void {
    this.degradedReason = failure.message;
    // Nothing of the failed batch counts as admitted; the reopened store says what is durable.
    replaceMap(this.acceptedOrigins, this.durableOrigins);
    this.log.error({ err: failure.cause ?? failure }, 'wal: write failed; reopening the log');
    this.scheduleRecovery(this.options.recoveryDelayMs);
  }

  private scheduleRecovery(delayMs: number): void {
    if (this.closing !== null) return;
    this.cancelRecovery = this.timer.setTimer(delayMs, () => {
      this.cancelRecovery = null;
      this.recover().catch((error: unknown) => {
        this.log.warn({ err: error, retryInMs: Math.min(delayMs * 2, RECOVERY_DELAY_MAX_MS) }, 'wal: reopening failed; will retry');
        this.scheduleRecovery(Math.min(delayMs * 2, RECOVERY_DELAY_MAX_MS));
      });
    });
  }

  private async recover(): Promise<void> {
    if (this.closing !== null) return;
    this.open_ = false;
    const old = this.db;
    this.db = null;
    await this.metaChain;
    await this.truncating;
    if (old !== null) await old.close().catch(() => undefined);
    this.committer = null;
    try {
      await this.openStore(true);
    } catch (error) {
      this.db = null;
      throw error;
    }
    this.recoveries++;
    this.degradedReason = null;
    this.log.info({ lastSeq: this.last }, 'wal: reopened after a failed write; appends are accepted again');
  }

  private requireOpen(): GroupCommitter<QueuedAppend> {
    if (!this.open_ || this.committer === null) throw this.unavailable();
    return this.committer;
  }

  private requireDb(): Db {
    if (!this.open_ || this.db === null) throw this.unavailable();
    return this.db;
  }

  private unavailable(): UnavailableError {
    return new UnavailableError(this.degradedReason === null ? 'wal: not open' : `wal: recovering from a failed write (${this.degradedReason})`);
  }
}

function replaceMap<K, V>(target: Map<K, V>, source: ReadonlyMap<K, V>): void {
  target.clear();
  for (const [key, value] of source) target.set(key, value);
}

function countOf(batch: readonly QueuedAppend[], localOrigin: string, origin: string): number {
  let n = 0;
  for (const item of batch) if ((item.kind === 'local' ? localOrigin : item.entry.origin) === origin) n++;
  return n;
}

function assertLimits(limits: WalReadLimits): void {
  assert(Number.isSafeInteger(limits.maxEntries) && limits.maxEntries >= 1, 'wal: read maxEntries must be an integer >= 1');
  assert(Number.isSafeInteger(limits.maxBytes) && limits.maxBytes >= 1, 'wal: read maxBytes must be an integer >= 1');
}

function assertWriteShape(write: LocalWrite): void {
  assert(typeof write.db === 'string' && typeof write.rp === 'string', 'wal: entry db and rp must be strings');
  assert(Array.isArray(write.points), 'wal: entry points must be an array');
  assert(Number.isSafeInteger(write.catalogIndex) && write.catalogIndex >= 0, `wal: catalogIndex must be a non-negative integer, got ${write.catalogIndex}`);
}
