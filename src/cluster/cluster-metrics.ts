// The cluster's Prometheus instruments on the Registry passed in. Peer labels are node ids, never
// addresses. Gauges read the live state when scraped (collect), so they never go stale.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ClusterMetrics {
  readonly replicationWrites: Counter<'peer'>;
  readonly replicationErrors: Counter<'peer'>;
  readonly replicationDuration: Histogram;
  readonly applyEntries: Counter<'outcome'>;
  readonly consistency: Counter<'level' | 'outcome'>;
  readonly heartbeatFailures: Counter<'peer_id'>;
  readonly authFailures: Counter<'reason'>;
  readonly holdsDropped: Counter<'peer_id'>;
  readonly drainPhase: Gauge;
  readonly drains: Counter;
}

export interface ClusterGaugeSources {
  nodeState(): number;
  peersActive(): number;
  membershipVersion(): number;
  nodesTotal(): number;
  /** Per peer: entries of this node not yet acknowledged, their age, and the approximate bytes. */
  handoff(): ReadonlyArray<{ readonly peer: string; readonly entries: number; readonly oldestSeconds: number; readonly bytes: number }>;
  /** Per origin: entries this node is behind the origin's newest entry it has heard of. */
  originLag(): ReadonlyArray<{ readonly origin: string; readonly entries: number }>;
}

export function createClusterMetrics(registry: Registry, sources: ClusterGaugeSources): ClusterMetrics {
  const registers = [registry];
  new Gauge({
    name: 'hyperbytedb_cluster_node_state',
    help: 'This node\'s state: 0 Joining, 1 Syncing, 2 Active, 3 Disconnected, 4 Draining, 5 Leaving.',
    registers,
    collect() {
      this.set(sources.nodeState());
    },
  });
  new Gauge({
    name: 'hyperbytedb_cluster_peers_active',
    help: 'Peers declared Active and answering heartbeats.',
    registers,
    collect() {
      this.set(sources.peersActive());
    },
  });
  new Gauge({
    name: 'hyperbytedb_cluster_membership_version',
    help: 'Raft index of the last membership change.',
    registers,
    collect() {
      this.set(sources.membershipVersion());
    },
  });
  new Gauge({
    name: 'hyperbytedb_cluster_nodes',
    help: 'Members of the cluster, whatever their state.',
    registers,
    collect() {
      this.set(sources.nodesTotal());
    },
  });
  const handoffGauge = (name: string, help: string, pick: (h: ReturnType<ClusterGaugeSources['handoff']>[number]) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['peer_id'],
      registers,
      collect() {
        this.reset();
        for (const h of sources.handoff()) this.set({ peer_id: h.peer }, pick(h));
      },
    });
  };
  handoffGauge('hyperbytedb_hinted_handoff_pending_entries', 'Entries of this node a peer has not acknowledged (kept in the WAL for it).', (h) => h.entries);
  handoffGauge('hyperbytedb_hinted_handoff_pending_bytes', 'Approximate bytes of those entries.', (h) => h.bytes);
  handoffGauge('hyperbytedb_hinted_handoff_oldest_seconds', 'Age of the oldest entry a peer has not acknowledged.', (h) => h.oldestSeconds);
  handoffGauge('hyperbytedb_replication_lag_entries', 'Entries of this node a peer is behind.', (h) => h.entries);
  new Gauge({
    name: 'hyperbytedb_replication_origin_lag_entries',
    help: 'Entries of an origin this node misses, as far as it knows.',
    labelNames: ['origin'],
    registers,
    collect() {
      this.reset();
      for (const lag of sources.originLag()) this.set({ origin: lag.origin }, lag.entries);
    },
  });
  return {
    replicationWrites: new Counter({ name: 'hyperbytedb_replication_writes_total', help: 'WAL entries shipped to a peer and acknowledged.', labelNames: ['peer'], registers }),
    replicationErrors: new Counter({ name: 'hyperbytedb_replication_errors_total', help: 'Replication requests to a peer that failed.', labelNames: ['peer'], registers }),
    replicationDuration: new Histogram({
      name: 'hyperbytedb_replication_duration_seconds',
      help: 'Time of one replication request, send to acknowledgement.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    applyEntries: new Counter({ name: 'hyperbytedb_replication_apply_total', help: 'Replicated entries received, by outcome (appended, duplicate, gap, error).', labelNames: ['outcome'], registers }),
    consistency: new Counter({ name: 'hyperbytedb_write_consistency_total', help: 'Writes by consistency level and outcome (ok, unavailable, timeout).', labelNames: ['level', 'outcome'], registers }),
    heartbeatFailures: new Counter({ name: 'hyperbytedb_heartbeat_failures_total', help: 'Heartbeats to a peer that failed.', labelNames: ['peer_id'], registers }),
    authFailures: new Counter({ name: 'hyperbytedb_auth_failures_total', help: 'Peer requests refused for their signature, by reason.', labelNames: ['reason'], registers }),
    drainPhase: new Gauge({ name: 'hyperbytedb_drain_phase', help: 'Drain phase of this node: 0 idle, 1 rejecting writes, 2 flushing, 3 handoff, 4 leaving, 5 left, 6 failed, 7 aborted.', registers }),
    drains: new Counter({ name: 'hyperbytedb_drain_total', help: 'Drains started on this node.', registers }),
    holdsDropped: new Counter({ name: 'hyperbytedb_hinted_handoff_overflow_total', help: 'Times the WAL retention bounds let go of entries a peer had not acknowledged (the peer then needs a sync).', labelNames: ['peer_id'], registers }),
  };
}
