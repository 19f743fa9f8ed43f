// The single-node engine: wires catalog, WAL, chDB store, flush and query execution, and starts
// and stops them as one group. It owns no HTTP or cluster logic; those wrap it through its ports
// (the WAL, the catalog applier and writer). Every part it starts, it stops.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { CatalogStore } from './meta/catalog-store.js';
import type { Catalog } from './meta/catalog.js';
import { CatalogApplier, LocalCatalogWriter, type CatalogWriter } from './meta/catalog-applier.js';
import type { CatalogCommand } from './meta/commands.js';
import type { UserDirectory } from './meta/users.js';
import { userCatalogCommand } from './meta/user-commands.js';
import { SeriesIndex } from './meta/series-index.js';
import { SeriesLoader } from './meta/series-loader.js';
import { ChdbSession } from './store/chdb-session.js';
import { readChdbMemory, registerChdbMemoryMetrics } from './store/chdb-memory.js';
import { SchemaManager } from './store/ddl.js';
import { FlushService } from './flush/flush-service.js';
import { FlushEncoder, registerEncoderHeapMetric } from './flush/flush-encoder.js';
import { exposeGc, MemoryRelease } from './memory-release.js';
import { Quarantine, type QuarantinedTable } from './flush/quarantine.js';
import { LevelWal } from './wal/level-wal.js';
import type { AppendReceipt, ReplicatedAppend, Wal, WalEntry } from './wal/wal-port.js';
import { parseLineProtocol, formatPartialWriteMessage, type Precision } from './lineprotocol/index.js';
import type { Point } from './model/point.js';
import { createEngineMetrics, type EngineMetrics } from './metrics.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { effectiveQueryMemoryBytes, QueryMemoryBudget, type MemoryLease } from './query-memory.js';
import { validateEngineOptions, type EngineOptions } from './options.js';
import {
  BadRequestError,
  DatabaseNotFoundError,
  FieldTypeConflictError,
  InternalError,
  PartialWriteError,
  QueryTimeoutError,
  type HyperbyteError,
} from './errors.js';
import type { MetaCommand, QueryPort, SqlResult } from './query/execute/query-port.js';
import { executeQuery, type ResultSink, type StatementResult } from './query/index.js';
import type { QueryPrincipal } from './query/execute/query-authorizer.js';
import type { StatementObserver } from './services/statement-summary.js';
import { executeStatement } from './query/execute/executor.js';
import type { SelectStatement } from './query/language/ast.js';
import { chdbRetentionStore } from './store/retention-store.js';
import { backgroundServices, writtenCount } from './services/background.js';
import { writeBackup, type BackupRequest, type BackupSource } from './services/backup.js';
import type { BackupManifest, TransferProgress } from './services/backup-manifest.js';
import { freezeDatabases, unfreeze } from './store/chdb-freeze.js';
import { DuplicateTracker } from './store/duplicate-tracker.js';
import { chdbPartsProbe } from './store/parts-probe.js';
import { TagValueLoader } from './meta/tag-value-loader.js';
import { ServiceGroup, type Service } from './service.js';
import { systemClock, type Clock } from './clock.js';
import { StoreCatalogEffects } from './catalog-effects.js';
import { WritePath } from './write-path.js';
import { upgradeTableLayouts } from './store/layout-upgrade.js';
import { digestTable, exportPage, importPage, physicalColumns, type TableDigest, type TableRef } from './store/table-copy.js';
import { qualifiedTable } from './store/naming.js';
import { QueryTracker } from './query/execute/query-tracker.js';
import { Monitor } from './monitor/monitor.js';
import { noopTracer, type Tracer } from './tracing.js';
import { LastValueCache, defaultFirstValueCacheOptions, defaultLastValueCacheOptions, type LastValueCacheDeps } from './cache/last-value-cache.js';
import { latestValuesReader } from './cache/latest-values-port.js';
import { defaultRecentPointsCacheOptions, RecentPointsCache } from './cache/recent-points-cache.js';

/** Unflushed WAL bytes that start a background flush between intervals (about 50k points of 10 fields). */
const FLUSH_SLICE_BYTES = 16 * 1024 * 1024;

