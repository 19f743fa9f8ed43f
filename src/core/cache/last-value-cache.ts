// The last-value cache as the engine uses it: observes every acknowledged write, loads a
// measurement's newest points from chDB once a latest-value query asks for it, answers those
// queries from memory, and forgets whatever a delete, drop or copy may have changed. Bounded by
// config and exported as metrics; whatever it cannot answer exactly goes to chDB as before.

import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Catalog } from '../meta/catalog.js';
import type { MeasurementView } from '../meta/schema-view.js';
import type { SelectStatement } from '../query/language/ast.js';
import type { Series } from '../query/execute/result.js';
import type { SqlResult } from '../query/execute/query-port.js';
import type { WalEntry } from '../wal/wal-port.js';
import { LastValueStore, type HeldEdge, type MeasurementEntry } from './last-value-store.js';
import { answerLatest, edgeShape } from './last-value-select.js';
import { readStoredSeries, storedLastValuesSql } from './last-value-loader.js';
import { IN_MEMORY_MODES, type InMemoryMode } from './in-memory-mode.js';
import { SerialLoadQueue } from '../serial-load-queue.js';
import { entryKey, takesWrite, type MissReason } from './entry-book.js';


export interface LastValueCacheOptions {
  readonly mode: InMemoryMode;
  /**
   * 'newest': the last-value cache (last(), ORDER BY time DESC LIMIT n); 'oldest': the
   * first-value cache (first()). 'newest' when absent.
   */
  readonly edge?: HeldEdge;
  /** Estimated heap bytes the cache may hold. */
  readonly maxBytes: number;
  /** Newest points kept per series and field (LIMIT n answers need n + 1; last() needs 2). */
  readonly depth: number;
}

export const defaultLastValueCacheOptions: LastValueCacheOptions = { mode: 'auto', maxBytes: 64 * 1024 * 1024, depth: 4 };
/** first() looks at two points per series, and the first-value cache answers nothing else. */
export const defaultFirstValueCacheOptions: LastValueCacheOptions = { mode: 'auto', maxBytes: 16 * 1024 * 1024, depth: 2, edge: 'oldest' };

/** The cache's name in config keys and metrics. */
function cacheName(options: LastValueCacheOptions): 'last_value' | 'first_value' {
  return options.edge === 'oldest' ? 'first_value' : 'last_value';
}

export function validateLastValueCacheOptions(options: LastValueCacheOptions): void {
  const name = cacheName(options);
  if (!IN_MEMORY_MODES.includes(options.mode)) throw new Error(`cache.${name} must be one of ${IN_MEMORY_MODES.join(', ')}`);
  if (!(Number.isSafeInteger(options.maxBytes) && options.maxBytes >= 1024 * 1024)) throw new Error(`cache.${name}_max_size must be at least 1MiB`);
  if (!(Number.isSafeInteger(options.depth) && options.depth >= 2 && options.depth <= 64)) throw new Error(`cache.${name}_depth must be an integer from 2 to 64`);
}

/** Loads waiting at once; other measurements are asked for again by later queries. */
const MAX_QUEUED_LOADS = 32;
/** Fields of a measurement loaded at most (one array column each); wider ones are read from chDB. */
const MAX_LOADED_FIELDS = 512;
/** Least heap one loaded series takes: the loader reads no more series than the free bytes allow. */
const MIN_SERIES_BYTES = 256;
/** How long writes start no loads after one failed. */
const WRITE_LOADS_PAUSE_MS = 60_000;

export interface LastValueCacheDeps {
  readonly catalog: () => Catalog;
  /** Runs a read in chDB. */
  readonly query: (sql: string) => Promise<SqlResult>;
  /** Moves every acknowledged write into chDB; throws when it cannot. */
  readonly flush: () => Promise<void>;
  /** Creates the table and every column the catalog names for it (so a read never misses one). */
  readonly ensureTable: (db: string, rp: string, measurement: MeasurementView) => Promise<void>;
  /** The table holds acknowledged points chDB does not have yet (kept aside after failed inserts). */
  readonly quarantined: (db: string, rp: string, measurement: string) => boolean;
  readonly nowMs: () => number;
  readonly log: Logger;
  readonly registry: Registry;
}

