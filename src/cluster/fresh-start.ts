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
  // A member that left (drained) keeps answering with the leader it last knew.
  if (answered.some((a) => a.leader !== null && a.state !== 'leaving')) return { kind: 'join' };
  const existing = answered.find((a) => a.term >= 2 || !input.voters.includes(a.node_id));
  if (existing !== undefined) {
    return { kind: 'wait', reason: `the cluster ran before (${existing.node_id} is at term ${existing.term}) and no leader is known yet; this node joins once one is` };
  }
  const fresh = new Set(answered.map((a) => a.node_id));
  const majority = Math.floor(input.voters.length / 2) + 1;
  if (1 + fresh.size >= majority) return { kind: 'bootstrap' };
  return { kind: 'wait', reason: `${1 + fresh.size} of ${input.voters.length} configured members answer as new; a first start needs ${majority}` };
}

export interface FreshStartDeps<Admission> {
  readonly nodeId: string;
  readonly voters: readonly string[];
  /** Asks every seed for its heartbeat (null for one that does not answer). */
  readonly askSeeds: () => Promise<ReadonlyArray<HeartbeatAnswer | null>>;
  /** Asks the seeds to admit this node (join.ts requestJoin); throws when none does now. */
  readonly requestJoin: () => Promise<Admission>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly stopping: () => boolean;
  readonly pollMs: number;
}

/**
 * Asks the seeds until the answers decide: the admission when joined, 'bootstrap' for a first
 * start, null when the node is stopped meanwhile. A join refused for now (the leader just moved,
 * a seed named a leader it no longer has) is asked again, never the end of the process.
 */
export async function awaitFreshStart<Admission>(deps: FreshStartDeps<Admission>): Promise<Admission | 'bootstrap' | null> {
  let lastReason = '';
  let lastLoggedMs = -Infinity;
  while (!deps.stopping()) {
    const decision = decideFreshStart({ nodeId: deps.nodeId, voters: deps.voters, answers: await deps.askSeeds() });
    if (decision.kind === 'bootstrap') return 'bootstrap';
    let reason = decision.kind === 'wait' ? decision.reason : '';
    if (decision.kind === 'join') {
      try {
        return await deps.requestJoin();
      } catch (error) {
        reason = `join refused for now: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    const now = deps.clock.monotonicMs();
    if (reason !== lastReason || now - lastLoggedMs >= 10_000) {
      deps.log.info({ reason }, 'new Raft state: waiting before joining or bootstrapping');
      lastReason = reason;
      lastLoggedMs = now;
    }
    await new Promise((resolve) => deps.clock.setTimer(deps.pollMs, () => resolve(undefined)));
  }
  return null;
}
