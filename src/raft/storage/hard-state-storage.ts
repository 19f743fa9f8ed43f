// Port: where a node keeps its hard state (term, vote, commit) durably.
// A vote or term must be durable before any message that depends on it leaves the node.

import type { HardState } from '../core/types.js';

export interface HardStateWriteOptions {
  /** fsync before resolving. Required for term/vote changes; a commit-only change may skip it. */
  readonly sync: boolean;
}

export interface HardStateStorage {
  /** The last durable hard state (the zero state on a fresh store). */
  hardState(): HardState;
  saveHardState(hardState: HardState, options: HardStateWriteOptions): Promise<void>;
}

export const zeroHardState: HardState = Object.freeze({ term: 0, vote: null, commit: 0 });

/** True when `next` changes what must be synced before messages are sent (etcd's mustSync, minus entries). */
export function hardStateNeedsSync(previous: HardState, next: HardState): boolean {
  return previous.term !== next.term || previous.vote !== next.vote;
}
