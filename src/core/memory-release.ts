// Hands memory a write burst grew back to the OS once the burst is over: the flush has caught up
// and no write came for a quiet period. Never runs while writes arrive, and once per quiet spell.
//
// Why: V8 keeps a heap it grew (and the Buffers its garbage holds) until allocations prompt the
// next collection, which an idle process never makes; chDB's jemalloc keeps freed pages for its
// decay time. Measured on the ingest bench (bench/memory-breakdown.ts): hundreds of MiB each.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection of the calling thread's heap. Node hides V8's gc() unless started with
 * --expose-gc, which a worker cannot be given; the flag set at run time exposes it to contexts
 * made afterwards, so one is made to fetch it.
 */
export function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as unknown;
  if (typeof gc !== 'function') throw new Error('V8 did not expose gc()');
  return gc as () => void;
}

export interface MemoryReleaseOptions {
  /** How long without writes, after the flush caught up, before memory is released. */
  readonly quietMs: number;
  /**
   * Least time between two releases: a steady trickle of writes (a collector every 10 s) has a
   * quiet spell after each batch, and a full collection after every one would cost more than it
   * hands back. 60 s when absent.
   */
  readonly minIntervalMs?: number;
}

const DEFAULT_MIN_INTERVAL_MS = 60_000;

export interface MemoryReleaseDeps {
  readonly monotonicMs: () => number;
  readonly setTimer: (delayMs: number, callback: () => void) => () => void;
  /** Whether the flush holds every acknowledged write now. */
  readonly flushedAll: () => boolean;
  /** The release itself (purge the store's allocator, collect the JS heaps); its failure is the caller's to log. */
  readonly release: () => Promise<void>;
}

export function validateMemoryReleaseOptions(options: MemoryReleaseOptions): void {
  if (!(Number.isFinite(options.quietMs) && options.quietMs > 0)) throw new Error('flush.idle_release_delay must be > 0');
}

export class MemoryRelease {
  private lastWriteMs: number;
  /** Writes came since the last release (an idle process releases once, not every interval). */
  private dirty = false;
  private cancelTimer: (() => void) | null = null;
  private releasing: Promise<void> | null = null;
  private stopped = false;
  /** When the last release started (none yet: far enough back for the first). */
  private lastReleaseMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: MemoryReleaseOptions,
    private readonly deps: MemoryReleaseDeps,
  ) {
    validateMemoryReleaseOptions(options);
    this.lastWriteMs = deps.monotonicMs();
  }

  /** A write was accepted. */
  wrote(): void {
    this.lastWriteMs = this.deps.monotonicMs();
    this.dirty = true;
  }

  /** The flush caught up with every acknowledged write: a release follows the quiet period. */
  caughtUp(): void {
    if (this.stopped || !this.dirty || this.cancelTimer !== null) return;
    this.arm(this.options.quietMs);
  }

  /** Cancels a pending release and waits for one running. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    await this.releasing;
  }

  private arm(delayMs: number): void {
    this.cancelTimer = this.deps.setTimer(delayMs, () => {
      this.cancelTimer = null;
      if (this.stopped || this.releasing !== null) return;
      const quietForMs = this.deps.monotonicMs() - this.lastWriteMs;
      // Writes came meanwhile: wait out a full quiet period after the last one (the flush that
      // follows them calls caughtUp again, which finds this timer armed).
      if (quietForMs < this.options.quietMs) {
        this.arm(this.options.quietMs - quietForMs);
        return;
      }
      // Still flushing: its catching up calls caughtUp again.
      if (!this.deps.flushedAll()) return;
      const sinceReleaseMs = this.deps.monotonicMs() - this.lastReleaseMs;
      const minIntervalMs = this.options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
      if (sinceReleaseMs < minIntervalMs) {
        this.arm(minIntervalMs - sinceReleaseMs);
        return;
      }
      this.lastReleaseMs = this.deps.monotonicMs();
      this.dirty = false;
      this.releasing = this.deps.release().finally(() => {
        this.releasing = null;
      });
    });
  }
}
