// What one cluster node needs to know, cut from the config by the composition root. Defaults are
// finite; validate() asserts the relations between them (Raft's election timeout against the
// heartbeat, the write timeout against the peer timeout).

import type { ConsistencyLevel } from './consistency.js';

export interface ClusterOptions {
  readonly nodeId: string;
  /** host:port other nodes reach this node's HTTP API on. */
  readonly httpAddress: string;
  /** Every initial member (this node included) with its Raft address. */
  readonly peers: ReadonlyArray<{ readonly id: string; readonly raftAddress: string }>;
  readonly raftBindHost: string;
  readonly raftPort: number;
  /** host:port other nodes reach this node's Raft transport on. */
  readonly raftAdvertiseAddress: string;
  readonly secret: string;
  readonly dataDir: string;
  readonly consistency: ConsistencyLevel;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatMissThreshold: number;
  readonly writeTimeoutMs: number;
  readonly peerRequestTimeoutMs: number;
  readonly replicationMaxBatchBytes: number;
  readonly replicateBodyLimitBytes: number;
  /** Longest a replicated entry waits for this node's catalog to reach its index. */
  readonly catalogWaitMs: number;
  /** How long a schema change waits for a reachable leader. */
  readonly proposeTimeoutMs: number;
  /** Peer signatures older or newer than this (clock skew included) are refused. */
  readonly signatureWindowMs: number;
  /** Own entries kept in memory for the peer streams. */
  readonly recentEntriesBytes: number;
  readonly raftTickMs: number;
  readonly raftElectionTicks: number;
  readonly raftSnapshotEvery: number;
  /** Members to ask for admission when this node starts without Raft state (host:port or URL). */
  readonly joinSeeds: readonly string[];
  /** Raft voters at most; further Active nodes stay learners. */
  readonly maxVoters: number;
  /** The leader's anti-entropy round. */
  readonly syncIntervalMs: number;
  /** Longest a starting node waits for its peers' answers before it serves what it holds. */
  readonly startupSyncTimeoutMs: number;
  readonly syncPullMaxBytes: number;
  /** Rows per page of a table copy between nodes. */
  readonly copyPageRows: number;
  readonly snapshotTtlMs: number;
  /** How long a drain waits for the remaining peers to hold this node's entries. */
  readonly drainTimeoutMs: number;
}

export const defaultClusterTimings = {
  consistency: 'quorum' as ConsistencyLevel,
  heartbeatIntervalMs: 2_000,
  heartbeatMissThreshold: 3,
  writeTimeoutMs: 10_000,
  peerRequestTimeoutMs: 10_000,
  replicationMaxBatchBytes: 4 * 1024 * 1024,
  replicateBodyLimitBytes: 32 * 1024 * 1024,
  catalogWaitMs: 5_000,
  proposeTimeoutMs: 10_000,
  signatureWindowMs: 60_000,
  recentEntriesBytes: 64 * 1024 * 1024,
  raftTickMs: 100,
  raftElectionTicks: 10,
  raftSnapshotEvery: 10_000,
  joinSeeds: [] as readonly string[],
  maxVoters: 5,
  syncIntervalMs: 30_000,
  startupSyncTimeoutMs: 60_000,
  syncPullMaxBytes: 8 * 1024 * 1024,
  copyPageRows: 100_000,
  snapshotTtlMs: 10 * 60_000,
  drainTimeoutMs: 60_000,
} as const;

export function validateClusterOptions(o: ClusterOptions): void {
  if (o.secret.length === 0) throw new Error('cluster.secret: a cluster needs a shared secret (peer requests are signed with it); set HYPERBYTEDB__CLUSTER__SECRET');
  if (!o.peers.some((p) => p.id === o.nodeId)) throw new Error(`cluster.peers: must list this node (${o.nodeId}) with its Raft address`);
  if (o.replicationMaxBatchBytes > o.replicateBodyLimitBytes) throw new Error('cluster.replication_max_batch_size must not exceed cluster.replicate_body_limit');
  if (o.writeTimeoutMs < o.heartbeatIntervalMs) throw new Error('cluster.write_timeout must be at least the heartbeat interval');
  for (const [name, value] of Object.entries(o)) {
    if (typeof value === 'number' && !(Number.isFinite(value) && value > 0)) throw new Error(`cluster option ${name} must be > 0, got ${value}`);
  }
}
