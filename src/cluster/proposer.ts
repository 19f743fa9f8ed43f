// Puts cluster commands into the Raft log from any node: on the leader directly, elsewhere through
// the leader's /internal/propose. Resolves with the entry's index once the leader applied it; a
// refusal by the state machine comes back as the error it threw (status and message kept).

import type { Logger } from 'pino';
import { NotLeaderError, type RaftNode } from '../raft/index.js';
import { UnavailableError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { PeerRequestError, type PeerClient } from './peer-client.js';
import { encodeClusterCommand, type ApplyResult, type ClusterCommand } from './cluster-state-machine.js';

/** The status /internal/propose answers on a node that is not (or no longer) the leader. */
export const NOT_LEADER_STATUS = 421;

export interface ProposerDeps {
  /** The node's Raft (created when the cluster starts). */
  readonly raft: () => RaftNode<ApplyResult>;
  readonly client: PeerClient;
  readonly clock: Clock;
  readonly log: Logger;
  /** HTTP address of a member (null while unknown). */
  readonly httpAddressOf: (id: string) => string | null;
}

export class Proposer {
  constructor(
    private readonly deps: ProposerDeps,
    /** How long a proposal may wait for a leader before it fails with a 503. */
    private readonly timeoutMs: number,
  ) {}

  async propose(command: ClusterCommand): Promise<number> {
    const { deps } = this;
    const deadline = deps.clock.monotonicMs() + this.timeoutMs;
    let lastProblem = 'no leader is known';
    while (deps.clock.monotonicMs() < deadline) {
      const raft = deps.raft();
      const leader = raft.leader();
      if (leader === raft.id) {
        try {
          return (await raft.propose(encodeClusterCommand(command))).index;
        } catch (error) {
          if (!(error instanceof NotLeaderError)) throw error;
          lastProblem = 'leadership moved';
          continue;
        }
      }
      const address = leader === null ? null : deps.httpAddressOf(leader);
      if (leader === null || address === null) {
        lastProblem = leader === null ? 'no leader is known' : `the leader ${leader} has no known address yet`;
        await this.pause(100);
        continue;
      }
      try {
        const body = await deps.client.requestOk(address, { method: 'POST', path: '/internal/propose', body: encodeClusterCommand(command), contentType: 'application/msgpack' });
        return (JSON.parse(body.toString('utf8')) as { index: number }).index;
      } catch (error) {
        if (error instanceof PeerRequestError && error.peerStatus !== NOT_LEADER_STATUS && error.peerStatus < 500) throw error;
        lastProblem = error instanceof Error ? error.message : String(error);
        await this.pause(100);
      }
    }
    throw new UnavailableError(`the cluster has no reachable Raft leader (${lastProblem}); schema changes and membership changes are unavailable`);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => this.deps.clock.setTimer(ms, resolve));
  }
}
