// The single-node engine: wires catalog, WAL, chDB store, flush and query execution.
// It owns no HTTP or cluster logic; those wrap it. Every part it starts, it stops.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { CatalogStore } from './meta/catalog-store.js';
import type { Catalog } from './meta/catalog.js';
import { defaultShardGroupDurationNs } from './meta/catalog.js';
import type { CatalogCommand } from './meta/commands.js';
import type { RetentionPolicyInfo } from './meta/schema-view.js';
import { ChdbSession } from './store/chdb-session.js';
import { SchemaManager } from './store/ddl.js';
import { chDatabaseName, chDatabasePrefix, qualifiedTable, quoteIdent, quoteString } from './store/naming.js';
import { FlushService } from './flush/flush-service.js';
import { FlushEncoder } from './flush/flush-encoder.js';
import { LevelWal } from './wal/level-wal.js';
import type { Wal } from './wal/wal-port.js';
import { parseLineProtocol, formatPartialWriteMessage, type Precision } from './lineprotocol/index.js';
import type { Point } from './model/point.js';
import { validateWrite } from './write-validator.js';
import { createEngineMetrics, type EngineMetrics } from './metrics.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { validateEngineOptions, type EngineOptions } from './options.js';
import {
  BadRequestError,
  DatabaseNotFoundError,
  FieldTypeConflictError,
  InternalError,
  PartialWriteError,
  QueryTimeoutError,
  RetentionPolicyNotFoundError,
} from './errors.js';
import type { MetaCommand, QueryPort, RetentionPolicySpec, SqlResult } from './query/execute/query-port.js';
import { executeQuery, type StatementResult } from './query/index.js';
import { DuplicateTracker } from './store/duplicate-tracker.js';
import { chdbPartsProbe } from './store/parts-probe.js';
import { TagValueLoader } from './meta/tag-value-loader.js';

/** Unflushed WAL bytes that start a background flush between intervals (about 50k points of 10 fields). */
const FLUSH_SLICE_BYTES = 16 * 1024 * 1024;

export interface EngineDeps {
  readonly log: Logger;
  readonly registry: Registry;
  readonly nowMs?: () => number;
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
}

