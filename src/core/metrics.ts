// The engine's Prometheus instruments, registered on a Registry passed in (never the global one).
// Names are the public contract of /metrics: hyperbytedb_* as listed in the issues.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface EngineMetrics {
  readonly writeRequests: Counter;
  readonly writeErrors: Counter;
  readonly writePayloadBytes: Histogram;
  readonly writeDuration: Histogram;
  readonly queryRequests: Counter;
  readonly queryErrors: Counter;
  readonly queryDuration: Histogram;
  readonly ingestionPoints: Counter;
  readonly flushRuns: Counter;
  readonly flushErrors: Counter;
  readonly flushPoints: Counter;
  readonly flushDuration: Histogram;
  readonly flushQuarantined: Counter;
  readonly writeDroppedPoints: Counter<'reason'>;
  readonly walLastSequence: Gauge;
  readonly walFlushedSequence: Gauge;
  readonly uptime: Gauge;
  readonly queryMemoryLimit: Gauge;
  readonly queryMemoryInUse: Gauge;
  readonly queryMemoryRefusals: Counter;
}

/** What the query memory budget reports (core/query-memory.ts). */
export interface QueryMemoryGauge {
  readonly limitBytes: number;
  readonly inUseBytes: number;
  readonly refusals: number;
}

export function createEngineMetrics(registry: Registry, startedAtMs: number, nowMs: () => number, queryMemory: QueryMemoryGauge): EngineMetrics {
  const registers = [registry];
  let refusalsSeen = 0;
  return {
    writeRequests: new Counter({ name: 'hyperbytedb_write_requests_total', help: 'Write requests received.', registers }),
    writeErrors: new Counter({ name: 'hyperbytedb_write_errors_total', help: 'Write requests that failed (any 4xx/5xx).', registers }),
    writePayloadBytes: new Histogram({
      name: 'hyperbytedb_write_payload_bytes',
      help: 'Size of write request bodies after decompression.',
      buckets: [1024, 16384, 131072, 524288, 1048576, 4194304, 16777216, 67108864],
      registers,
    }),
    writeDuration: new Histogram({
      name: 'hyperbytedb_write_duration_seconds',
      help: 'Time from write request to acknowledgement.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    queryRequests: new Counter({ name: 'hyperbytedb_query_requests_total', help: 'Query requests received.', registers }),
    queryErrors: new Counter({ name: 'hyperbytedb_query_errors_total', help: 'Query requests or statements that failed.', registers }),
    queryDuration: new Histogram({
      name: 'hyperbytedb_query_duration_seconds',
      help: 'Time to answer a query request.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    ingestionPoints: new Counter({ name: 'hyperbytedb_ingestion_points_total', help: 'Points acknowledged by writes.', registers }),
    flushRuns: new Counter({ name: 'hyperbytedb_flush_runs_total', help: 'WAL to chDB flush rounds completed.', registers }),
    flushErrors: new Counter({ name: 'hyperbytedb_flush_errors_total', help: 'WAL to chDB flush rounds that failed.', registers }),
    flushPoints: new Counter({ name: 'hyperbytedb_flush_points_total', help: 'Points moved from the WAL into chDB.', registers }),
    flushDuration: new Histogram({
      name: 'hyperbytedb_flush_duration_seconds',
      help: 'Duration of one flush round.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    flushQuarantined: new Counter({ name: 'hyperbytedb_flush_quarantined_points_total', help: 'Points kept aside because their table could not be stored (retried until stored).', registers }),
    writeDroppedPoints: new Counter({
      name: 'hyperbytedb_write_dropped_points_total',
      help: 'Points refused by writes, by reason (field type conflict, schema or cardinality limits, bad input).',
      labelNames: ['reason'],
      registers,
    }),
    walLastSequence: new Gauge({ name: 'hyperbytedb_wal_last_sequence', help: 'Highest WAL sequence number assigned.', registers }),
    walFlushedSequence: new Gauge({ name: 'hyperbytedb_wal_flushed_sequence', help: 'Highest WAL sequence number flushed into chDB.', registers }),
    uptime: new Gauge({
      name: 'hyperbytedb_uptime_seconds',
      help: 'Seconds since the engine started.',
      registers,
      collect() {
        this.set((nowMs() - startedAtMs) / 1000);
      },
    }),
    queryMemoryLimit: new Gauge({
      name: 'hyperbytedb_query_memory_limit_bytes',
      help: 'Memory all running queries may hold together (query.max_memory, at most half the JS heap limit).',
      registers,
      collect() {
        this.set(queryMemory.limitBytes);
      },
    }),
    queryMemoryInUse: new Gauge({
      name: 'hyperbytedb_query_memory_in_use_bytes',
      help: 'Memory reserved by running queries and answers still being written (estimated from their rows).',
      registers,
      collect() {
        this.set(queryMemory.inUseBytes);
      },
    }),
    queryMemoryRefusals: new Counter({
      name: 'hyperbytedb_query_memory_refusals_total',
      help: 'Queries failed because the query memory budget (or chDB memory limit) could not take them.',
      registers,
      collect() {
        const refusals = queryMemory.refusals;
        if (refusals > refusalsSeen) this.inc(refusals - refusalsSeen);
        refusalsSeen = refusals;
      },
    }),
  };
}
