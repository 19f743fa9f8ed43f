// Prometheus gauges for a Raft node, registered on a Registry the caller passes in (never the global one).
// Values are read from node.metrics() at scrape time; nothing here runs on the hot path.

import { Gauge, type Registry } from 'prom-client';
import type { RaftNode } from './node.js';

export interface RaftMetricsOptions {
  /** Metric name prefix; default "hyperbytedb_raft_". */
  readonly prefix?: string;
}

/** Registers term, commit/applied index, leadership and per-peer replication lag gauges for `node`. */
export function registerRaftMetrics(node: RaftNode, registry: Registry, options: RaftMetricsOptions = {}): void {
  const prefix = options.prefix ?? 'hyperbytedb_raft_';
  const scalar = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name: `${prefix}${name}`, help, labelNames: ['node'], registers: [registry],
      collect() { this.set({ node: node.id }, read()); },
    });
  };
  scalar('term', 'Current Raft term.', () => node.metrics().term);
  scalar('commit_index', 'Highest log index known committed.', () => node.metrics().commitIndex);
  scalar('applied_index', 'Highest log index applied to the state machine.', () => node.metrics().appliedIndex);
  scalar('last_index', 'Last index in the local log.', () => node.metrics().lastIndex);
  scalar('snapshot_index', 'Index of the latest local snapshot.', () => node.metrics().snapshotIndex);
  scalar('is_leader', '1 if this node is the leader.', () => (node.metrics().role === 'leader' ? 1 : 0));
  scalar('has_leader', '1 if this node knows a leader.', () => (node.metrics().leader === null ? 0 : 1));
  scalar('pending_proposals', 'Proposals waiting to be applied.', () => node.metrics().pendingProposals);
  new Gauge({
    name: `${prefix}replication_lag_entries`,
    help: 'Leader only: entries each follower is behind the leader.',
    labelNames: ['node', 'peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [peer, lag] of Object.entries(node.metrics().replicationLag)) this.set({ node: node.id, peer }, lag);
    },
  });
}