export interface Engine {
  readonly metrics: EngineMetrics;
  readonly catalog: Catalog;
  /** Parses, validates and durably appends a line-protocol batch. Throws PartialWriteError after storing the good lines. */
  write(request: WriteRequest): Promise<{ readonly points: number }>;
  /** Appends already-parsed points (SELECT INTO, cluster replication). */
  writePoints(db: string, rp: string | undefined, points: readonly Point[]): Promise<number>;
  query(text: string, request: QueryRequest): Promise<StatementResult[]>;
  /** Moves every acknowledged write into chDB. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function openEngine(options: EngineOptions, deps: EngineDeps): Promise<Engine> {
  validateEngineOptions(options);
  for (const dir of [options.dataDir, options.walDir, options.metaDir, options.chdbDir]) mkdirSync(dir, { recursive: true });
  const engine = new EngineImpl(options, deps);
  await engine.open();
  return engine;
}

class EngineImpl implements Engine {
  readonly metrics: EngineMetrics;
  private readonly log: Logger;
  private readonly catalogStore: CatalogStore;
  private readonly wal: Wal;
  private readonly session: ChdbSession;
  private readonly schemaManager: SchemaManager;
  private readonly duplicates: DuplicateTracker;
  private readonly tagValues: TagValueLoader;
  private readonly flushService: FlushService;
  private readonly queryLimiter: ConcurrencyLimiter;
  private readonly nowMs: () => number;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly options: EngineOptions,
    deps: EngineDeps,
  ) {
    this.log = deps.log;
    this.nowMs = deps.nowMs ?? Date.now;
    this.metrics = createEngineMetrics(deps.registry, this.nowMs(), this.nowMs);
    this.catalogStore = new CatalogStore(options.metaDir);
    this.wal = new LevelWal({ dir: options.walDir, ...options.wal }, { onDurable: (seq, value) => this.flushService.remember(seq, value) });
    this.session = new ChdbSession({ dir: options.chdbDir, stagingDir: join(options.dataDir, 'staging'), maxResultBytes: options.maxResultBytes, readConnections: options.readConnections });
    this.schemaManager = new SchemaManager(this.session);
    this.duplicates = new DuplicateTracker(chdbPartsProbe(this.session));
    this.flushService = new FlushService(options.flush, {
      wal: this.wal,
      session: this.session,
      schema: this.schemaManager,
      catalog: () => this.catalogStore.catalog,
      log: deps.log.child({ component: 'flush' }),
      metrics: this.metrics,
      encoder: new FlushEncoder(join(options.dataDir, 'staging')),
      duplicates: this.duplicates,
    });
    this.tagValues = new TagValueLoader({
      session: this.session,
      flush: () => this.flushService.flush(),
      catalog: () => this.catalogStore.catalog,
      log: deps.log.child({ component: 'tag-values' }),
    });
    this.queryLimiter = new ConcurrencyLimiter(options.maxConcurrentQueries, options.maxQueuedQueries);
  }

  async open(): Promise<void> {
    await this.catalogStore.open();
    await this.wal.open();
    this.session.open();
    const pending = this.wal.lastSeq() - this.wal.flushedSeq();
    if (pending > 0) {
      this.log.info({ entries: pending, fromSeq: this.wal.flushedSeq() + 1 }, 'replaying WAL entries past the flushed watermark');
      await this.flushService.flush();
    }
    this.metrics.walLastSequence.set(this.wal.lastSeq());
    await this.flushService.start();
  }

  get catalog(): Catalog {
    return this.catalogStore.catalog;
  }

  async write(request: WriteRequest): Promise<{ points: number }> {
    const { rp } = this.resolveTarget(request.db, request.rp);
    const nowNs = BigInt(this.nowMs()) * 1_000_000n;
    const parsed = parseLineProtocol(request.body, { precision: request.precision ?? 'ns', nowNs });
    if (parsed.errors.length > 0 && parsed.points.length === 0) {
      throw new BadRequestError(formatPartialWriteMessage(parsed.errors, { parsedPoints: 0 }));
    }
    const written = await this.appendPoints(request.db, rp, parsed.points);
    if (written.inBatchConflict) throw new FieldTypeConflictError('field type conflict');
    if (written.dropped > 0) {
      throw new PartialWriteError(`partial write: ${written.firstReason} dropped=${written.dropped}`, written.dropped);
    }
    if (parsed.errors.length > 0) {
      throw new PartialWriteError(formatPartialWriteMessage(parsed.errors, { parsedPoints: parsed.points.length }), 0);
    }
    return { points: written.points };
  }

  async writePoints(db: string, rp: string | undefined, points: readonly Point[]): Promise<number> {
    const target = this.resolveTarget(db, rp);
    const written = await this.appendPoints(db, target.rp, points);
    if (written.dropped > 0) {
      throw new PartialWriteError(`partial write: ${written.firstReason} dropped=${written.dropped}`, written.dropped);
    }
    return written.points;
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

  private async appendPoints(
    db: string,
    rp: string,
    points: readonly Point[],
  ): Promise<{ points: number; dropped: number; firstReason: string | null; inBatchConflict: boolean }> {
    const validated = validateWrite(this.catalogStore.catalog, db, rp, points);
    if (validated.commands.length > 0) await this.catalogStore.apply(validated.commands);
    if (validated.accepted.length > 0) {
      await this.wal.append({ db, rp, points: validated.accepted, origin: this.options.nodeId, originSeq: 0 });
      this.tagValues.observe(db, rp, validated.accepted);
      this.metrics.walLastSequence.set(this.wal.lastSeq());
      this.metrics.ingestionPoints.inc(validated.accepted.length);
      this.flushService.nudge(Math.min(FLUSH_SLICE_BYTES, this.options.wal.maxPendingBytes / 4));
    }
    return { points: validated.accepted.length, dropped: validated.dropped, firstReason: validated.firstReason, inBatchConflict: validated.inBatchConflict };
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
      try {
        return await executeQuery(
          text,
          {
            db: request.db,
            ...(request.rp ? { rp: request.rp } : {}),
            ...(request.params ? { params: request.params } : {}),
            ...(request.readOnly ? { readOnly: true } : {}),
            ...(request.chunked ? { chunked: true } : {}),
            maxSelectBuckets: this.options.maxSelectBuckets,
            signal,
          },
          this.queryPort(),
        );
      } catch (error) {
        if (timedOut) throw new QueryTimeoutError();
        throw error;
      } finally {
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', callerAborted);
      }
    });
  }

  private queryPort(): QueryPort {
    const engine = this;
    return {
      get schema() {
        return engine.catalogStore.catalog;
      },
      runSql: (sql, options) => this.session.query(sql, options) as Promise<SqlResult>,
      ensureFlushed: () => this.flushService.flush(),
      readScope: (forceFinal) => this.duplicates.readScope(forceFinal),
      indexedTagValues: (db, rp, measurement, keys) => this.tagValues.values(db, rp, measurement, keys),
      applyMetaCommand: (command) => this.applyMetaCommand(command),
      writePoints: (db, rp, points) => this.writePoints(db, rp, points),
      nowNs: () => BigInt(this.nowMs()) * 1_000_000n,
    };
  }

  async flush(): Promise<void> {
    await this.flushService.flush();
  }

  private async applyMetaCommand(command: MetaCommand): Promise<void> {
    const catalog = this.catalogStore.catalog;
    switch (command.kind) {
      case 'create-database': {
        const existing = catalog.database(command.name);
        if (existing) {
          if (command.rp) {
            const rp = existing.retentionPolicies.find((p) => p.name === command.rp!.name);
            if (!rp || rp.durationNs !== command.rp.durationNs || rp.replicaN !== command.rp.replicaN) {
              throw new BadRequestError('retention policy conflicts with an existing policy');
            }
          }
          return;
        }
        const create: CatalogCommand = command.rp
          ? { kind: 'create-database', name: command.name, rp: toRpInfo(command.rp) }
          : { kind: 'create-database', name: command.name };
        await this.catalogStore.apply([create]);
        return;
      }
      case 'drop-database': {
        if (!catalog.database(command.name)) return;
        await this.flushService.flush();
        await this.catalogStore.apply([{ kind: 'drop-database', name: command.name }]);
        await this.dropChDatabases(chDatabasePrefix(command.name));
        this.duplicates.forget((t) => t.db === command.name);
        this.tagValues.forget((db) => db === command.name);
        return;
      }
      case 'create-retention-policy': {
        const db = this.requireDb(command.db);
        const existing = db.retentionPolicies.find((p) => p.name === command.rp.name);
        if (existing) {
          if (existing.durationNs !== command.rp.durationNs || existing.replicaN !== command.rp.replicaN) {
            throw new BadRequestError('retention policy already exists');
          }
          if (command.rp.makeDefault && db.defaultRetentionPolicy !== existing.name) {
            await this.catalogStore.apply([{ kind: 'alter-retention-policy', db: command.db, rp: existing, makeDefault: true }]);
          }
          return;
        }
        await this.catalogStore.apply([{ kind: 'create-retention-policy', db: command.db, rp: toRpInfo(command.rp), makeDefault: command.rp.makeDefault }]);
        return;
      }
      case 'alter-retention-policy': {
        const db = this.requireDb(command.db);
        const existing = db.retentionPolicies.find((p) => p.name === command.name);
        if (!existing) throw new RetentionPolicyNotFoundError(command.name);
        const durationNs = command.durationNs ?? existing.durationNs;
        const rp: RetentionPolicyInfo = {
          name: existing.name,
          durationNs,
          shardGroupDurationNs: command.shardGroupDurationNs ?? existing.shardGroupDurationNs,
          replicaN: command.replicaN ?? existing.replicaN,
        };
        await this.catalogStore.apply([{ kind: 'alter-retention-policy', db: command.db, rp, makeDefault: command.makeDefault ?? false }]);
        return;
      }
      case 'drop-retention-policy': {
        const db = this.requireDb(command.db);
        if (!db.retentionPolicies.some((p) => p.name === command.name)) return;
        await this.flushService.flush();
        await this.catalogStore.apply([{ kind: 'drop-retention-policy', db: command.db, name: command.name }]);
        await this.dropChDatabases(chDatabaseName(command.db, command.name), true);
        this.duplicates.forget((t) => t.db === command.db && t.rp === command.name);
        this.tagValues.forget((db, rp) => db === command.db && rp === command.name);
        return;
      }
      case 'drop-measurement': {
        const db = this.requireDb(command.db);
        await this.flushService.flush();
        await this.catalogStore.apply([{ kind: 'drop-measurement', db: command.db, name: command.name }]);
        for (const rp of db.retentionPolicies) {
          const table = qualifiedTable(command.db, rp.name, command.name);
          await this.session.exec(`DROP TABLE IF EXISTS ${table} SYNC`);
          this.schemaManager.forgetTable(table);
        }
        this.duplicates.forget((t) => t.db === command.db && t.measurement === command.name);
        this.tagValues.forget((db, _rp, measurement) => db === command.db && measurement === command.name);
        return;
      }
      case 'delete-data': {
        const db = this.requireDb(command.db);
        await this.flushService.flush();
        for (const rp of db.retentionPolicies) {
          const names = command.measurements.length > 0 ? command.measurements : db.measurements(rp.name).map((m) => m.name);
          for (const name of names) {
            if (!db.measurement(rp.name, name)) continue;
            const table = qualifiedTable(command.db, rp.name, name);
            await this.schemaManager.ensureTable(command.db, rp.name, name, { tagKeys: db.measurement(rp.name, name)!.tagKeys, fields: [...db.measurement(rp.name, name)!.fieldTypes] });
            await this.session.exec(`DELETE FROM ${table} WHERE ${command.whereSql}`);
          }
        }
        this.tagValues.forget((db, _rp, measurement) => db === command.db && (command.measurements.length === 0 || command.measurements.includes(measurement)));
        return;
      }
    }
  }

  private requireDb(name: string) {
    const db = this.catalogStore.catalog.database(name);
    if (!db) throw new DatabaseNotFoundError(name);
    return db;
  }

  /** Drops the chDB databases whose name equals `name` (exact) or starts with it (prefix). */
  private async dropChDatabases(name: string, exact = false): Promise<void> {
    const filter = exact ? `name = ${quoteString(name)}` : `startsWith(name, ${quoteString(name)})`;
    const result = await this.session.query(`SELECT name FROM system.databases WHERE ${filter}`);
    for (const row of result.rows) {
      const chDb = String(row[0]);
      await this.session.exec(`DROP DATABASE IF EXISTS ${quoteIdent(chDb)} SYNC`);
      this.schemaManager.forgetDatabase(chDb);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.tagValues.settled();
      await this.flushService.stop();
      await this.wal.close();
      this.session.close();
      await this.catalogStore.close();
    })();
    return this.closing;
  }
}

function toRpInfo(spec: RetentionPolicySpec): RetentionPolicyInfo {
  return {
    name: spec.name,
    durationNs: spec.durationNs,
    shardGroupDurationNs: spec.shardGroupDurationNs > 0n ? spec.shardGroupDurationNs : defaultShardGroupDurationNs(spec.durationNs),
    replicaN: spec.replicaN,
  };
}
