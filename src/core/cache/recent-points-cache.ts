// The recent-points cache as the engine uses it: once a query reads a measurement, loads its
// newest points (the last `window` of its data) from chDB, observes every acknowledged write
// after, and answers the reads of small time-range queries (GROUP BY time() aggregates, raw rows)
// from memory, exactly as chDB would. Forgets whatever a delete, drop or copy may have changed.
// Bounded by config and exported as metrics; what it cannot answer exactly goes to chDB.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { Catalog } from '../meta/catalog.js';
import type { MeasurementView } from '../meta/schema-view.js';
import type { SqlResult } from '../query/execute/query-port.js';
import type { WalEntry } from '../wal/wal-port.js';
import { SerialLoadQueue } from '../serial-load-queue.js';
import { entryKey, takesWrite, type MissReason } from './entry-book.js';
import type { LastValueCacheDeps } from './last-value-cache.js';
import { IN_MEMORY_MODES, type InMemoryMode } from './in-memory-mode.js';
import { RecentPointsStore, heldType, type RecentEntry } from './recent-points-store.js';
import { loadCover, readRecentSeries, readTableBounds, recentRowsSql, seriesRowsSql, seriesSlices, tableBoundsSql } from './recent-points-loader.js';
import { recentRows, recentShape, type RecentRowsRequest } from './recent-points-select.js';
import { MIN_TIME_NS } from '../query/language/time-literal.js';

export interface RecentPointsCacheOptions {
  readonly mode: InMemoryMode;
  /** Estimated heap bytes the cache may hold. */
  readonly maxBytes: number;
  /** How far back from a measurement's newest point a load reaches. */
  readonly windowNs: bigint;
}

const HOUR_NS = 3_600_000_000_000n;
export const defaultRecentPointsCacheOptions: RecentPointsCacheOptions = { mode: 'auto', maxBytes: 128 * 1024 * 1024, windowNs: 24n * HOUR_NS };

export function validateRecentPointsCacheOptions(options: RecentPointsCacheOptions): void {
  if (!IN_MEMORY_MODES.includes(options.mode)) throw new Error(`cache.recent_points must be one of ${IN_MEMORY_MODES.join(', ')}`);
  if (!(Number.isSafeInteger(options.maxBytes) && options.maxBytes >= 1024 * 1024)) throw new Error('cache.recent_points_max_size must be at least 1MiB');
  if (!(options.windowNs >= 1_000_000_000n)) throw new Error('cache.recent_points_window must be at least 1s');
}

/** Loads waiting at once; other measurements are asked for again by later queries. */
const MAX_QUEUED_LOADS = 8;
/** Fields of a measurement loaded at most. */
const MAX_LOADED_FIELDS = 256;
/** Rows one load query reads at most (the load reads its window in ranges of series of about this many). */
const ROWS_PER_SLICE = 100_000;
/** Least heap one held series takes (its key, tags and arrays). */
const SERIES_BYTES_MIN = 256;
/** How long after a failed load a measurement is not loaded again. */
const FAILED_LOAD_PAUSE_MS = 60_000;

/** The last-value cache's dependencies, and a read of raw bytes for the load. */
export interface RecentPointsCacheDeps extends LastValueCacheDeps {
  /** Runs a read and returns its answer's bytes in `format` (the load's bulk read). */
  readonly readRaw: (sql: string, format: string) => Promise<Buffer>;
}

/** A planned read of one measurement's table. */
export interface RecentReadRequest extends Omit<RecentRowsRequest, 'retentionNs'> {
  readonly db: string;
  readonly rp: string;
}


export class RecentPointsCache {
  private readonly store: RecentPointsStore;
  private readonly loads = new SerialLoadQueue(MAX_QUEUED_LOADS);
  private readonly hits: Counter;
  private readonly misses: Counter<'reason'>;
  private readonly loadCount: Counter<'outcome'>;
  private loadsPausedUntilMs = 0;

