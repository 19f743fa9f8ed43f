// Prometheus instruments of anti-entropy: pulls by kind, bytes copied, catch-up progress, the
// leader's view of every node's lag per origin, catalog mismatches. On the Registry passed in.

import { Counter, Gauge, type Registry } from 'prom-client';

export interface SyncMetrics {
  readonly pulls: Counter<'kind' | 'outcome'>;
  readonly pullBytes: Counter<'kind'>;
  readonly catchUpProgress: Gauge;
  readonly originLag: Gauge<'node' | 'origin'>;
  readonly catalogMismatches: Counter<'node'>;
  readonly ordersSent: Counter<'kind'>;
}

export function createSyncMetrics(registry: Registry): SyncMetrics {
  const registers = [registry];
  return {
    pulls: new Counter({ name: 'hyperbytedb_sync_pulls_total', help: 'Sync pulls this node ran, by kind (delta, full) and outcome.', labelNames: ['kind', 'outcome'], registers }),
    pullBytes: new Counter({ name: 'hyperbytedb_sync_pull_bytes_total', help: 'Bytes this node received by sync pulls, by kind.', labelNames: ['kind'], registers }),
    catchUpProgress: new Gauge({ name: 'hyperbytedb_sync_catch_up_progress_ratio', help: 'Share of tables copied by the running (or last) full copy, 0 to 1.', registers }),
    originLag: new Gauge({ name: 'hyperbytedb_sync_origin_lag_entries', help: 'Leader only: entries of an origin a node misses of the most any node holds, at the last sync round.', labelNames: ['node', 'origin'], registers }),
    catalogMismatches: new Counter({ name: 'hyperbytedb_sync_catalog_mismatch_total', help: 'Leader only: rounds where a node held another catalog at the same applied index.', labelNames: ['node'], registers }),
    ordersSent: new Counter({ name: 'hyperbytedb_sync_orders_total', help: 'Leader only: sync orders sent to lagging nodes, by kind (pull, full).', labelNames: ['kind'], registers }),
  };
}
