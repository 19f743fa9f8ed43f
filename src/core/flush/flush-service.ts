// Moves WAL entries into chDB: reads WAL ranges, groups points per table, one bulk insert per
// table per run, then advances the flushed watermark and truncates the WAL. Never drops a point.

import type { Logger } from 'pino';
import type { Wal, WalRecord } from '../wal/wal-port.js';
import type { Point } from '../model/point.js';
import type { Catalog } from '../meta/catalog.js';
import type { ChdbSession } from '../store/chdb-session.js';
import type { SchemaManager } from '../store/ddl.js';
import { encodeInsert } from '../store/insert-encoder.js';
import { insertTarget } from '../store/naming.js';
import type { EngineMetrics } from '../metrics.js';
import type { Service } from '../service.js';

export interface FlushOptions {
  readonly intervalMs: number;
  /** Upper bound of points read from the WAL per insert round. */
  readonly maxPointsPerInsert: number;
  /** Upper bound of WAL bytes read per round. */
  readonly maxBytesPerRound: number;
}

export const defaultFlushOptions: FlushOptions = {
  intervalMs: 10_000,
  maxPointsPerInsert: 500_000,
  maxBytesPerRound: 256 * 1024 * 1024,
};

export function validateFlushOptions(options: FlushOptions): void {
  if (!(options.intervalMs > 0)) throw new Error('flush.interval must be > 0');
  if (!(options.maxPointsPerInsert > 0)) throw new Error('flush.max_points_per_insert must be > 0');
}

export interface FlushDeps {
  readonly wal: Wal;
  readonly session: ChdbSession;
  readonly schema: SchemaManager;
  readonly catalog: () => Catalog;
  readonly log: Logger;
  readonly metrics: EngineMetrics;
}

interface TableBatch {
  readonly db: string;
  readonly rp: string;
  readonly measurement: string;
  readonly points: Point[];
}

export class FlushService implements Service {
  readonly name = 'flush';
  private timer: NodeJS.Timeout | null = null;
  /** The flush in progress, if any: flushes never overlap. */
  private running: Promise<void> | null = null;
  private stopped = true;
  /**
   * Entries appended by this process and not yet flushed, by seq: the flush takes them from here
   * instead of decoding them back from LevelDB. Bounded by the WAL's pending-bytes backpressure;
   * after a restart the WAL itself is read.
   */
  private readonly recent = new Map<number, WalRecord>();

  constructor(
    private readonly options: FlushOptions,
    private readonly deps: FlushDeps,
  ) {
    validateFlushOptions(options);
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush()
        .catch((error: unknown) => this.deps.log.error({ err: error }, 'flush failed; will retry'))
        .finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /**
   * Starts a flush in the background when the WAL holds more unflushed bytes than a quarter of
   * its bound, so a write burst drains long before appends hit backpressure.
   */
  nudge(maxPendingBytes: number): void {
    if (this.stopped || this.running || this.deps.wal.pendingBytes() < maxPendingBytes / 4) return;
    this.flush().catch((error: unknown) => this.deps.log.error({ err: error }, 'background flush failed; will retry'));
  }

  /** Hands the flush an entry the WAL just made durable, so it need not be read back. */
  remember(seq: number, entry: WalRecord['entry']): void {
    if (seq > this.deps.wal.flushedSeq()) this.recent.set(seq, { seq, entry });
  }

  /**
   * Flushes every entry acknowledged up to now (read-your-writes and shutdown use this).
   * Entries whose append is still in flight are not acknowledged yet and may stay behind.
   */
  async flush(): Promise<void> {
    const target = this.deps.wal.lastSeq();
    // Concurrent callers queue behind the running flush, then each makes one pass of its own.
    while (this.running) await this.running.catch(() => undefined);
    if (this.deps.wal.flushedSeq() >= target) return;
    const run = this.flushRounds(target);
    this.running = run;
    try {
      await run;
    } finally {
      this.running = null;
    }
  }

  /** Reads the next records from memory when they are there, from the WAL otherwise. */
  private async nextRecords(): Promise<WalRecord[]> {
    const from = this.deps.wal.flushedSeq() + 1;
    const records: WalRecord[] = [];
    let points = 0;
    for (let seq = from; ; seq++) {
      const record = this.recent.get(seq);
      if (!record || (records.length > 0 && points + record.entry.points.length > this.options.maxPointsPerInsert)) break;
      records.push(record);
      points += record.entry.points.length;
    }
    if (records.length > 0) return records;
    return this.deps.wal.read(from, {
      maxEntries: Math.max(1, Math.floor(this.options.maxPointsPerInsert / 16)),
      maxBytes: this.options.maxBytesPerRound,
    });
  }

  private async flushRounds(target: number): Promise<void> {
    const { wal, metrics } = this.deps;
    // Bounded loop: each round consumes at least one entry, or stops.
    while (wal.flushedSeq() < target) {
      const started = performance.now();
      const records = await this.nextRecords();
      if (records.length === 0) break;
      const { batches, lastSeq, points } = this.collect(records, target);
      try {
        for (const batch of batches.values()) await this.insertBatch(batch);
      } catch (error) {
        metrics.flushErrors.inc();
        throw error;
      }
      await wal.setFlushedSeq(lastSeq);
      for (const record of records) if (record.seq <= lastSeq) this.recent.delete(record.seq);
      await wal.truncateThrough(lastSeq);
      metrics.flushRuns.inc();
      metrics.flushPoints.inc(points);
      metrics.flushDuration.observe((performance.now() - started) / 1000);
    }
  }

  /** Groups records into per-table batches, stopping at the point budget (always taking one record). */
  private collect(records: readonly WalRecord[], target: number): { batches: Map<string, TableBatch>; lastSeq: number; points: number } {
    const batches = new Map<string, TableBatch>();
    let lastSeq = 0;
    let points = 0;
    for (const record of records) {
      if (record.seq > target && lastSeq !== 0) break;
      if (points > 0 && points + record.entry.points.length > this.options.maxPointsPerInsert) break;
      const { db, rp } = record.entry;
      for (const point of record.entry.points) {
        const key = `${db}\u0000${rp}\u0000${point.measurement}`;
        let batch = batches.get(key);
        if (!batch) batches.set(key, (batch = { db, rp, measurement: point.measurement, points: [] }));
        batch.points.push(point);
      }
      points += record.entry.points.length;
      lastSeq = record.seq;
    }
    return { batches, lastSeq, points };
  }

  private async insertBatch(batch: TableBatch): Promise<void> {
    const measurement = this.deps.catalog().measurementState(batch.db, batch.rp, batch.measurement);
    if (!measurement) {
      // The database, retention policy or measurement was dropped after the write: nothing to keep.
      this.deps.log.debug({ db: batch.db, rp: batch.rp, measurement: batch.measurement }, 'skipping points of a dropped measurement');
      return;
    }
    const encoded = encodeInsert(batch.points, measurement.fieldTypes);
    await this.deps.schema.ensureTable(batch.db, batch.rp, batch.measurement, encoded);
    await this.deps.session.insertRowBinary(insertTarget(batch.db, batch.rp, batch.measurement), encoded.columns, encoded.structure, encoded.payload);
  }
}