  constructor(
    private readonly options: RecentPointsCacheOptions,
    private readonly deps: RecentPointsCacheDeps,
  ) {
    validateRecentPointsCacheOptions(options);
    this.store = new RecentPointsStore(options.maxBytes, options.windowNs);
    ({ hits: this.hits, misses: this.misses, loads: this.loadCount } = createMetrics(deps.registry, this.store));
  }

  /** Call for every entry once it is durable (before the write is acknowledged). */
  observe(entry: WalEntry, localOrigin: string): void {
    if (this.store.measurements === 0) return;
    try {
      const catalog = this.deps.catalog();
      this.store.observe(entry.db, entry.rp, entry.points, { replicated: entry.origin !== localOrigin }, (measurement) => this.accepts(catalog, entry, measurement));
    } catch (error) {
      // A point the cache failed to take must never be missing from an answer: start over.
      this.store.forget(() => true);
      this.deps.log.error({ err: error }, 'recent-points cache could not take a write; every entry is dropped');
    }
  }

  private accepts(catalog: Catalog, entry: WalEntry, measurement: string): boolean {
    return takesWrite(catalog, entry, measurement, () => this.store.forget((db, rp, m) => db === entry.db && rp === entry.rp && m === measurement));
  }

  /** Call once data of these measurements was deleted, dropped or replaced in chDB. */
  forget(match: (db: string, rp: string, measurement: string) => boolean): void {
    this.store.forget(match);
  }

  /** The plan's rows from memory, or undefined (read chDB). */
  async rows(request: RecentReadRequest): Promise<SqlResult | undefined> {
    if (this.options.mode === 'off') return undefined;
    const policy = this.deps.catalog().database(request.db)?.retentionPolicies.find((p) => p.name === request.rp);
    if (policy === undefined) return undefined;
    const full: RecentRowsRequest = { ...request, retentionNs: policy.durationNs };
    if (!recentShape(full)) return undefined;
    const { db, rp, measurement } = request;
    const entry = await this.readyEntry(db, rp, measurement.name);
    if (entry === undefined) return undefined;
    if (this.deps.quarantined(db, rp, measurement.name)) return this.miss('quarantined');
    entry.usedAtMs = this.deps.nowMs();
    let rows: SqlResult | undefined;
    try {
      rows = recentRows(full, entry);
    } catch (error) {
      // Never a failed query for the cache's sake: chDB answers instead.
      this.deps.log.error({ err: error, db, rp, measurement: measurement.name }, 'recent-points cache failed to answer a read; chDB answers it');
    }
    if (rows === undefined) return this.miss('inexact');
    this.hits.inc();
    return rows;
  }

  private miss(reason: MissReason): undefined {
    this.misses.inc({ reason });
    return undefined;
  }

  /** The measurement's entry once it answers; starts (and under `on` awaits) its load. */
  private readyEntry(db: string, rp: string, measurement: string): Promise<RecentEntry | undefined> {
    const how = { nowMs: this.deps.nowMs(), waits: this.options.mode === 'on', load: () => this.deps.nowMs() < this.loadsPausedUntilMs && this.options.mode !== 'on' ? undefined : this.queueLoad(db, rp, measurement), miss: (reason: MissReason) => this.miss(reason) };
    return this.store.readyEntry(db, rp, measurement, how);
  }

  /** Waits for queued loads (tests, shutdown). */
  async settled(): Promise<void> {
    await this.loads.settled();
  }

  private queueLoad(db: string, rp: string, measurement: string): Promise<void> | undefined {
    let token: RecentEntry | undefined;
    return this.loads.enqueue(entryKey(db, rp, measurement), () => {
      const view = this.deps.catalog().measurementState(db, rp, measurement);
      if (view === undefined || view.fieldTypes.size > MAX_LOADED_FIELDS || [...view.fieldTypes.values()].some((t) => !heldType(t))) return undefined;
      return {
        run: async () => {
          token = await this.load(db, rp, view, (t) => (token = t));
        },
        failed: (error: unknown) => {
          if (token !== undefined) this.store.abandon(db, rp, measurement, token);
          this.loadsPausedUntilMs = this.deps.nowMs() + FAILED_LOAD_PAUSE_MS;
          this.loadCount.inc({ outcome: 'failed' });
          this.deps.log.warn({ err: error, db, rp, measurement }, 'loading recent points failed; their queries read chDB');
        },
      };
    });
  }

