// Moves WAL entries into chDB: groups points per table, one bulk insert per table per round,
// then advances the flushed watermark and truncates the WAL. Never drops an acknowledged point.

import { unlink } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Wal, WalRecord } from '../wal/wal-port.js';
import type { Catalog } from '../meta/catalog.js';
import type { ChdbSession } from '../store/chdb-session.js';
import type { SchemaManager } from '../store/ddl.js';
import { insertTarget } from '../store/naming.js';
import type { EngineMetrics } from '../metrics.js';
import type { Service } from '../service.js';
import { encodeTable, groupByTable, type TableBatch } from './table-batches.js';
import type { FlushEncoder, StagedTable } from './flush-encoder.js';
import type { DuplicateTracker } from '../store/duplicate-tracker.js';

/** Tables re-probed for duplicates per flush interval (each probe is one small system.parts query). */
const REPROBES_PER_INTERVAL = 16;

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
  /** Decodes and encodes entries of this process off the main thread. */
  readonly encoder: FlushEncoder;
  /** Told of every insert, so reads know when FINAL is needed. */
  readonly duplicates: DuplicateTracker;
}

export class FlushService implements Service {
  readonly name = 'flush';
  private timer: NodeJS.Timeout | null = null;
  /** The flush in progress, if any: flushes never overlap. */
  private running: Promise<void> | null = null;
  private stopped = true;
  /**
   * Sealed values of entries appended by this process and not yet flushed, by seq: the encoder
   * thread takes them from here instead of the main thread reading LevelDB. Bounded by the WAL's
   * pending-bytes backpressure; after a restart the WAL itself is read.
   */
  private readonly recent = new Map<number, Buffer>();

  constructor(
    private readonly options: FlushOptions,
    private readonly deps: FlushDeps,
  ) {
    validateFlushOptions(options);
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    await this.deps.encoder.start();
    this.stopped = false;
    this.schedule();
  }

  /** Stops the timer, runs a final flush of everything acknowledged, then stops the encoder. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    try {
      await this.flush();
    } catch (error) {
      this.deps.log.error({ err: error }, 'final flush failed; the WAL keeps the points for the next start');
    }
    await this.deps.encoder.stop();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush()
        .catch((error: unknown) => this.deps.log.error({ err: error }, 'flush failed; will retry'))
        .then(() => this.reprobeUnclean())
        .finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /**
   * Starts a flush in the background once the WAL holds `thresholdBytes` unflushed, so a write
   * burst is moved in steady slices instead of one large insert at the next interval.
   */
  nudge(thresholdBytes: number): void {
    if (this.stopped || this.running || this.deps.wal.pendingBytes() < thresholdBytes) return;
    this.flush().catch((error: unknown) => this.deps.log.error({ err: error }, 'background flush failed; will retry'));
  }

  /**
   * Tables whose parts may hold duplicates are read with FINAL until a probe finds their parts no
   * longer overlap (background merges do that); a bounded number per interval, one at a time,
   * least recently probed first.
   */
  private async reprobeUnclean(): Promise<void> {
    for (const table of this.deps.duplicates.uncleanTables(REPROBES_PER_INTERVAL)) {
      if (this.stopped) return;
      await this.deps.duplicates.refresh(table);
    }
  }

