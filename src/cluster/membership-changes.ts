// Changes to who is in the cluster, on the Raft leader's side and the leaving node's: admitting a
// joining node as a learner (re-adding a member that lost its Raft state), promoting Active
// learners to voters within max_voters, handing leadership over and leaving Raft after a drain.

import type { Logger } from 'pino';
import type { RaftNode } from '../raft/index.js';
import type { Clock } from '../core/clock.js';
import type { ApplyResult } from './cluster-state-machine.js';
import type { Membership } from './membership.js';
import type { PeerClient } from './peer-client.js';
import type { Proposer } from './proposer.js';
import { parseJoinRequest, type JoinAnswer } from './join.js';

export interface MembershipChangesDeps {
  readonly nodeId: string;
  readonly raft: () => RaftNode<ApplyResult>;
  readonly proposer: Proposer;
  readonly membership: () => Membership;
  readonly client: PeerClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly maxVoters: number;
  readonly proposeTimeoutMs: number;
  readonly reachable: (peer: string) => boolean;
}

export class MembershipChanges {
  constructor(private readonly deps: MembershipChangesDeps) {}

  /** Leader: makes Active learners voters while the voters stay within max_voters. */
  async promoteLearners(): Promise<void> {
    if (!this.deps.raft().isLeader()) return;
    const conf = this.deps.raft().configuration();
    let voters = conf.voters.length;
    for (const id of conf.learners) {
      const node = this.deps.membership().get(id);
      if (!node || node.state !== 'active' || voters >= this.deps.maxVoters) continue;
      await this.deps.raft().addNode(id, node.raftAddress);
      voters++;
      this.deps.log.info({ node: id }, 'learner promoted to voter');
    }
  }

  /** POST /internal/membership/join: the leader admits a new node as a learner, registered Joining. */
  async admitJoin(body: Buffer): Promise<{ status: number; body: object }> {
    const request = parseJoinRequest(body);
    const raft = this.deps.raft();
    if (!raft.isLeader()) {
      const leader = raft.leader();
      const address = leader === null ? null : (this.deps.membership().get(leader)?.httpAddress ?? null);
      if (address === null) return { status: 503, body: { error: 'no raft leader known; retry' } };
      const answer = await this.deps.client.requestOk(address, { method: 'POST', path: '/internal/membership/join', body, contentType: 'application/json', timeoutMs: 30_000 });
      return { status: 200, body: JSON.parse(answer.toString('utf8')) as object };
    }
    const conf = raft.configuration();
    if (request.node_id === this.deps.nodeId) return { status: 409, body: { error: 'a node cannot admit itself' } };
    if (conf.voters.includes(request.node_id) || conf.learners.includes(request.node_id)) {
      // A member without its Raft state (wiped): Raft's memory of it (its log position) is wrong
      // now, so it leaves the configuration and comes back as a learner starting from nothing.
      this.deps.log.warn({ node: request.node_id }, 'a member asks to join again without its Raft state; re-adding it as a learner');
      await raft.removeNode(request.node_id);
    }
    await raft.addNode(request.node_id, request.raft_address, { learner: true });
    let index = await this.deps.proposer.propose({ kind: 'register-node', id: request.node_id, httpAddress: request.http_address, raftAddress: request.raft_address, initialState: 'joining' });
    if (this.deps.membership().get(request.node_id)?.state !== 'joining') {
      // A member coming back without its data is not Active until it copied the data again.
      index = await this.deps.proposer.propose({ kind: 'set-node-state', id: request.node_id, state: 'joining' });
    }
    const members = this.deps.membership().list().map((n) => ({ id: n.id, raft_address: n.raftAddress, http_address: n.httpAddress }));
    const answer: JoinAnswer = { members, leader_id: this.deps.nodeId, applied_index: index };
    return { status: 200, body: answer };
  }

  /** A leader about to leave hands leadership to a reachable voter first. */
  async stepDown(): Promise<void> {
    const raft = this.deps.raft();
    if (!raft.isLeader()) return;
    const next = raft.configuration().voters.find((id) => id !== this.deps.nodeId && this.deps.reachable(id));
    if (next === undefined) throw new Error('this node leads and no other voter is reachable to take over');
    await raft.transferLeadership(next);
  }

  /** Out of the Raft configuration, through the leader (which is another node by now). */
  async leaveRaft(): Promise<void> {
    const deadline = this.deps.clock.monotonicMs() + this.deps.proposeTimeoutMs;
    for (;;) {
      const leader = this.deps.raft().leader();
      const address = leader === null || leader === this.deps.nodeId ? null : (this.deps.membership().get(leader)?.httpAddress ?? null);
      if (address !== null) {
        await this.deps.client.requestOk(address, { method: 'POST', path: '/internal/membership/leave', body: Buffer.from(JSON.stringify({ node_id: this.deps.nodeId })), contentType: 'application/json' });
        return;
      }
      if (this.deps.clock.monotonicMs() > deadline) throw new Error('no other leader to take this node out of Raft');
      await new Promise((resolve) => this.deps.clock.setTimer(200, () => resolve(undefined)));
    }
  }

  /** POST /internal/membership/leave on the leader: removes a Leaving node from the Raft configuration. */
  async admitLeave(body: Buffer): Promise<{ status: number; body: object }> {
    const { node_id: id } = JSON.parse(body.toString('utf8')) as { node_id?: unknown };
    if (typeof id !== 'string') return { status: 400, body: { error: 'node_id is required' } };
    if (!this.deps.raft().isLeader()) return { status: 421, body: { error: 'not raft leader', leader_id: this.deps.raft().leader() } };
    if (id === this.deps.nodeId) return { status: 409, body: { error: 'the leader cannot remove itself; it steps down first' } };
    if (this.deps.membership().get(id)?.state !== 'leaving') return { status: 409, body: { error: `node ${id} is not Leaving` } };
    const conf = this.deps.raft().configuration();
    if (conf.voters.includes(id) || conf.learners.includes(id)) await this.deps.raft().removeNode(id);
    return { status: 200, body: { ok: true, node_id: id } };
  }
}
