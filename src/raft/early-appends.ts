// Picks the leader's appends that may leave before the leader's own log write is durable (Raft thesis §10.2.1, etcd).
// Pure; must never release a message that depends on an unsynced term, vote, snapshot, or on a follower's own write.

import type { HardState, Message, Ready } from './core/types.js';

export interface ReadyMessages {
  /** Sent as soon as the Ready is taken, in parallel with its persistence. */
  readonly early: readonly Message[];
  /** Sent only once the Ready is durable. */
  readonly late: readonly Message[];
}

/**
 * Safety: an append only copies the leader's entries to a follower; the leader counts its own
 * match only in advance() (after its write is durable), so an entry is committed only once a
 * majority holds it durably, with or without the leader. If the leader crashes before its write,
 * followers hold entries the leader lost; that is the ordinary case of uncommitted entries from
 * a failed leader. What must be durable before anything leaves is the term and vote the appends
 * carry: a leader whose election is not yet on disk could vote again in that term after a
 * restart, so a Ready that changes term or vote (or installs a snapshot) releases nothing early.
 */
export function splitEarlyAppends(ready: Ready, durable: HardState, leaderTerm: number | null): ReadyMessages {
  const hs = ready.hardState;
  const termDurable = leaderTerm !== null && durable.term === leaderTerm
    && (hs === null || (hs.term === durable.term && hs.vote === durable.vote));
  if (!termDurable || ready.snapshot !== null || ready.messages.length === 0) return { early: [], late: ready.messages };
  const early: Message[] = [];
  const late: Message[] = [];
  for (const message of ready.messages) {
    if (message.type === 'append' && message.term === leaderTerm) early.push(message);
    else late.push(message);
  }
  return { early, late };
}