/** What a statement needs from the query layer: its clock reading and the sources it resolved. */
export interface LatestRequest {
  readonly statement: SelectStatement;
  readonly nowNs: bigint;
  readonly db: string;
  readonly rp: string;
  readonly measurement: MeasurementView;
}


interface CacheMetrics {
  readonly hits: Counter;
  readonly misses: Counter<'reason'>;
  readonly loads: Counter<'outcome'>;
}

export class LastValueCache {
  private readonly store: LastValueStore;
  private readonly metrics: CacheMetrics;
  private readonly loads = new SerialLoadQueue(MAX_QUEUED_LOADS);
  /** After a failed load, writes start no loads until then (queries still do). */
  private writeLoadsPausedUntilMs = 0;

  constructor(
    private readonly options: LastValueCacheOptions,
    private readonly deps: LastValueCacheDeps,
  ) {
    validateLastValueCacheOptions(options);
    this.store = new LastValueStore({ depth: options.depth, maxBytes: options.maxBytes, edge: this.edge });
    this.metrics = createMetrics(deps.registry, this.store, cacheName(options));
  }

  private get edge(): HeldEdge {
    return this.options.edge ?? 'newest';
  }

  /** Whether the statement is one the cache may answer (then resolve its source and call answer()). */
  wants(statement: SelectStatement): boolean {
    return this.options.mode !== 'off' && edgeShape(statement, this.edge);
  }

  /** Call for every entry once it is durable (before the write is acknowledged). */
  observe(entry: WalEntry, localOrigin: string): void {
    if (this.options.mode !== 'off') this.loadWritten(entry);
    if (this.store.measurements === 0) return;
    try {
      const catalog = this.deps.catalog();
      const order = { version: entry.version, replicated: entry.origin !== localOrigin };
      this.store.observe(entry.db, entry.rp, entry.points, order, (measurement) => this.accepts(catalog, entry, measurement));
    } catch (error) {
      // A point the cache failed to take must never be missing from an answer: start over.
      this.store.forget(() => true);
      this.deps.log.error({ err: error }, 'last-value cache could not take a write; every entry is dropped');
    }
  }

  /**
   * Starts loading the first measurement of the write that has no entry, so latest-value queries
   * find it ready instead of reading chDB while it loads (its load observes this write on, like
   * a query's). Only while no other load waits, the cache is under half its bound and no such
   * load failed lately: writes to many measurements never churn loads or evict what queries use.
   */
  private loadWritten(entry: WalEntry): void {
    if (this.loads.size > 0 || this.store.bytes > this.store.maxBytes / 2 || this.deps.nowMs() < this.writeLoadsPausedUntilMs) return;
    let last: string | undefined;
    for (const point of entry.points) {
      if (point.measurement === last) continue;
      last = point.measurement;
      if (this.store.entry(entry.db, entry.rp, last) !== undefined) continue;
      this.queueLoad(entry.db, entry.rp, last)?.catch(() => undefined);
      return;
    }
  }

  private accepts(catalog: Catalog, entry: WalEntry, measurement: string): boolean {
    return takesWrite(catalog, entry, measurement, () => this.store.forget((db, rp, m) => db === entry.db && rp === entry.rp && m === measurement));
  }

  /** Call once data of these measurements was deleted, dropped or replaced in chDB. */
  forget(match: (db: string, rp: string, measurement: string) => boolean): void {
    this.store.forget(match);
  }

  /** The statement's series from memory, or undefined (read chDB). Planning errors are thrown. */
  async answer(request: LatestRequest): Promise<Series[] | undefined> {
    const { db, rp, measurement } = request;
    const entry = await this.readyEntry(db, rp, measurement.name);
    if (entry === undefined) return undefined;
    if (this.deps.quarantined(db, rp, measurement.name)) return this.miss('quarantined');
    entry.usedAtMs = this.deps.nowMs();
    const policy = this.deps.catalog().database(db)?.retentionPolicies.find((p) => p.name === rp);
    if (policy === undefined) return undefined;
    const series = answerLatest(
      { statement: request.statement, nowNs: request.nowNs, edge: this.edge },
      { db, rp, measurement, shardGroupNs: policy.shardGroupDurationNs, retentionNs: policy.durationNs },
      entry,
    );
    if (series === undefined) return this.miss('inexact');
    this.metrics.hits.inc();
    return series;
  }

