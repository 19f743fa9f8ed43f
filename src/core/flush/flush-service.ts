// Moves WAL entries into chDB: groups points per table, one bulk insert per table per round,
// then advances the flushed watermark and lets the WAL truncate what nobody needs. A table whose
// insert fails is quarantined (its points kept on disk, retried later) so one bad table never
// stops the others. Never drops an acknowledged point, except points of dropped measurements.

import { unlink } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Wal, WalRecord } from '../wal/wal-port.js';
import type { Catalog } from '../meta/catalog.js';
import type { ChdbSession } from '../store/chdb-session.js';
import type { SchemaManager } from '../store/ddl.js';
import { insertTarget, qualifiedTable } from '../store/naming.js';
import type { EngineMetrics } from '../metrics.js';
import type { Service } from '../service.js';
import type { Clock } from '../clock.js';
import { UnavailableError } from '../errors.js';
import { encodeTable, groupByTable, pointsSince, tableKey, type TableBatch } from './table-batches.js';
import type { FlushEncoder, StagedTable } from './flush-encoder.js';
import type { DuplicateTracker } from '../store/duplicate-tracker.js';
import type { Quarantine, QuarantinedTable } from './quarantine.js';
import { WalEntryCodec } from '../wal/entry-codec.js';
import { entryKey } from '../wal/wal-keys.js';
import type { Tracer } from '../tracing.js';

/** Tables re-probed for duplicates per flush interval (each probe is one small system.parts query). */
const REPROBES_PER_INTERVAL = 16;

export interface FlushOptions {
  readonly intervalMs: number;
  /** Upper bound of points read from the WAL per insert round. */
  readonly maxPointsPerInsert: number;
  /** Upper bound of WAL bytes read per round. */
  readonly maxBytesPerRound: number;
  /** A quarantined table holding more than this refuses further writes (503) until it is stored. */
  readonly maxQuarantineBytesPerTable: number;
  /** Quiet time after the flush caught up before memory a burst grew is released (core/memory-release.ts). */
  readonly idleReleaseDelayMs: number;
}

export const defaultFlushOptions: FlushOptions = {
  intervalMs: 10_000,
  maxPointsPerInsert: 500_000,
  maxBytesPerRound: 256 * 1024 * 1024,
  maxQuarantineBytesPerTable: 256 * 1024 * 1024,
  idleReleaseDelayMs: 2_000,
};

export function validateFlushOptions(options: FlushOptions): void {
  if (!(options.intervalMs > 0)) throw new Error('flush.interval must be > 0');
  if (!(options.maxPointsPerInsert > 0)) throw new Error('flush.max_points_per_insert must be > 0');
  if (!(options.maxBytesPerRound > 0)) throw new Error('flush max bytes per round must be > 0');
  if (!(Number.isSafeInteger(options.maxQuarantineBytesPerTable) && options.maxQuarantineBytesPerTable > 0)) throw new Error('flush.max_quarantine_bytes_per_table must be > 0');
  if (!(Number.isFinite(options.idleReleaseDelayMs) && options.idleReleaseDelayMs > 0)) throw new Error('flush.idle_release_delay must be > 0');
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
  readonly quarantine: Quarantine;
  readonly clock: Clock;
  readonly tracer: Tracer;
  /** Told when a flush has caught up with every acknowledged write (a burst is over). */
  readonly caughtUp?: () => void;
}

/**
 * A failure of the store as a whole (full disk, exhausted memory): quarantining tables would not
 * help, so the round fails, the WAL keeps everything and the next round tries again.
 */