  private async load(db: string, rp: string, view: MeasurementView, begun: (token: RecentEntry) => void): Promise<RecentEntry | undefined> {
    await this.deps.ensureTable(db, rp, view);
    // The bounds only choose what to hold (so the table is flushed first, for them to be its
    // data's): every point written after begin() is observed, and the flush after it moves every
    // earlier one into the table read below.
    await this.deps.flush();
    const bounds = readTableBounds(await this.deps.query(tableBoundsSql(db, rp, view.name)));
    const cover = loadCover(bounds, this.options.windowNs, BigInt(this.deps.nowMs()) * 1_000_000n);
    const token = this.store.begin(db, rp, view.name, cover, this.deps.nowMs());
    if (token === undefined) return undefined;
    begun(token);
    await this.deps.flush();
    if (this.deps.quarantined(db, rp, view.name)) throw new Error('the table holds points kept aside after failed inserts');
    const after = readTableBounds(await this.deps.query(tableBoundsSql(db, rp, view.name)));
    if (after !== undefined) {
      const from = cover.coverFromNs === MIN_TIME_NS ? after.oldestNs : cover.coverFromNs;
      const counts = await this.deps.query(seriesRowsSql(db, rp, view.name, from));
      const rows = counts.rows.reduce((sum, row) => sum + Number(row[1] ?? 0), 0);
      const rowBytes = 9 + 8 * view.fieldTypes.size;
      // Against the whole bound: other entries make room as this one grows (least recently used first).
      if (rows * rowBytes + counts.rows.length * SERIES_BYTES_MIN > this.store.maxBytes) {
        this.store.markOverBudget(db, rp, view.name, token);
        this.loadCount.inc({ outcome: 'over_budget' });
        return token;
      }
      for (const range of seriesSlices(counts, ROWS_PER_SLICE)) {
        const read = readRecentSeries(await this.deps.readRaw(recentRowsSql(db, rp, view, { fromNs: from, baseNs: token.baseNs }, range), 'RowBinary'), view);
        if (!this.store.mergeStored(db, rp, view.name, token, read)) {
          this.loadCount.inc({ outcome: this.store.entry(db, rp, view.name)?.state === 'over-budget' ? 'over_budget' : 'dropped' });
          return token;
        }
      }
    }
    const done = this.store.complete(db, rp, view.name, token);
    this.loadCount.inc({ outcome: done ? 'loaded' : 'dropped' });
    return token;
  }
}

function createMetrics(registry: Registry, store: RecentPointsStore): { hits: Counter; misses: Counter<'reason'>; loads: Counter<'outcome'> } {
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name: `hyperbytedb_recent_points_cache_${name}`,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  };
  gauge('bytes', 'Estimated heap bytes the recent-points cache holds.', () => store.bytes);
  gauge('series', 'Series the recent-points cache holds.', () => store.series);
  gauge('measurements', 'Measurements with a recent-points cache entry (loading, ready or over budget).', () => store.measurements);
  return {
    hits: new Counter({ name: 'hyperbytedb_recent_points_cache_hits_total', help: 'Measurement reads of SELECTs answered from the recent-points cache.', registers }),
    misses: new Counter({
      name: 'hyperbytedb_recent_points_cache_misses_total',
      help: 'Reads of a shape the recent-points cache takes that read chDB instead, by reason (loading, over_budget, inexact, quarantined).',
      labelNames: ['reason'],
      registers,
    }),
    loads: new Counter({
      name: 'hyperbytedb_recent_points_cache_loads_total',
      help: 'Measurement loads into the recent-points cache, by outcome (loaded, dropped, over_budget, failed).',
      labelNames: ['outcome'],
      registers,
    }),
  };
}
