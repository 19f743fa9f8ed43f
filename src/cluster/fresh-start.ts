// What a node without Raft state does at start: join the running cluster, or bootstrap a new one
// from the configured peers. Must never bootstrap into a cluster that already exists: a wiped
// member that votes again with an empty log can elect a leader that lacks committed entries.

import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { HeartbeatAnswer } from './heartbeat.js';

export type FreshStartDecision =
  | { readonly kind: 'join' }
  | { readonly kind: 'bootstrap' }
  | { readonly kind: 'wait'; readonly reason: string };

export interface FreshStartInput {
  readonly nodeId: string;
  /** The configured Raft members (cluster.peers), this node among them. */
  readonly voters: readonly string[];
  /** Each seed's heartbeat answer; null when it did not answer. */
  readonly answers: ReadonlyArray<HeartbeatAnswer | null>;
}

/**
 * Join when a seed knows a leader. Bootstrap only on a cluster's very first start: no seed shows
 * a cluster that ever elected (term 2 or more) or a member outside the configured ones, and this
 * node plus the configured members answering as new make a majority (majorities intersect, so a
 * cluster that ran before always shows itself through one of them). Otherwise wait.
 */
export function decideFreshStart(input: FreshStartInput): FreshStartDecision {
  const answered = input.answers.filter((a): a is HeartbeatAnswer => a !== null && a.node_id !== input.nodeId);
  if (answered.some((a) => a.leader !== null)) return { kind: 'join' };
  const existing = answered.find((a) => a.term >= 2 || !input.voters.includes(a.node_id));
  if (existing !== undefined) {
    return { kind: 'wait', reason: `the cluster ran before (${existing.node_id} is at term ${existing.term}) and no leader is known yet; this node joins once one is` };
  }
  const fresh = new Set(answered.map((a) => a.node_id));
  const majority = Math.floor(input.voters.length / 2) + 1;
  if (1 + fresh.size >= majority) return { kind: 'bootstrap' };
  return { kind: 'wait', reason: `${1 + fresh.size} of ${input.voters.length} configured members answer as new; a first start needs ${majority}` };
}

export interface FreshStartDeps {
  readonly nodeId: string;
  readonly voters: readonly string[];
  /** Asks every seed for its heartbeat (null for one that does not answer). */
  readonly askSeeds: () => Promise<ReadonlyArray<HeartbeatAnswer | null>>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly stopping: () => boolean;
  readonly pollMs: number;
}

/** Asks the seeds until the answers decide; null when the node is stopped meanwhile. */
export async function awaitFreshStart(deps: FreshStartDeps): Promise<'join' | 'bootstrap' | null> {
  let lastReason = '';
  let lastLoggedMs = -Infinity;
  while (!deps.stopping()) {
    const decision = decideFreshStart({ nodeId: deps.nodeId, voters: deps.voters, answers: await deps.askSeeds() });
    if (decision.kind !== 'wait') return decision.kind;
    const now = deps.clock.monotonicMs();
    if (decision.reason !== lastReason || now - lastLoggedMs >= 10_000) {
      deps.log.info({ reason: decision.reason }, 'new Raft state: waiting before joining or bootstrapping');
      lastReason = decision.reason;
      lastLoggedMs = now;
    }
    await new Promise((resolve) => deps.clock.setTimer(deps.pollMs, () => resolve(undefined)));
  }
  return null;
}
