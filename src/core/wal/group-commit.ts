// Group commit: gathers concurrent appends into one storage batch, bounded by entries per batch
// and by bytes not yet flushed. Never delays a lone writer on an idle log; never reorders.
import { LimitExceededError, UnavailableError, assert } from '../errors.js';

export interface GroupCommitOptions {
  /** Most items per batch. */
  readonly maxBatch: number;
  /** Longest an item that queued behind a busy writer waits for companions (from its enqueue). */
  readonly maxDelayMs: number;
  /** Bound on pending bytes (queued + written but not yet released); submit past it is refused. */
  readonly maxPendingBytes: number;
  /** Bytes already pending at start (written before a restart, not yet flushed). */
  readonly initialPendingBytes: number;
}

/** The two clock operations the batcher needs; injected so tests and simulators control time. */
export interface GroupCommitTimer {
  nowMs(): number;
  /** Runs `fn` once after `delayMs`; returns a cancel function. */
  setTimer(delayMs: number, fn: () => void): () => void;
}

export const realGroupCommitTimer: GroupCommitTimer = {
  nowMs: () => performance.now(),
  setTimer(delayMs, fn) {
    const handle = setTimeout(fn, delayMs);
    return () => clearTimeout(handle);
  },
};

/**
 * Writes `batch` atomically (and durably, as configured); resolves with the seq given to
 * batch[0], batch[i] getting first + i. A rejection stops the committer (see onFailed).
 */
/** What a client may read of a storage failure: the condition, never paths or internals (the log has those). */
export function storageFailureReason(error: unknown): string {
  const text = error instanceof Error ? `${error.message} ${(error as { code?: unknown }).code ?? ''}` : String(error);
  if (/no space left|ENOSPC/i.test(text)) return 'no space left on device';
  if (/EDQUOT|quota/i.test(text)) return 'disk quota exceeded';
  if (/EROFS|read-only file system/i.test(text)) return 'read-only file system';
  if (/EACCES|EPERM|permission denied/i.test(text)) return 'permission denied';
  return 'I/O error';
}

export type BatchWriter<T> = (batch: readonly T[]) => Promise<number>;

export interface GroupCommitStats {
  readonly batchesWritten: number;
  readonly itemsWritten: number;
  readonly largestBatch: number;
}

interface Waiter<T> {
  readonly item: T;
  readonly bytes: number;
  readonly enqueuedAtMs: number;
  readonly resolve: (seq: number) => void;
  readonly reject: (error: unknown) => void;
}

type State = 'idle' | 'lingering' | 'writing';

export class GroupCommitter<T> {
  private queue: Waiter<T>[] = [];
  private state: State = 'idle';
  private cancelLinger: (() => void) | null = null;
  private pending: number;
  private failure: Error | null = null;
  private closed = false;
  private drainWaiters: Array<() => void> = [];
  private batches = 0;
  private items = 0;
  private largest = 0;

  constructor(
    private readonly options: GroupCommitOptions,
    private readonly write: BatchWriter<T>,
    private readonly timer: GroupCommitTimer = realGroupCommitTimer,
    private readonly onFailure?: (failure: Error) => void,
  ) {
    assert(Number.isInteger(options.maxBatch) && options.maxBatch >= 1, 'group commit: maxBatch >= 1');
    assert(options.maxDelayMs >= 0, 'group commit: maxDelayMs >= 0');
    assert(options.initialPendingBytes >= 0, 'group commit: initialPendingBytes >= 0');
    this.pending = options.initialPendingBytes;
  }

  /**
   * Queues `item` and resolves with its seq once its batch is written. Refusals are synchronous
   * throws, so a caller knows before any await whether the item was admitted:
   * LimitExceededError (503) past maxPendingBytes, UnavailableError once closed or after a
   * failed write.
   */
  submit(item: T, bytes: number): Promise<number> {
    this.throwIfRefusing();
    assert(Number.isSafeInteger(bytes) && bytes > 0, `group commit: item bytes must be a positive integer, got ${bytes}`);
    if (this.pending + bytes > this.options.maxPendingBytes) {
      throw new LimitExceededError(
        `wal: ${this.pending} bytes pending flush + ${bytes} would exceed max-pending-bytes ${this.options.maxPendingBytes}; retry once the flush catches up`,
        503,
      );
    }
    this.pending += bytes;
    const promise = new Promise<number>((resolve, reject) => {
      this.queue.push({ item, bytes, enqueuedAtMs: this.timer.nowMs(), resolve, reject });
    });
    this.onEnqueue();
    return promise;
  }

