// Waiting until the Raft state machine applied an index, bounded by a timeout. Must never throw
// from its timer: before Raft runs (a node still joining) there is nothing to listen to, and the
// wait can only end by its timeout, answering whether the index was reached meanwhile.

import type { Clock } from '../core/clock.js';

export interface AppliedSource {
  readonly appliedIndex: () => number;
  /** The node's Raft once it runs; null before (a joining node), so nothing can be applied yet. */
  readonly raft: () => { on(event: 'applied', listener: () => void): unknown; off(event: 'applied', listener: () => void): unknown } | null;
  readonly clock: Clock;
}

export function waitForApplied(source: AppliedSource, index: number, timeoutMs: number): Promise<boolean> {
  if (source.appliedIndex() >= index) return Promise.resolve(true);
  const raft = source.raft();
  return new Promise((resolve) => {
    const onApplied = (): void => {
      if (source.appliedIndex() >= index) finish();
    };
    const cancel = source.clock.setTimer(timeoutMs, () => finish());
    const finish = (): void => {
      raft?.off('applied', onApplied);
      cancel();
      resolve(source.appliedIndex() >= index);
    };
    raft?.on('applied', onApplied);
  });
}
