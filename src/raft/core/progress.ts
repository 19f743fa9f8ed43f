// The leader's view of one follower: match/next indexes and the probe/replicate/snapshot flow state.
// Must never let next fall to or below match, nor send to a follower whose window is paused.
import { assert } from './assert.js';
import { Inflights } from './inflights.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** Index of the snapshot in flight (snapshot state only). */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** Probe state: one append is outstanding; wait for a response or heartbeat. */
  probeSent = false;
  /** Ticks spent in snapshot state; the leader gives up and re-probes after a bound. */
  snapshotElapsedTicks = 0;
  readonly inflights: Inflights;

  constructor(opts: { next: number; maxInflightMessages: number; maxInflightBytes: number }) {
    this.next = opts.next;
    this.inflights = new Inflights(opts.maxInflightMessages, opts.maxInflightBytes);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotElapsedTicks = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** An append was acknowledged up to `index`; returns whether match advanced. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /** Replicate state: entries up to `lastIndex` were sent optimistically. */
  optimisticUpdate(lastIndex: number): void {
    this.next = lastIndex + 1;
  }

  /**
   * An append with prev index `rejected` was refused; `matchHint` is the highest index that may
   * still match. Returns false when the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    assert(this.next > this.match, 'progress: next must exceed match');
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }
}
