// The retention service: every interval, on every node, removes what each policy no longer keeps.
// Partitions wholly older than the cutoff are dropped (cheap); a partition straddling it gets one
// ALTER TABLE … DELETE mutation (chDB runs it in the background). Never holds the flush's lock:
// writes and flushes go on while it works. Tells the caches that a table lost rows.

import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Service } from '../service.js';
import type { SchemaView } from '../meta/schema-view.js';
import { expiryCutoffNs } from '../meta/retention.js';
import type { RetentionStore, StoredPartition } from '../store/retention-store.js';
import { chTableName } from '../store/naming.js';
import { PeriodicTask } from './periodic-task.js';

export interface RetentionOptions {
  readonly enabled: boolean;
  readonly intervalMs: number;
}

export const defaultRetentionOptions: RetentionOptions = { enabled: true, intervalMs: 60_000 };

export function validateRetentionOptions(options: RetentionOptions): void {
  if (!(Number.isSafeInteger(options.intervalMs) && options.intervalMs >= 100 && options.intervalMs <= 86_400_000)) {
    throw new Error('retention.interval must be from 100ms to 24h');
  }
}

export interface RetentionMetrics {
  readonly runs: Counter;
  readonly partitionsDropped: Counter;
  readonly deleteMutations: Counter;
  readonly rowsRemoved: Counter;
  readonly errors: Counter;
  readonly duration: Histogram;
}

export function createRetentionMetrics(registry: Registry): RetentionMetrics {
  const registers = [registry];
  return {
    runs: new Counter({ name: 'hyperbytedb_retention_runs_total', help: 'Retention enforcement passes over every policy.', registers }),
    partitionsDropped: new Counter({ name: 'hyperbytedb_retention_partitions_dropped_total', help: 'Partitions dropped because all their rows expired.', registers }),
    deleteMutations: new Counter({ name: 'hyperbytedb_retention_delete_mutations_total', help: 'ALTER TABLE … DELETE mutations started for partitions partly expired.', registers }),
    rowsRemoved: new Counter({ name: 'hyperbytedb_retention_rows_removed_total', help: 'Expired rows removed (dropped partitions and deletes).', registers }),
    errors: new Counter({ name: 'hyperbytedb_retention_errors_total', help: 'Tables whose expired data could not be removed in a pass (tried again next pass).', registers }),
    duration: new Histogram({ name: 'hyperbytedb_retention_duration_seconds', help: 'Duration of one retention pass.', buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60], registers }),
  };
}

export interface RetentionDeps {
  readonly schema: () => SchemaView;
  readonly store: RetentionStore;
  /** The table lost rows: forget what caches knew of it (duplicates, tag values, series counts). */
  readonly tableChanged: (db: string, rp: string, measurement: string) => void;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: RetentionMetrics;
}

/** What one pass does to a table's partitions under a cutoff. Pure. */
export function retentionActions(partitions: readonly StoredPartition[], cutoffNs: bigint): { drop: StoredPartition[]; deleteRows: boolean } {
  const drop: StoredPartition[] = [];
  let deleteRows = false;
  for (const partition of partitions) {
    // max_time is whole seconds, rounded down: the last row may be up to a second later.
    if (partition.maxTimeNs + 1_000_000_000n <= cutoffNs) drop.push(partition);
    else if (partition.minTimeNs < cutoffNs) deleteRows = true;
  }
  return { drop, deleteRows };
}

export class RetentionService implements Service {
  readonly name = 'retention';
  private readonly task: PeriodicTask;

  constructor(
    private readonly options: RetentionOptions,
    private readonly deps: RetentionDeps,
  ) {
    validateRetentionOptions(options);
    this.task = new PeriodicTask(options.intervalMs, () => this.enforce(), { clock: deps.clock, log: deps.log, failure: 'retention pass failed' });
  }

  async start(): Promise<void> {
    if (this.options.enabled) this.task.start();
  }

  async stop(): Promise<void> {
    await this.task.stop();
  }

  /** One pass over every policy with a finite duration. */
  async enforce(): Promise<void> {
    const started = this.deps.clock.monotonicMs();
    const schema = this.deps.schema();
    const nowNs = BigInt(this.deps.clock.nowMs()) * 1_000_000n;
    for (const db of schema.databaseNames()) {
      const view = schema.database(db);
      for (const policy of view?.retentionPolicies ?? []) {
        const cutoffNs = expiryCutoffNs(policy, nowNs);
        if (cutoffNs === null || view === undefined) continue;
        const measurements = new Map(view.measurements(policy.name).map((m) => [chTableName(m.name), m.name]));
        await this.enforcePolicy(db, policy.name, cutoffNs, measurements);
      }
    }
    this.deps.metrics.runs.inc();
    this.deps.metrics.duration.observe((this.deps.clock.monotonicMs() - started) / 1000);
  }

  private async enforcePolicy(db: string, rp: string, cutoffNs: bigint, measurements: ReadonlyMap<string, string>): Promise<void> {
    const { store, metrics, log } = this.deps;
    let partitions: StoredPartition[];
    let busy: Set<string>;
    try {
      partitions = await store.partitions(db, rp);
      busy = partitions.some((p) => p.minTimeNs < cutoffNs) ? await store.busyTables(db, rp) : new Set();
    } catch (error) {
      metrics.errors.inc();
      log.warn({ err: error, db, rp }, 'retention: cannot list partitions');
      return;
    }
    const byTable = new Map<string, StoredPartition[]>();
    for (const partition of partitions) byTable.set(partition.table, [...(byTable.get(partition.table) ?? []), partition]);
    for (const [table, tablePartitions] of byTable) {
      const measurement = measurements.get(table);
      if (measurement === undefined || this.task.stopping) continue;
      const { drop, deleteRows } = retentionActions(tablePartitions, cutoffNs);
      if (drop.length === 0 && !deleteRows) continue;
      try {
        for (const partition of drop) {
          await store.dropPartition(db, rp, measurement, partition.partitionId);
          metrics.partitionsDropped.inc();
          metrics.rowsRemoved.inc(partition.rows);
        }
        // One delete at a time per table: a mutation still running covers the rows already.
        if (deleteRows && !busy.has(table)) {
          const rows = await store.countBefore(db, rp, measurement, cutoffNs);
          if (rows > 0) {
            await store.deleteBefore(db, rp, measurement, cutoffNs);
            metrics.deleteMutations.inc();
            metrics.rowsRemoved.inc(rows);
          }
        }
        log.info({ db, rp, measurement, cutoff: new Date(Number(cutoffNs / 1_000_000n)).toISOString(), partitionsDropped: drop.length }, 'retention: removed expired data');
      } catch (error) {
        metrics.errors.inc();
        log.warn({ err: error, db, rp, measurement }, 'retention: removing expired data failed; next pass tries again');
      } finally {
        this.deps.tableChanged(db, rp, measurement);
      }
    }
  }
}