  private miss(reason: MissReason): undefined {
    this.metrics.misses.inc({ reason });
    return undefined;
  }

  /** The measurement's entry once it answers; starts (and under `on` awaits) its load. */
  private readyEntry(db: string, rp: string, measurement: string): Promise<MeasurementEntry | undefined> {
    const how = { nowMs: this.deps.nowMs(), waits: this.options.mode === 'on', load: () => this.queueLoad(db, rp, measurement), miss: (reason: MissReason) => this.miss(reason) };
    return this.store.readyEntry(db, rp, measurement, how);
  }

  /** Waits for queued loads (tests, shutdown). */
  async settled(): Promise<void> {
    await this.loads.settled();
  }

  private queueLoad(db: string, rp: string, measurement: string): Promise<void> | undefined {
    return this.loads.enqueue(entryKey(db, rp, measurement), () => {
      const view = this.deps.catalog().measurementState(db, rp, measurement);
      if (view === undefined || view.fieldTypes.size > MAX_LOADED_FIELDS) return undefined;
      // Observing starts now, before the flush: each point is stored by the read or observed.
      const token = this.store.begin(db, rp, measurement, this.deps.nowMs());
      if (token === undefined) return undefined;
      return {
        run: () => this.load(db, rp, view, token),
        failed: (error: unknown) => {
          this.store.abandon(db, rp, measurement, token);
          this.writeLoadsPausedUntilMs = this.deps.nowMs() + WRITE_LOADS_PAUSE_MS;
          this.metrics.loads.inc({ outcome: 'failed' });
          this.deps.log.warn({ err: error, db, rp, measurement }, 'loading last values failed; latest-value queries read chDB');
        },
      };
    });
  }

  private async load(db: string, rp: string, view: MeasurementView, token: MeasurementEntry): Promise<void> {
    await this.deps.flush();
    if (this.deps.quarantined(db, rp, view.name)) throw new Error('the table holds points kept aside after failed inserts');
    await this.deps.ensureTable(db, rp, view);
    const maxSeries = Math.floor(this.store.maxBytes / MIN_SERIES_BYTES);
    const result = await this.deps.query(storedLastValuesSql({ db, rp, measurement: view, depth: this.store.depth, maxSeries, edge: this.edge }));
    const stored = readStoredSeries(result, view, this.store.depth);
    if (stored.length > maxSeries) {
      this.store.markOverBudget(db, rp, view.name, token);
      this.metrics.loads.inc({ outcome: 'over_budget' });
      return;
    }
    const done = this.store.complete(db, rp, view.name, token, stored);
    this.metrics.loads.inc({ outcome: done ? 'loaded' : 'dropped' });
  }
}

function createMetrics(registry: Registry, store: LastValueStore, name: 'last_value' | 'first_value'): CacheMetrics {
  const label = name === 'last_value' ? 'last-value' : 'first-value';
  const selects = name === 'last_value' ? 'Latest-value' : 'first()';
  const registers = [registry];
  new Gauge({
    name: `hyperbytedb_${name}_cache_bytes`,
    help: `Estimated heap bytes the ${label} cache holds.`,
    registers,
    collect() {
      this.set(store.bytes);
    },
  });
  new Gauge({
    name: `hyperbytedb_${name}_cache_series`,
    help: `Series the ${label} cache holds.`,
    registers,
    collect() {
      this.set(store.series);
    },
  });
  new Gauge({
    name: `hyperbytedb_${name}_cache_measurements`,
    help: `Measurements with a ${label} cache entry (loading, ready or over budget).`,
    registers,
    collect() {
      this.set(store.measurements);
    },
  });
  return {
    hits: new Counter({ name: `hyperbytedb_${name}_cache_hits_total`, help: `${selects} SELECTs answered from memory.`, registers }),
    misses: new Counter({
      name: `hyperbytedb_${name}_cache_misses_total`,
      help: `${selects} SELECTs read from chDB instead, by reason (loading, over_budget, inexact, quarantined).`,
      labelNames: ['reason'],
      registers,
    }),
    loads: new Counter({
      name: `hyperbytedb_${name}_cache_loads_total`,
      help: `Measurement loads into the ${label} cache, by outcome (loaded, dropped, over_budget, failed).`,
      labelNames: ['outcome'],
      registers,
    }),
  };
}