export function isStoreWideFailure(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${(error as { code?: unknown }).code ?? ''}` : String(error);
  return /No space left|ENOSPC|NOT_ENOUGH_SPACE|Cannot reserve .* on disk|MEMORY_LIMIT_EXCEEDED|Memory limit|Cannot allocate|ENOMEM|session is closed/i.test(text);
}

export class FlushService implements Service {
  readonly name = 'flush';
  private cancelTimer: (() => void) | null = null;
  /** Serializes flush rounds and exclusive sections: flushes never overlap each other or a drop. */
  private mutex: Promise<void> = Promise.resolve();
  private running = false;
  private stopped = true;
  private readonly codec = new WalEntryCodec();
  /**
   * Sealed values of entries not yet flushed, by seq: the encoder thread takes them from here
   * instead of the main thread reading LevelDB. Bounded by the WAL's pending-bytes backpressure;
   * after a restart (or a WAL reopen) the WAL itself is read.
   */
  private readonly recent = new Map<number, { readonly value: Buffer; readonly points: number }>();
  private lastError: string | null = null;

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
    this.schedule(0);
  }

  /** Stops the timer, runs a final flush of everything acknowledged, then stops the encoder. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    try {
      await this.flush();
    } catch (error) {
      this.deps.log.error({ err: error }, 'final flush failed; the WAL keeps the points for the next start');
    }
    await this.mutex;
    await this.deps.encoder.stop();
  }

  /** Why the last round failed, while it keeps failing (for /health), or null. */
  failing(): string | null {
    return this.lastError;
  }

  quarantined(): QuarantinedTable[] {
    return this.deps.quarantine.list();
  }

  /** A quarantined table over its bound refuses writes until it is stored (never a point lost). */
  refusesWrites(db: string, rp: string, measurement: string): boolean {
    return this.deps.quarantine.bytesOf(db, rp, measurement) > this.options.maxQuarantineBytesPerTable;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.cancelTimer = this.deps.clock.setTimer(delayMs, () => {
      this.cancelTimer = null;
      this.flush()
        .catch(() => undefined)
        .then(() => this.retryQuarantined())
        .then(() => this.reprobeUnclean())
        .catch((error: unknown) => this.deps.log.error({ err: error }, 'flush housekeeping failed'))
        .finally(() => this.schedule(this.options.intervalMs));
    });
  }

  /**
   * Starts a flush in the background once the WAL holds `thresholdBytes` unflushed, so a write
   * burst is moved in steady slices instead of one large insert at the next interval.
   */
  nudge(thresholdBytes: number): void {
    if (this.stopped || this.running || this.deps.wal.pendingBytes() < thresholdBytes) return;
    this.flush().catch(() => undefined);
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

  /** Hands the flush an entry the WAL just made durable (its sealed value and point count), so it need not be read back. */
  remember(seq: number, value: Buffer, points: number): void {
    if (seq > this.deps.wal.flushedSeq()) this.recent.set(seq, { value, points });
  }

  /**
   * Flushes every entry acknowledged up to now (read-your-writes and shutdown use this).
   * Entries whose append is still in flight are not acknowledged yet and may stay behind.
   */
  flush(): Promise<void> {
    const target = this.deps.wal.lastSeq();
    if (this.deps.wal.flushedSeq() >= target) return this.mutex;
    return this.locked(async () => {
      this.running = true;
      try {
        await this.deps.tracer.span('flush', { 'hyperbytedb.target_seq': target }, () => this.flushRounds(target), { root: true });
        this.lastError = null;
      } catch (error) {
        this.deps.metrics.flushErrors.inc();
        this.lastError = error instanceof Error ? error.message : String(error);
        this.deps.log.error({ err: error }, 'flush failed; the WAL keeps the points and the next round tries again');
        throw error;
      } finally {
        this.running = false;
      }
    });
  }

  /** Runs `fn` while no flush runs (a drop must not race an insert into the table it drops). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.locked(fn);
  }

  /**
   * Read-your-writes for a query: flushes, then refuses (503) when one of its tables holds
   * acknowledged points in quarantine that a retry could not store now.
   */
  async ensureReadable(targets: ReadonlyArray<{ readonly db: string; readonly rp: string; readonly measurement: string }>): Promise<void> {
    try {
      await this.flush();
    } catch {
      // The store cannot take the writes now (a full disk): reads answer from what it holds
      // rather than failing too; the failure is logged by the flush and shown on /health.
    }
    for (const target of targets) {
      if (!this.deps.quarantine.has(target.db, target.rp, target.measurement)) continue;
      const key = tableKey(target.db, target.rp, target.measurement);
      if (await this.locked(() => this.deps.quarantine.retry(key, (batch) => this.insertBatch(batch)))) continue;
      throw new UnavailableError(
        `measurement "${target.measurement}" cannot be read now: some of its acknowledged points could not be stored yet and are kept aside (see /health); other measurements are unaffected`,
      );
    }
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mutex.then(fn);
    this.mutex = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async retryQuarantined(): Promise<void> {
    for (const key of this.deps.quarantine.due()) {
      if (this.stopped) return;
      const released = await this.locked(() => this.deps.quarantine.retry(key, (batch) => this.insertBatch(batch)));
      if (released) this.deps.log.info({ table: key.split('\u0000') }, 'quarantined points stored; the table is out of quarantine');
    }
  }

  private async flushRounds(target: number): Promise<void> {
    const { wal, metrics } = this.deps;
    // Bounded loop: each round consumes at least one entry, or stops.
    while (wal.flushedSeq() < target) {
      const started = performance.now();
      const from = wal.flushedSeq() + 1;
      const round = this.recent.has(from) ? await this.flushRecent(from, target) : await this.flushFromWal(from, target);
      if (round === null) break;
      await wal.setFlushedSeq(round.lastSeq);
      metrics.walFlushedSequence.set(round.lastSeq);
      for (let seq = from; seq <= round.lastSeq; seq++) this.recent.delete(seq);
      await wal.truncate();
      metrics.flushRuns.inc();
      metrics.flushPoints.inc(round.points);
      metrics.flushDuration.observe((performance.now() - started) / 1000);
    }
    if (wal.flushedSeq() >= wal.lastSeq()) this.deps.caughtUp?.();
  }

  /** Entries of the log's recent past: encoded on the worker thread, inserted from staged files. */
  private async flushRecent(from: number, target: number): Promise<{ lastSeq: number; points: number }> {
    // Bounded by bytes and points: the encoder thread's heap holds a round's points decoded.
    const values: Array<{ seq: number; value: Buffer }> = [];
    let bytes = 0;
    let points = 0;
    for (let seq = from; seq <= target; seq++) {
      const recent = this.recent.get(seq);
      if (!recent) break;
      const { value } = recent;
      if (values.length > 0 && (bytes + value.length > this.options.maxBytesPerRound || points + recent.points > this.options.maxPointsPerInsert)) break;
      values.push({ seq, value });
      bytes += value.length;
      points += recent.points;
    }
    const started = performance.now();
    const { tables } = await this.deps.tracer.detail('flush.encode', { 'hyperbytedb.entries': values.length, 'hyperbytedb.bytes': bytes }, () => this.deps.encoder.encode(values));
    const encoded = performance.now();
    let fallback: Map<string, TableBatch> | null = null;
    try {
      for (const table of tables) {
        if (await this.insertStaged(table)) continue;
        // Needs its points (filtered, or kept in quarantine): decoded here, a rare path.
        fallback ??= groupByTable(values.map(({ seq, value }) => ({ seq, entry: this.codec.decode(entryKey(seq), value, seq) })));
        await this.storeBatch(fallback.get(tableKey(table.db, table.rp, table.measurement))!);
      }
    } finally {
      await Promise.all(tables.map((table) => unlink(table.path).catch(() => undefined)));
    }
    this.deps.log.debug(
      { entries: values.length, points, encodeMs: Math.round(encoded - started), insertMs: Math.round(performance.now() - encoded) },
      'flushed entries',
    );
    return { lastSeq: values[values.length - 1]!.seq, points };
  }

  /** Entries read back from LevelDB (after a restart) and encoded here. */
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
    for (const batch of groupByTable(taken).values()) await this.storeBatch(batch);
    return { lastSeq: taken[taken.length - 1]!.seq, points };
  }

  /**
   * Inserts a table staged by the encoder thread when it can go as it is: false when its points
   * are needed instead (some predate the measurement's creation, the table is quarantined, or
   * the insert failed and they go to quarantine).
   */
  private async insertStaged(table: StagedTable): Promise<boolean> {
    const state = this.deps.catalog().measurementState(table.db, table.rp, table.measurement);
    if (state === undefined) return true; // dropped after the writes: nothing to keep
    if (table.minCatalogIndex < state.createdAtIndex || this.deps.quarantine.has(table.db, table.rp, table.measurement)) return false;
    try {
      await this.deps.schema.ensureTable(table.db, table.rp, table.measurement, table);
      await this.tracked(table, table.minTimeNs, table.maxTimeNs, () =>
        this.deps.session.insertStagedFile(insertTarget(table.db, table.rp, table.measurement), table.columns, table.structure, table.path),
      );
      await this.redoDeletes(table);
      return true;
    } catch (error) {
      if (isStoreWideFailure(error)) throw error;
      this.deps.log.error({ err: error, db: table.db, rp: table.rp, measurement: table.measurement }, 'insert failed; the table goes to quarantine');
      return false;
    }
  }

  /** Inserts a table's points, or keeps them in quarantine when that fails (or the table is quarantined). */
  private async storeBatch(batch: TableBatch): Promise<void> {
    const kept = this.withoutDropped(batch);
    if (kept === null) return;
    if (this.deps.quarantine.has(kept.db, kept.rp, kept.measurement)) {
      await this.deps.quarantine.add(kept, 'queued behind quarantined points');
      return;
    }
    try {
      await this.insertBatch(kept);
    } catch (error) {
      if (isStoreWideFailure(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      this.deps.log.error({ err: error, db: kept.db, rp: kept.rp, measurement: kept.measurement, points: kept.points.length }, 'insert failed; the points go to quarantine');
      this.deps.metrics.flushQuarantined.inc(kept.points.length);
      await this.deps.quarantine.add(kept, message);
    }
  }

  /**
   * The batch without points of a measurement dropped after they were written: the measurement
   * is gone, or it was created anew after their writes were validated (null if none is left).
   */
  private withoutDropped(batch: TableBatch): TableBatch | null {
    const state = this.deps.catalog().measurementState(batch.db, batch.rp, batch.measurement);
    return state === undefined ? null : pointsSince(batch, state.createdAtIndex);
  }

  private async insertBatch(batch: TableBatch): Promise<void> {
    const encoded = this.deps.tracer.detail('flush.encode', { 'hyperbytedb.points': batch.points.length }, () => encodeTable(batch));
    await this.deps.schema.ensureTable(batch.db, batch.rp, batch.measurement, encoded);
    await this.tracked(batch, encoded.minTimeNs, encoded.maxTimeNs, () =>
      this.deps.session.insertRowBinary(insertTarget(batch.db, batch.rp, batch.measurement), encoded.columns, encoded.structure, encoded.payload),
    );
    await this.redoDeletes(batch);
  }

  /**
   * Deletes applied after some of these writes were validated: their rows were just stored, so
   * the deletes run again on this table (every replica ends with the same rows).
   */
  private async redoDeletes(batch: { readonly db: string; readonly rp: string; readonly measurement: string; readonly minCatalogIndex: number }): Promise<void> {
    for (const record of this.deps.catalog().deletesAfter(batch.minCatalogIndex, batch.db, batch.measurement)) {
      await this.deps.session.exec(`DELETE FROM ${qualifiedTable(batch.db, batch.rp, batch.measurement)} WHERE ${record.whereSql}`);
    }
  }

  /** Runs one insert with the duplicate tracker told before and after. */
  private async tracked(table: TableBatch | StagedTable, minTimeNs: bigint, maxTimeNs: bigint, insert: () => Promise<void>): Promise<void> {
    await this.deps.duplicates.learn(table);
    this.deps.duplicates.beforeInsert(table, minTimeNs);
    try {
      await this.deps.tracer.detail('flush.insert', { 'db.namespace': table.db, 'hyperbytedb.rp': table.rp, 'hyperbytedb.measurement': table.measurement }, insert);
    } finally {
      this.deps.duplicates.afterInsert(table, maxTimeNs);
    }
  }
}