export interface EngineDeps {
  readonly log: Logger;
  readonly registry: Registry;
  readonly clock?: Clock;
  /**
   * The writer catalog changes go through: by default the local one; in a cluster one that
   * proposes them to Raft, whose state machine applies them through this engine's applier.
   */
  readonly catalogWriter?: (applier: CatalogApplier) => CatalogWriter;
  /** Spans around the write, flush and query steps; none by default. */
  readonly tracer?: Tracer;
  /**
   * Whether this node runs continuous queries now (a cluster: only the Raft leader, confirmed by a
   * quorum with the catalog applied to the commit point); default always.
   */
  readonly runsContinuousQueries?: () => boolean | Promise<boolean>;
}

export interface WriteRequest {
  readonly db: string;
  readonly rp?: string;
  readonly precision?: Precision;
  readonly body: Buffer;
}

export interface QueryRequest {
  readonly db: string;
  readonly rp?: string;
  /** A GET request: statements that change data get InfluxDB's deprecation warning. */
  readonly readOnly?: boolean;
  /** The caller streams results in chunks (errors are reported as InfluxDB streams them). */
  readonly chunked?: boolean;
  readonly params?: Record<string, unknown>;
  readonly signal?: AbortSignal;
  /** Under authentication: who is asking (statements are authorized before any runs). */
  readonly principal?: QueryPrincipal;
  /** Told of each statement as it runs (the statement summary). */
  readonly observer?: StatementObserver;
  /**
   * The query's share of the memory budget, opened by the caller from `queryMemory` and closed
   * once the answer is written. Without it the engine opens one and closes it when query() returns.
   */
  readonly memory?: MemoryLease;
  /**
   * With `chunked`: results are written here while they are made (series by series where a
   * SELECT can stream), and query() resolves to [] once all are written.
   */
  readonly sink?: ResultSink;
}

/** What a write stored, where it went in the WAL, and the error the client gets for the lines it refused. */
export interface WriteResult {
  readonly points: number;
  readonly receipt: AppendReceipt | null;
  /** A PartialWriteError / FieldTypeConflictError for refused lines, sent after the stored ones are safe. */
  readonly error: HyperbyteError | null;
}

export interface EngineHealth {
  /** Why the WAL refuses appends right now (a failed write being recovered), or null. */
  readonly walDegraded: string | null;
  /** Why flushing keeps failing (the WAL keeps the points), or null. */
  readonly flushFailing: string | null;
  readonly quarantined: readonly QuarantinedTable[];
}

/** Copies stored tables to and from other nodes (a full catch-up) and compares replicas. */
export interface DataCopyPort {
  /** The tables the catalog knows of. */
  tables(): TableRef[];
  /** Data columns of a stored table ([] when it was never flushed). */
  columns(table: TableRef): Promise<string[]>;
  /** One page of merged rows as Native bytes, or null past the end. */
  exportPage(table: TableRef, columns: readonly string[], page: number, pageRows: number): Promise<Buffer | null>;
  /**
   * Merges an exported page into the table here (created from the catalog if needed), beside the
   * rows it holds. The rows were current at catalog index `validAt` (the source's snapshot): the
   * deletes applied after it run again on the table, and a measurement created anew after it takes
   * none of them. Returns whether the page was imported.
   */
  importPage(table: TableRef, columns: readonly string[], page: Buffer, validAt: number): Promise<boolean>;
  digest(table: TableRef): Promise<TableDigest>;
}

export interface Engine {
  readonly metrics: EngineMetrics;
  readonly dataCopy: DataCopyPort;
  readonly catalog: Catalog;
  /** The memory budget all queries share (query.max_memory). */
  readonly queryMemory: QueryMemoryBudget;
  /** The WAL port (replication reads it, holds it and appends to it). */
  readonly wal: Wal;
  /** Applies catalog commands at an index (the cluster's Raft state machine drives it). */
  readonly catalogApplier: CatalogApplier;
  /** SHOW STATS, SHOW DIAGNOSTICS and /debug/vars figures; other layers add their modules. */
  readonly monitor: Monitor;
  /** Parses, validates and durably appends a line-protocol batch. Throws PartialWriteError after storing the good lines. */
  write(request: WriteRequest): Promise<{ readonly points: number }>;
  /** Like write, but returns the WAL receipt and the error for refused lines instead of throwing it. */
  writeLines(request: WriteRequest): Promise<WriteResult>;
  /** Appends already-parsed points (SELECT INTO, continuous queries). */
  writePoints(db: string, rp: string | undefined, points: readonly Point[]): Promise<number>;
  /** Appends an entry another node accepted (in order per origin, once). */
  appendReplicated(entry: WalEntry, shippedValue?: Buffer): Promise<ReplicatedAppend>;
  query(text: string, request: QueryRequest): Promise<StatementResult[]>;
  /** Moves every acknowledged write into chDB. */
  flush(): Promise<void>;
  /** An online backup of this node's data at one consistent point, into an empty directory. */
  backup(request: BackupRequest, onProgress?: (progress: TransferProgress) => void): Promise<BackupManifest>;
  health(): EngineHealth;
  close(): Promise<void>;
}