  /** Throws what submit would throw for a zero-byte item (cheap pre-check before encoding). */
  throwIfRefusing(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw new UnavailableError('wal: closed');
  }

  /** Returns bytes to the budget once the entries they belonged to are flushed. */
  release(bytes: number): void {
    assert(bytes >= 0 && bytes <= this.pending, `group commit: release ${bytes} of ${this.pending} pending bytes`);
    this.pending -= bytes;
  }

  pendingBytes(): number {
    return this.pending;
  }

  queuedItems(): number {
    return this.queue.length;
  }

  stats(): GroupCommitStats {
    return { batchesWritten: this.batches, itemsWritten: this.items, largestBatch: this.largest };
  }

  /** Refuses new items, writes the queued ones at once, resolves when nothing is in flight. */
  close(): Promise<void> {
    this.closed = true;
    if (this.state === 'lingering') this.dispatch();
    if (this.state === 'idle' && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private onEnqueue(): void {
    switch (this.state) {
      case 'idle':
        // Write at once: no added latency, and the caller's next encode overlaps this write.
        // Whatever arrives while it is in flight forms the next batch.
        this.dispatch();
        return;
      case 'lingering':
        if (this.queue.length >= this.options.maxBatch) this.dispatch();
        return;
      case 'writing':
        return;
    }
  }

  private dispatch(): void {
    if (this.cancelLinger !== null) {
      this.cancelLinger();
      this.cancelLinger = null;
    }
    assert(this.state !== 'writing', 'group commit: one batch in flight at a time');
    if (this.queue.length === 0) {
      this.becomeIdle();
      return;
    }
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.state = 'writing';
    const items = batch.map((w) => w.item);
    let written: Promise<number>;
    try {
      written = this.write(items);
    } catch (error) {
      written = Promise.reject(error);
    }
    written.then(
      (firstSeq) => this.onWritten(batch, firstSeq),
      (error: unknown) => this.onFailed(batch, error),
    );
  }

  private onWritten(batch: readonly Waiter<T>[], firstSeq: number): void {
    assert(Number.isSafeInteger(firstSeq) && firstSeq >= 1, `group commit: writer returned seq ${firstSeq}`);
    this.batches++;
    this.items += batch.length;
    if (batch.length > this.largest) this.largest = batch.length;
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(firstSeq + i);
    this.afterWrite();
  }

  private afterWrite(): void {
    this.state = 'idle';
    const oldest = this.queue[0];
    if (oldest === undefined) {
      this.becomeIdle();
      return;
    }
    const waitMs = oldest.enqueuedAtMs + this.options.maxDelayMs - this.timer.nowMs();
    if (this.closed || this.queue.length >= this.options.maxBatch || waitMs <= 0) {
      this.dispatch();
      return;
    }
    // The log was busy: give writers just released by this batch a moment to join the next one.
    this.state = 'lingering';
    this.cancelLinger = this.timer.setTimer(waitMs, () => {
      this.cancelLinger = null;
      this.dispatch();
    });
  }

  private onFailed(batch: readonly Waiter<T>[], error: unknown): void {
    // A failed (synced) write leaves the log's durability unknown: this committer refuses
    // everything from now on; its owner reopens the log and starts a new one.
    const failure = new UnavailableError(`wal: write failed (${storageFailureReason(error)}); writes are refused until the log has recovered`);
    (failure as Error & { cause?: unknown }).cause = error;
    this.failure = failure;
    const rest = this.queue;
    this.queue = [];
    for (const w of batch) w.reject(failure);
    for (const w of rest) w.reject(failure);
    this.becomeIdle();
    this.onFailure?.(failure);
  }

  /** The failure that stopped this committer, or null. */
  failed(): Error | null {
    return this.failure;
  }

  private becomeIdle(): void {
    this.state = 'idle';
    if (this.queue.length > 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
