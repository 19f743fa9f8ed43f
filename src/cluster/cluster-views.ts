// What operators read of a node: /cluster/nodes, /cluster/leader, /cluster/metrics and the
// cluster's /health checks, built from a snapshot of the node's state. Pure: no I/O.

import type { RaftNodeMetrics } from '../raft/index.js';
import type { PeerLiveness } from './heartbeat.js';
import type { Membership, NodeState } from './membership.js';
import type { PeerStreamStatus } from './replication/peer-stream.js';

export interface ClusterViewSource {
  readonly nodeId: string;
  readonly httpAddress: string;
  readonly configuredPeers: ReadonlyArray<{ readonly id: string; readonly raftAddress: string }>;
  readonly membership: Membership;
  readonly peerIds: readonly string[];
  readonly countedPeers: readonly string[];
  readonly voters: readonly string[];
  readonly observedState: NodeState;
  readonly raft: RaftNodeMetrics | null;
  readonly liveness: (peer: string) => PeerLiveness;
  readonly streams: readonly PeerStreamStatus[];
  readonly registered: boolean;
  readonly syncOutcome: string | null;
}

export interface NodeView {
  readonly node_id: string;
  readonly addr: string | null;
  readonly raft_addr: string | null;
  /** Observed: the declared state, or Disconnected while heartbeats fail. */
  readonly state: NodeState;
  readonly declared_state: NodeState | null;
  readonly voter: boolean;
  readonly self: boolean;
  readonly reachable: boolean;
  readonly last_heartbeat: string | null;
}

export interface LeaderView {
  readonly leader_id: string | null;
  readonly leader_addr: string | null;
  readonly this_node_id: string;
  readonly is_leader: boolean;
  readonly term: number;
}

export interface HealthCheckView {
  readonly name: string;
  readonly status: 'pass' | 'warn';
  readonly message: string;
}

export function nodesView(source: ClusterViewSource): NodeView[] {
  const ids = new Set<string>([source.nodeId, ...source.peerIds]);
  const voters = new Set(source.voters);
  return [...ids].sort().map((id) => {
    const info = source.membership.get(id);
    const self = id === source.nodeId;
    const live = self ? null : source.liveness(id);
    const declared = info?.state ?? null;
    const state: NodeState = self ? source.observedState : live!.reachable ? (declared ?? 'joining') : 'disconnected';
    return {
      node_id: id,
      addr: info?.httpAddress ?? null,
      raft_addr: info?.raftAddress ?? source.configuredPeers.find((p) => p.id === id)?.raftAddress ?? null,
      state,
      declared_state: declared,
      voter: voters.has(id),
      self,
      reachable: self ? true : live!.reachable,
      last_heartbeat: live?.lastSuccessMs ? new Date(live.lastSuccessMs).toISOString() : null,
    };
  });
}

export function leaderView(source: ClusterViewSource): LeaderView {
  const leader = source.raft?.leader ?? null;
  return {
    leader_id: leader,
    leader_addr: leader === null ? null : (source.membership.get(leader)?.httpAddress ?? null),
    this_node_id: source.nodeId,
    is_leader: leader === source.nodeId,
    term: source.raft?.term ?? 0,
  };
}

export function clusterMetricsView(source: ClusterViewSource): object {
  const peers = nodesView(source).filter((n) => !n.self);
  return {
    mode: 'master-master',
    node_id: source.nodeId,
    node_addr: source.httpAddress,
    state: source.observedState,
    membership_version: source.membership.version,
    leader_id: source.raft?.leader ?? null,
    term: source.raft?.term ?? 0,
    peers: peers.map((p) => ({ node_id: p.node_id, addr: p.addr, state: p.state })),
    peer_count: peers.length,
    peers_active: peers.filter((p) => p.state === 'active').length,
    registered: source.registered,
    replication: source.streams,
    last_sync: source.syncOutcome,
  };
}

/** What /health adds for the cluster: this node's state, peers it cannot reach, peers needing a sync. */
export function clusterHealthChecks(source: ClusterViewSource): HealthCheckView[] {
  const state = source.observedState;
  const checks: HealthCheckView[] = [
    { name: 'cluster', status: state === 'active' ? 'pass' : 'warn', message: `node ${source.nodeId} is ${state}; leader ${source.raft?.leader ?? 'unknown'}` },
  ];
  for (const peer of source.countedPeers) {
    if (!source.liveness(peer).reachable) checks.push({ name: `peer:${peer}`, status: 'warn', message: `peer ${peer} does not answer heartbeats` });
  }
  for (const status of source.streams) {
    if (status.needsSync) checks.push({ name: `replication:${status.peer}`, status: 'warn', message: `peer ${status.peer} misses entries this node no longer holds; it needs a sync` });
  }
  return checks;
}