  /** Hands the flush an entry the WAL just made durable (its sealed value), so it need not be read back. */
  remember(seq: number, value: Buffer): void {
    if (seq > this.deps.wal.flushedSeq()) this.recent.set(seq, value);
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

  private async flushRounds(target: number): Promise<void> {
    const { wal, metrics } = this.deps;
    // Bounded loop: each round consumes at least one entry, or stops.
    while (wal.flushedSeq() < target) {
      const started = performance.now();
      const from = wal.flushedSeq() + 1;
      let round: { lastSeq: number; points: number } | null;
      try {
        round = this.recent.has(from) ? await this.flushRecent(from, target) : await this.flushFromWal(from, target);
      } catch (error) {
        metrics.flushErrors.inc();
        throw error;
      }
      if (round === null) break;
      await wal.setFlushedSeq(round.lastSeq);
      for (let seq = from; seq <= round.lastSeq; seq++) this.recent.delete(seq);
      await wal.truncateThrough(round.lastSeq);
      metrics.flushRuns.inc();
      metrics.flushPoints.inc(round.points);
      metrics.flushDuration.observe((performance.now() - started) / 1000);
    }
  }

  /** Entries of this process: encoded on the worker thread, inserted from staged files. */
  private async flushRecent(from: number, target: number): Promise<{ lastSeq: number; points: number }> {
    const values: Array<{ seq: number; value: Buffer }> = [];
    let bytes = 0;
    for (let seq = from; seq <= target; seq++) {
      const value = this.recent.get(seq);
      if (!value || (values.length > 0 && bytes + value.length > this.options.maxBytesPerRound)) break;
      values.push({ seq, value });
      bytes += value.length;
    }
    const started = performance.now();
    const { tables, points } = await this.deps.encoder.encode(values);
    const encoded = performance.now();
    try {
      for (const table of tables) await this.insertStaged(table);
    } finally {
      await Promise.all(tables.map((table) => unlink(table.path).catch(() => undefined)));
    }
    this.deps.log.debug(
      { entries: values.length, points, encodeMs: Math.round(encoded - started), insertMs: Math.round(performance.now() - encoded) },
      'flushed entries of this process',
    );
    return { lastSeq: values[values.length - 1]!.seq, points };
  }

  /** The database, retention policy or measurement was dropped after the write: nothing to keep. */
  private isDropped(target: { readonly db: string; readonly rp: string; readonly measurement: string }): boolean {
    if (this.deps.catalog().measurementState(target.db, target.rp, target.measurement)) return false;
    this.deps.log.debug({ db: target.db, rp: target.rp, measurement: target.measurement }, 'skipping points of a dropped measurement');
    return true;
  }

  private async insertStaged(table: StagedTable): Promise<void> {
    if (this.isDropped(table)) return;
    await this.deps.schema.ensureTable(table.db, table.rp, table.measurement, table);
    await this.tracked(table, table.minTimeNs, table.maxTimeNs, () =>
      this.deps.session.insertStagedFile(insertTarget(table.db, table.rp, table.measurement), table.columns, table.structure, table.path),
    );
  }

  /** Runs one insert with the duplicate tracker told before and after. */
  private async tracked(table: TableBatch | StagedTable, minTimeNs: bigint, maxTimeNs: bigint, insert: () => Promise<void>): Promise<void> {
    await this.deps.duplicates.learn(table);
    this.deps.duplicates.beforeInsert(table, minTimeNs);
    try {
      await insert();
    } finally {
      this.deps.duplicates.afterInsert(table, maxTimeNs);
    }
  }

  /** Entries written before this process started: read back from LevelDB and encoded here. */
  private async flushFromWal(from: number, target: number): Promise<{ lastSeq: number; points: number } | null> {
    const records = await this.deps.wal.read(from, {
      maxEntries: Math.max(1, Math.floor(this.options.maxPointsPerInsert / 16)),
      maxBytes: this.options.maxBytesPerRound,
    });
    const taken: WalRecord[] = [];
    let points = 0;
    for (const record of records) {
      if (record.seq > target && taken.length > 0) break;
      if (points > 0 && points + record.entry.points.length > this.options.maxPointsPerInsert) break;
      taken.push(record);
      points += record.entry.points.length;
    }
    if (taken.length === 0) return null;
    for (const batch of groupByTable(taken).values()) await this.insertBatch(batch);
    return { lastSeq: taken[taken.length - 1]!.seq, points };
  }

  private async insertBatch(batch: TableBatch): Promise<void> {
    if (this.isDropped(batch)) return;
    const encoded = encodeTable(batch);
    await this.deps.schema.ensureTable(batch.db, batch.rp, batch.measurement, encoded);
    await this.tracked(batch, encoded.minTimeNs, encoded.maxTimeNs, () =>
      this.deps.session.insertRowBinary(insertTarget(batch.db, batch.rp, batch.measurement), encoded.columns, encoded.structure, encoded.payload),
    );
  }
}