export async function openEngine(options: EngineOptions, deps: EngineDeps): Promise<Engine> {
  validateEngineOptions(options);
  for (const dir of [options.dataDir, options.walDir, options.metaDir, options.chdbDir]) mkdirSync(dir, { recursive: true });
  const engine = new EngineImpl(options, deps);
  await engine.open();
  return engine;
}

/** A streamed chDB read inside one `chdb.query` span, ended when the pieces are done or the read failed. */
async function* tracedPieces(tracer: Tracer, pieces: AsyncGenerator<SqlResult, void, undefined>): AsyncGenerator<SqlResult, void, undefined> {
  const span = tracer.startDetail('chdb.query', { 'hyperbytedb.streamed': true });
  try {
    yield* pieces;
    span.end();
  } catch (error) {
    span.end(error);
    throw error;
  } finally {
    span.end();
  }
}

function service(name: string, start: () => Promise<void> | void, stop: () => Promise<void> | void): Service {
  return { name, start: async () => start(), stop: async () => stop() };
}

class EngineImpl implements Engine {
  readonly metrics: EngineMetrics;
  readonly queryMemory: QueryMemoryBudget;
  readonly wal: LevelWal;
  readonly catalogApplier: CatalogApplier;
  readonly monitor: Monitor;
  private readonly queries: QueryTracker;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly tracer: Tracer;
  private readonly catalogStore: CatalogStore;
  private readonly catalogWriter: CatalogWriter;
  private readonly session: ChdbSession;
  private readonly schemaManager: SchemaManager;
  private readonly duplicates: DuplicateTracker;
  private readonly tagValues: TagValueLoader;
  private readonly lastValues: LastValueCache;
  private readonly firstValues: LastValueCache;
  private readonly recentPoints: RecentPointsCache;
  private readonly series = new SeriesIndex();
  private readonly seriesLoader: SeriesLoader;
  private readonly quarantine: Quarantine;
  private readonly flushService: FlushService;
  private readonly memoryRelease: MemoryRelease;
  private readonly collectGarbage = exposeGc();
  private readonly writePath: WritePath;
  private readonly queryLimiter: ConcurrencyLimiter;
  private readonly services: ServiceGroup;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly options: EngineOptions,
    deps: EngineDeps,
  ) {
    this.log = deps.log;
    this.clock = deps.clock ?? systemClock;
    this.tracer = deps.tracer ?? noopTracer;
    const clock = this.clock;
    this.queryMemory = new QueryMemoryBudget(effectiveQueryMemoryBytes(options.maxQueryMemoryBytes, getHeapStatistics().heap_size_limit));
    if (this.queryMemory.limitBytes < options.maxQueryMemoryBytes) {
      this.log.info({ configuredBytes: options.maxQueryMemoryBytes, limitBytes: this.queryMemory.limitBytes }, 'query memory budget cut to half the JavaScript heap limit');
    }
    this.metrics = createEngineMetrics(deps.registry, clock.nowMs(), () => clock.nowMs(), this.queryMemory);
    this.catalogStore = new CatalogStore(options.metaDir);
    this.wal = new LevelWal(
      { ...options.wal, dir: options.walDir, nodeId: options.nodeId },
      { timer: { nowMs: () => clock.monotonicMs(), setTimer: (ms, fn) => clock.setTimer(ms, fn) }, nowMs: () => clock.nowMs(), log: deps.log.child({ component: 'wal' }) },
    );
    this.session = new ChdbSession({
      dir: options.chdbDir,
      stagingDir: join(options.dataDir, 'staging'),
      maxResultBytes: options.maxResultBytes,
      readConnections: options.readConnections,
      ...(options.chdbMarkCacheBytes !== undefined ? { markCacheBytes: options.chdbMarkCacheBytes } : {}),
      // The reads running in chDB at once (one per read connection) share the budget too.
      maxReadMemoryBytes: Math.max(1, Math.floor(this.queryMemory.limitBytes / options.readConnections)),
    });
    this.schemaManager = new SchemaManager(this.session);
    this.duplicates = new DuplicateTracker(chdbPartsProbe(this.session));
    this.quarantine = new Quarantine(join(options.dataDir, 'quarantine'), () => clock.nowMs(), { first: options.flush.intervalMs, max: 300_000 });
    const encoder = new FlushEncoder(join(options.dataDir, 'staging'), { maxBytesPerRound: options.flush.maxBytesPerRound });
    registerEncoderHeapMetric(deps.registry, encoder);
    this.memoryRelease = new MemoryRelease(
      { quietMs: options.flush.idleReleaseDelayMs },
      {
        monotonicMs: () => clock.monotonicMs(),
        setTimer: (ms, fn) => clock.setTimer(ms, fn),
        flushedAll: () => this.wal.flushedSeq() >= this.wal.lastSeq(),
        release: () => this.releaseMemory(encoder),
      },
    );
    this.flushService = new FlushService(options.flush, {
      caughtUp: () => this.memoryRelease.caughtUp(),
      wal: this.wal,
      session: this.session,
      schema: this.schemaManager,
      catalog: () => this.catalogStore.catalog,
      log: deps.log.child({ component: 'flush' }),
      metrics: this.metrics,
      encoder,
      duplicates: this.duplicates,
      quarantine: this.quarantine,
      clock,
      tracer: this.tracer,
    });
    this.tagValues = new TagValueLoader({
      session: this.session,
      flush: () => this.flushService.flush(),
      catalog: () => this.catalogStore.catalog,
      log: deps.log.child({ component: 'tag-values' }),
    });
    const edgeCacheDeps = (component: string): LastValueCacheDeps => ({
      catalog: () => this.catalogStore.catalog,
      query: (sql) => this.session.query(sql),
      flush: () => this.flushService.flush(),
      ensureTable: (db, rp, m) => this.schemaManager.ensureTable(db, rp, m.name, { tagKeys: m.tagKeys, fields: [...m.fieldTypes] }),
      quarantined: (db, rp, measurement) => this.quarantine.has(db, rp, measurement),
      nowMs: () => clock.nowMs(),
      log: deps.log.child({ component }),
      registry: deps.registry,
    });
    this.lastValues = new LastValueCache(options.lastValueCache ?? defaultLastValueCacheOptions, edgeCacheDeps('last-values'));
    this.firstValues = new LastValueCache({ ...(options.firstValueCache ?? defaultFirstValueCacheOptions), edge: 'oldest' }, edgeCacheDeps('first-values'));
    this.recentPoints = new RecentPointsCache(options.recentPointsCache ?? defaultRecentPointsCacheOptions, { ...edgeCacheDeps('recent-points'), readRaw: (sql, format) => this.session.readRaw(sql, format) });
    this.seriesLoader = new SeriesLoader({ session: this.session, series: this.series, catalog: () => this.catalogStore.catalog, log: deps.log.child({ component: 'series' }) });
    this.catalogApplier = new CatalogApplier(
      this.catalogStore,
      new StoreCatalogEffects({
        session: this.session,
        schema: this.schemaManager,
        duplicates: this.duplicates,
        tagValues: this.tagValues,
        lastValues: { forget: (match) => this.forgetEdges(match) },
        series: this.series,
        flush: this.flushService,
        quarantine: this.quarantine,
        log: deps.log.child({ component: 'catalog' }),
        reloadSeries: (db, rp, measurement) => this.seriesLoader.reload(db, rp, measurement),
      }),
    );
    this.catalogWriter = deps.catalogWriter?.(this.catalogApplier) ?? new LocalCatalogWriter(this.catalogApplier);
    this.writePath = new WritePath({
      catalog: () => this.catalogStore.catalog,
      writer: this.catalogWriter,
      wal: this.wal,
      series: this.series,
      schemaLimits: options.schemaLimits,
      seriesLimits: options.seriesLimits,
      refusesWrites: (db, rp, measurement) => this.flushService.refusesWrites(db, rp, measurement),
      tracer: this.tracer,
      nowNs: () => BigInt(clock.nowMs()) * 1_000_000n,
    });
    this.queryLimiter = new ConcurrencyLimiter(options.maxConcurrentQueries, options.maxQueuedQueries);
    this.wal.onDurable(({ seq, entry, value }) => {
      this.flushService.remember(seq, value, entry.points.length);
      this.memoryRelease.wrote();
      this.tagValues.observe(entry.db, entry.rp, entry.points);
      this.lastValues.observe(entry, this.wal.localOrigin);
      this.firstValues.observe(entry, this.wal.localOrigin);
      this.recentPoints.observe(entry, this.wal.localOrigin);
      if (entry.origin !== this.wal.localOrigin) this.series.observe(entry.db, entry.rp, entry.points);
      this.metrics.walLastSequence.set(seq);
    });
    const background = backgroundServices({
      options,
      deps,
      clock,
      schema: () => this.catalogStore.catalog,
      writer: this.catalogWriter,
      store: chdbRetentionStore(this.session),
      tableChanged: (db, rp, measurement) => this.forgetTable(db, rp, measurement),
      runSelectInto: (select, db) => this.runSelectInto(select, db),
    });
    this.services = new ServiceGroup([
      service('catalog', () => this.catalogStore.open(), () => this.catalogStore.close()),
      service('wal', () => this.wal.open(), () => this.wal.close()),
      service('chdb', () => this.session.open(), () => this.session.close()),
      service('store-layout', async () => void (await upgradeTableLayouts(this.session, this.log.child({ component: 'store' }))), () => undefined),
      service('quarantine', () => this.quarantine.open(), () => undefined),
      this.flushService,
      service('memory-release', () => undefined, () => this.memoryRelease.stop()),
      service('series-index', () => this.startSeriesIndex(), () => this.seriesLoader.stop()),
      service('tag-values', () => undefined, () => this.tagValues.settled()),
      service('last-values', () => undefined, () => Promise.all([this.lastValues.settled(), this.firstValues.settled(), this.recentPoints.settled()]).then(() => undefined)),
      ...background,
    ]);
    this.queries = new QueryTracker(() => process.hrtime.bigint());
    this.monitor = new Monitor({
      registry: deps.registry,
      queries: this.queries,
      schema: () => this.catalogStore.catalog,
      runSql: (sql) => this.session.query(sql),
      flush: () => this.flushService.flush(),
      startedAtMs: this.clock.nowMs(),
      nowMs: () => this.clock.nowMs(),
    });
    registerChdbMemoryMetrics(deps.registry, () => readChdbMemory((sql) => this.session.query(sql)), () => clock.monotonicMs());
  }

  async open(): Promise<void> {
    await this.services.start();
    const pending = this.wal.lastSeq() - this.wal.flushedSeq();
    if (pending > 0) this.log.info({ entries: pending, fromSeq: this.wal.flushedSeq() + 1 }, 'replaying WAL entries past the flushed watermark in the background');
    this.metrics.walLastSequence.set(this.wal.lastSeq());
    this.metrics.walFlushedSequence.set(this.wal.flushedSeq());
  }

  /** After a write burst: chDB's freed pages and both JS heaps' garbage go back to the OS. */
  private async releaseMemory(encoder: FlushEncoder): Promise<void> {
    const started = performance.now();
    encoder.release();
    try {
      await this.session.purgeAllocator();
    } catch (error) {
      this.log.warn({ err: error }, 'chDB allocator purge failed');
    }
    this.collectGarbage();
    this.log.debug({ ms: Math.round(performance.now() - started) }, 'released memory after a write burst');
  }

  /** Cardinality limits wait until the stored series are counted, after the WAL replay is flushed. */
  private startSeriesIndex(): void {
    for (const name of this.catalogStore.catalog.databaseNames()) this.series.setLoading(name, true);
    this.flushService
      .flush()
      .catch(() => undefined)
      .then(() => this.seriesLoader.loadAll());
  }

  get catalog(): Catalog {
    return this.catalogStore.catalog;
  }

  get dataCopy(): DataCopyPort {
    const { session, schemaManager } = this;
    const catalog = (): Catalog => this.catalogStore.catalog;
    return {
      tables: () => {
        const out: TableRef[] = [];
        for (const db of catalog().databaseNames()) {
          const view = catalog().database(db)!;
          for (const rp of view.retentionPolicies) for (const m of view.measurements(rp.name)) out.push({ db, rp: rp.name, measurement: m.name });
        }
        return out;
      },
      columns: (table) => physicalColumns(session, table),
      exportPage: (table, columns, page, pageRows) => exportPage(session, table, columns, page, pageRows),
      importPage: (table, columns, page, validAt) =>
        // Exclusive with the flush and with catalog effects: a delete applied meanwhile either ran
        // before (and is in deletesAfter below) or runs after the rows are in.
        this.flushService.exclusive(async () => {
          const state = catalog().measurementState(table.db, table.rp, table.measurement);
          if (state === undefined || state.createdAtIndex > validAt) return false;
          await schemaManager.ensureTable(table.db, table.rp, table.measurement, { tagKeys: state.tagKeys, fields: [...state.fieldTypes] });
          // Imported rows may share series and time with rows already here: read with FINAL from now on.
          this.duplicates.forget((t) => t.db === table.db && t.rp === table.rp && t.measurement === table.measurement);
          await importPage(session, table, columns, page);
          for (const record of catalog().deletesAfter(validAt, table.db, table.measurement)) {
            await session.exec(`DELETE FROM ${qualifiedTable(table.db, table.rp, table.measurement)} WHERE ${record.whereSql}`);
          }
          const same = (db: string, rp: string, measurement: string): boolean => db === table.db && rp === table.rp && measurement === table.measurement;
          this.tagValues.forget(same);
          this.forgetEdges(same);
          this.seriesLoader.reload(table.db, table.rp, table.measurement);
          return true;
        }),
      digest: (table) => digestTable(session, table),
    };
  }

  health(): EngineHealth {
    return { walDegraded: this.wal.degraded(), flushFailing: this.flushService.failing(), quarantined: this.flushService.quarantined() };
  }

  async write(request: WriteRequest): Promise<{ points: number }> {
    const result = await this.writeLines(request);
    if (result.error) throw result.error;
    return { points: result.points };
  }

  async writeLines(request: WriteRequest): Promise<WriteResult> {
    // InfluxDB 1.x's order: the database (404), then the body (400), then the policy (500).
    if (!this.catalogStore.catalog.database(request.db)) throw new DatabaseNotFoundError(request.db);
    const nowNs = BigInt(this.clock.nowMs()) * 1_000_000n;
    const parsed = this.tracer.detail('write.parse', { 'hyperbytedb.bytes': request.body.length }, (span) => {
      const result = parseLineProtocol(request.body, { precision: request.precision ?? 'ns', nowNs });
      span.setAttributes({ 'hyperbytedb.points': result.points.length, 'hyperbytedb.line_errors': result.errors.length });
      return result;
    });
    if (parsed.errors.length > 0 && parsed.points.length === 0) {
      this.metrics.writeDroppedPoints.inc({ reason: 'parse' }, parsed.errors.length);
      throw new BadRequestError(formatPartialWriteMessage(parsed.errors, { parsedPoints: 0 }));
    }
    const { rp } = this.resolveTarget(request.db, request.rp);
    const outcome = await this.appendPoints(request.db, rp, parsed.points);
    let error: HyperbyteError | null = null;
    if (outcome.inBatchConflict) error = new FieldTypeConflictError('field type conflict');
    else if (outcome.dropped > 0) error = new PartialWriteError(`partial write: ${outcome.firstReason} dropped=${outcome.dropped}`, outcome.dropped);
    else if (parsed.errors.length > 0) error = new PartialWriteError(formatPartialWriteMessage(parsed.errors, { parsedPoints: parsed.points.length }), 0);
    if (parsed.errors.length > 0) this.metrics.writeDroppedPoints.inc({ reason: 'parse' }, parsed.errors.length);
    return { points: outcome.points, receipt: outcome.receipt, error };
  }

  async writePoints(db: string, rp: string | undefined, points: readonly Point[]): Promise<number> {
    const target = this.resolveTarget(db, rp);
    const outcome = await this.appendPoints(db, target.rp, points);
    if (outcome.dropped > 0) {
      throw new PartialWriteError(`partial write: ${outcome.firstReason} dropped=${outcome.dropped}`, outcome.dropped);
    }
    return outcome.points;
  }

  appendReplicated(entry: WalEntry, shippedValue?: Buffer): Promise<ReplicatedAppend> {
    return this.wal.appendReplicated(entry, shippedValue);
  }

  private resolveTarget(db: string, rp: string | undefined): { rp: string } {
    const database = this.catalogStore.catalog.database(db);
    if (!database) throw new DatabaseNotFoundError(db);
    const name = rp === undefined || rp === '' ? database.defaultRetentionPolicy : rp;
    if (!database.retentionPolicies.some((policy) => policy.name === name)) {
      // InfluxDB 1.6 answers an unknown retention policy on /write with a 500.
      throw new InternalError(`retention policy not found: ${name}`);
    }
    return { rp: name };
  }

  private async appendPoints(db: string, rp: string, points: readonly Point[]) {
    const outcome = await this.writePath.append(db, rp, points);
    if (outcome.dropped > 0) this.metrics.writeDroppedPoints.inc({ reason: dropReason(outcome.firstReason) }, outcome.dropped);
    if (outcome.points > 0) {
      this.metrics.ingestionPoints.inc(outcome.points);
      this.flushService.nudge(Math.min(FLUSH_SLICE_BYTES, this.options.wal.maxPendingBytes / 4));
    }
    return outcome;
  }

  async query(text: string, request: QueryRequest): Promise<StatementResult[]> {
    return this.queryLimiter.run(async () => {
      // One controller, a timer and a listener: cheaper than AbortSignal.timeout plus .any on
      // every query, and nothing is left behind once the query is done.
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new DOMException('query timeout', 'TimeoutError'));
      }, this.options.queryTimeoutMs);
      const callerAborted = (): void => controller.abort(request.signal?.reason);
      if (request.signal?.aborted) callerAborted();
      else request.signal?.addEventListener('abort', callerAborted, { once: true });
      const signal = controller.signal;
      const owned = request.memory === undefined ? this.queryMemory.open() : undefined;
      const memory: MemoryLease = request.memory ?? owned!;
      try {
        return await executeQuery(
          text,
          {
            db: request.db,
            ...(request.rp ? { rp: request.rp } : {}),
            ...(request.params ? { params: request.params } : {}),
            ...(request.readOnly ? { readOnly: true } : {}),
            ...(request.chunked ? { chunked: true } : {}),
            ...(request.principal ? { principal: request.principal } : {}),
            ...(request.observer ? { observer: request.observer } : {}),
            ...(request.sink ? { sink: request.sink } : {}),
            maxSelectBuckets: this.options.maxSelectBuckets,
            signal,
            memory,
          },
          this.queryPort(),
        );
      } catch (error) {
        if (timedOut) throw new QueryTimeoutError();
        throw error;
      } finally {
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', callerAborted);
        owned?.close();
      }
    });
  }

  private queryPort(): QueryPort {
    const engine = this;
    return {
      get schema() {
        return engine.catalogStore.catalog;
      },
      get users() {
        return engine.catalogStore.catalog;
      },
      runSql: (sql, options) => this.tracer.detail('chdb.query', {}, () => this.session.query(sql, { ...options, bigIntegers: true })),
      streamSql: (sql, options) => tracedPieces(this.tracer, this.session.queryPieces(sql, { ...options, bigIntegers: true })),
      ensureFlushed: (targets) => this.tracer.detail('query.read_your_writes', {}, () => this.flushService.ensureReadable(targets)),
      tracer: this.tracer,
      readScope: (forceFinal) => this.duplicates.readScope(forceFinal),
      indexedTagValues: this.indexedTagValues(),
      latestValues: latestValuesReader([this.lastValues, this.firstValues]),
      recentRows: (read) => this.recentPoints.rows(read),
      applyMetaCommand: (command) => this.applyMetaCommand(command),
      catalogBarrier: () => this.catalogWriter.barrier(),
      queries: this.queries,
      monitor: this.monitor,
      writePoints: (db, rp, points) => this.writePoints(db, rp, points),
      nowNs: () => BigInt(this.clock.nowMs()) * 1_000_000n,
    };
  }

  async flush(): Promise<void> {
    await this.flushService.flush();
  }

  backup(request: BackupRequest, onProgress?: (progress: TransferProgress) => void): Promise<BackupManifest> {
    const { options } = this;
    const source: BackupSource = {
      dirs: { wal: options.walDir, meta: options.metaDir, chdb: options.chdbDir },
      flush: () => this.flushService.flush(),
      exclusive: (fn) => this.flushService.exclusive(fn),
      walSnapshot: () => this.wal.openSnapshot(),
      catalog: () => ({ catalog: this.catalogStore.catalog, sidecar: this.catalogStore.sidecar }),
      freeze: (name, prefix) => freezeDatabases(this.session, options.chdbDir, name, prefix),
      unfreeze: (name) => unfreeze(options.chdbDir, name),
      nowMs: () => this.clock.nowMs(),
    };
    return writeBackup(source, request, onProgress);
  }

  /** A continuous query's SELECT … INTO, bounded like a client query; resolves to the points written. */
  private runSelectInto(select: SelectStatement, db: string): Promise<number> {
    return this.queryLimiter.run(async () => {
      const signal = AbortSignal.timeout(this.options.queryTimeoutMs);
      // Counted in the memory budget every query shares: a large run is refused, never an OOM.
      const memory = this.queryMemory.open();
      try {
        const series = await executeStatement(select, { db, maxSelectBuckets: this.options.maxSelectBuckets, signal, memory }, this.queryPort());
        return writtenCount(series);
      } finally {
        memory.close();
      }
    });
  }

  /** Data of these measurements was deleted, dropped or replaced in chDB: the in-memory caches (last, first and recent points) drop them. */
  private forgetEdges(match: (db: string, rp: string, measurement: string) => boolean): void {
    this.lastValues.forget(match);
    this.firstValues.forget(match);
    this.recentPoints.forget(match);
  }

  /** A table lost rows outside the flush (retention): what caches knew of it is stale. */
  private forgetTable(db: string, rp: string, measurement: string): void {
    this.duplicates.forget((t) => t.db === db && t.rp === rp && t.measurement === measurement);
    this.tagValues.forget((d, r, m) => d === db && r === rp && m === measurement);
    this.forgetEdges((d, r, m) => d === db && r === rp && m === measurement);
    this.series.forget(db, rp, measurement);
    this.seriesLoader.reload(db, rp, measurement);
  }

  /** SHOW TAG VALUES from the in-memory index, as its switch says (off: always scan). */
  private indexedTagValues(): NonNullable<QueryPort['indexedTagValues']> {
    switch (this.options.tagValueIndex ?? 'auto') {
      case 'off':
        return () => undefined;
      case 'on':
        return (db, rp, measurement, keys) => this.tagValues.loadedValues(db, rp, measurement, keys);
      case 'auto':
        return (db, rp, measurement, keys) => this.tagValues.values(db, rp, measurement, keys);
    }
  }

  /** DDL, deletes and user changes from statements: one catalog command each (or none), through the writer. */
  private async applyMetaCommand(command: MetaCommand): Promise<void> {
    const catalogCommand = await toCatalogCommand(command, this.catalogStore.catalog);
    if (catalogCommand !== null) await this.catalogWriter.apply([catalogCommand]);
  }

  close(): Promise<void> {
    this.closing ??= this.services.stop();
    return this.closing;
  }
}

/** Passwords are hashed here, on the node that took the statement, never inside Catalog.apply. */
async function toCatalogCommand(command: MetaCommand, users: UserDirectory): Promise<CatalogCommand | null> {
  switch (command.kind) {
    case 'create-user':
    case 'set-password':
      return userCatalogCommand(command, users);
    case 'create-database':
      return command.rp ? { kind: 'create-database', name: command.name, rp: command.rp, ...(command.rpGiven ? { rpGiven: command.rpGiven } : {}) } : { kind: 'create-database', name: command.name };
    case 'create-retention-policy':
      return { kind: 'create-retention-policy', db: command.db, rp: command.rp, makeDefault: command.rp.makeDefault };
    default:
      return command;
  }
}

/** A metric label for why points were dropped (bounded set). */
function dropReason(reason: string | null): string {
  if (reason === null) return 'unknown';
  if (reason.startsWith('field type conflict')) return 'field_type_conflict';
  if (reason.startsWith('max-')) return reason.slice(0, reason.indexOf(' ')).replace(/-/g, '_');
  if (reason.startsWith('invalid')) return 'invalid_name';
  if (reason.startsWith('points beyond retention')) return 'beyond_retention';
  return 'other';
}
