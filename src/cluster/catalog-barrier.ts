// Brings this node's catalog up to everything Raft committed before the call (a ReadIndex through
// the leader), so a statement deciding from the catalog decides on the committed one. Must never
// answer without a leader's confirmation: a stale node would acknowledge a DELETE as a no-op.

import { NotLeaderError, ProposalDroppedError } from '../raft/index.js';
import { UnavailableError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';

export interface CatalogBarrierDeps {
  /** The node's Raft; throws (UnavailableError) while it is not created yet. */
  readonly raft: () => { readIndex(): Promise<void> };
  readonly clock: Clock;
}

/**
 * Resolves once this node applied every entry committed when it was called; retries while no
 * leader is known (an election), and fails with a 503 after `timeoutMs`.
 */
export async function catalogBarrier(deps: CatalogBarrierDeps, timeoutMs: number): Promise<void> {
  const deadline = deps.clock.monotonicMs() + timeoutMs;
  let problem = 'no leader is known';
  for (;;) {
    const remainingMs = deadline - deps.clock.monotonicMs();
    if (remainingMs <= 0) break;
    const outcome = await within(deps.raft().readIndex(), remainingMs, deps.clock);
    if (outcome === 'done') return;
    if (outcome === 'timeout') {
      problem = 'the leader did not confirm a read point in time';
      break;
    }
    if (!(outcome instanceof NotLeaderError || outcome instanceof ProposalDroppedError)) throw outcome;
    problem = outcome.message;
    await new Promise((resolve) => deps.clock.setTimer(Math.min(100, remainingMs), () => resolve(undefined)));
  }
  throw new UnavailableError(`the cluster has no reachable Raft leader (${problem}); this node cannot confirm its catalog is current, so schema changes and deletes are unavailable`);
}

function within(read: Promise<void>, timeoutMs: number, clock: Clock): Promise<'done' | 'timeout' | Error> {
  return new Promise((resolve) => {
    const cancel = clock.setTimer(timeoutMs, () => resolve('timeout'));
    read.then(
      () => {
        cancel();
        resolve('done');
      },
      (error: unknown) => {
        cancel();
        resolve(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
