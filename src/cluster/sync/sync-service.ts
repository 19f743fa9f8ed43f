// Anti-entropy on one node: serves its manifest, WAL deltas by origin and table copies to peers,
// and carries out sync orders: pull an origin's missing entries from a peer (same apply path as
// replication), or copy a peer's whole data set at a consistent point and pull what came after.

import type { Logger } from 'pino';
import type { Engine } from '../../core/index.js';
import type { Clock } from '../../core/clock.js';
import { BadRequestError, HyperbyteError, UnavailableError } from '../../core/errors.js';
import { WalTruncatedError } from '../../core/wal/wal-port.js';
import type { PeerClient } from '../peer-client.js';
import { PeerRequestError } from '../peer-client.js';
import type { ReplicationReceiver } from '../replication/receiver.js';
import { REPLICATE_CONTENT_TYPE, decodeReplicateBatch, encodeReplicateBatch } from '../replication/replicate-codec.js';
import { catalogDigest, manifestSchema, type SyncManifest } from './manifest.js';
import type { TableRef } from '../../core/store/table-copy.js';
import type { SyncMetrics } from './sync-metrics.js';

export interface SyncOptions {
  readonly pullMaxBytes: number;
  /** Rows per page of a table copy. */
  readonly copyPageRows: number;
  /** How long a snapshot (and the WAL it holds back) stays open for its reader. */
  readonly snapshotTtlMs: number;
  readonly catalogWaitMs: number;
}

export interface SyncDeps {
  readonly nodeId: string;
  readonly engine: Engine;
  readonly client: PeerClient;
  readonly receiver: ReplicationReceiver;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: SyncMetrics;
  readonly state: () => string;
  readonly currentTerm: () => number;
  readonly httpAddressOf: (id: string) => string | null;
  readonly waitForApplied: (index: number, timeoutMs: number) => Promise<boolean>;
}

export interface SnapshotInfo {
  readonly snapshot_id: string;
  readonly watermarks: Readonly<Record<string, number>>;
  readonly catalog_index: number;
  readonly tables: ReadonlyArray<TableRef & { readonly columns: readonly string[] }>;
}

export interface TriggerBody {
  readonly term: number;
  readonly pulls?: ReadonlyArray<{ readonly origin: string; readonly from_seq: number; readonly source: string }>;
  readonly full?: { readonly source: string };
}

/** Snapshots a node serves at once (each holds back its WAL until read or expired). */
const MAX_OPEN_SNAPSHOTS = 4;

export class SyncService {
  private highestTerm = 0;
  private running: Promise<void> | null = null;
  private readonly snapshots = new Map<string, { info: SnapshotInfo; expiresAtMs: number }>();
  private snapshotCounter = 0;
  /** What the last sync run did, for /health and the drain. */
  lastOutcome: string | null = null;

  constructor(
    private readonly options: SyncOptions,
    private readonly deps: SyncDeps,
  ) {}

  busy(): boolean {
    return this.running !== null;
  }

  // ---------------------------------------------------------------- serving peers

  async manifest(withDataDigest: boolean): Promise<SyncManifest> {
    const { engine } = this.deps;
    const first = engine.wal.firstRetained();
    const origins: Record<string, { watermark: number; first_retained: number | null }> = {};
    for (const [origin, watermark] of engine.wal.originWatermarks()) origins[origin] = { watermark, first_retained: first.get(origin) ?? null };
    const catalog = engine.catalog;
    const manifest: SyncManifest = {
      node_id: this.deps.nodeId,
      state: this.deps.state(),
      wal_last_seq: engine.wal.lastSeq(),
      wal_flushed_seq: engine.wal.flushedSeq(),
      origins,
      catalog: { applied_index: catalog.index, digest: catalogDigest(catalog) },
      databases: manifestSchema(catalog),
    };
    if (!withDataDigest) return manifest;
    await engine.flush();
    const digests = [];
    for (const table of engine.dataCopy.tables()) digests.push(await engine.dataCopy.digest(table));
    return { ...manifest, data_digest: digests };
  }

  /** GET /internal/sync/wal: an origin's entries from `fromSeq` (410 when they are no longer held). */
  async walDelta(origin: string, fromSeq: number, maxBytes: number): Promise<{ status: number; body: Buffer; contentType: string }> {
    if (!(Number.isSafeInteger(fromSeq) && fromSeq >= 1)) throw new BadRequestError('from_seq must be a positive integer');
    try {
      const read = await this.deps.engine.wal.readOrigin(origin, fromSeq, { maxEntries: 10_000, maxBytes: Math.min(maxBytes, this.options.pullMaxBytes) });
      return { status: 200, body: encodeReplicateBatch({ origin, values: read.records.map((r) => r.value) }), contentType: REPLICATE_CONTENT_TYPE };
    } catch (error) {
      if (!(error instanceof WalTruncatedError)) throw error;
      return { status: 410, body: Buffer.from(JSON.stringify({ error: 'wal truncated', first_retained: error.firstRetained ?? null })), contentType: 'application/json' };
    }
  }

  /**
   * POST /internal/sync/snapshot: flushes everything written so far and answers the watermarks
   * that the stored tables now hold at least, with a hold on the WAL so the entries after them stay
   * available for the reader's delta pulls.
   */
  async openSnapshot(): Promise<SnapshotInfo> {
    const { engine } = this.deps;
    this.expireSnapshots();
    if (this.snapshots.size >= MAX_OPEN_SNAPSHOTS) throw new UnavailableError('too many snapshots open; retry later');
    if (engine.health().quarantined.length > 0) throw new UnavailableError('some tables hold points kept aside (see /health); this node is not a complete copy now');
    // Watermarks and the last seq are read together (both move in one synchronous step per batch);
    // flushing through that seq puts every entry up to the watermarks into the store.
    const watermarks = Object.fromEntries(engine.wal.originWatermarks());
    const lastSeq = engine.wal.lastSeq();
    const id = `${this.deps.nodeId}-${this.deps.clock.nowMs()}-${++this.snapshotCounter}`;
    await engine.wal.setHold(`snapshot:${id}`, lastSeq);
    await engine.flush();
    const tables = [];
    for (const table of engine.dataCopy.tables()) tables.push({ ...table, columns: await engine.dataCopy.columns(table) });
    const info: SnapshotInfo = { snapshot_id: id, watermarks, catalog_index: engine.catalog.index, tables };
    this.snapshots.set(id, { info, expiresAtMs: this.deps.clock.nowMs() + this.options.snapshotTtlMs });
    return info;
  }

  async snapshotPage(id: string, table: TableRef, page: number): Promise<Buffer | null> {
    const open = this.snapshots.get(id);
    if (!open) throw new HyperbyteError('HB_SNAPSHOT_GONE', 410, `snapshot ${id} is closed or expired`);
    open.expiresAtMs = this.deps.clock.nowMs() + this.options.snapshotTtlMs;
    const columns = open.info.tables.find((t) => t.db === table.db && t.rp === table.rp && t.measurement === table.measurement)?.columns;
    if (!columns) throw new BadRequestError('no such table in the snapshot');
    if (columns.length === 0) return null;
    return this.deps.engine.dataCopy.exportPage(table, columns, page, this.options.copyPageRows);
  }

  async closeSnapshot(id: string): Promise<void> {
    this.snapshots.delete(id);
    await this.deps.engine.wal.removeHold(`snapshot:${id}`);
  }

  private expireSnapshots(): void {
    const now = this.deps.clock.nowMs();
    for (const [id, open] of this.snapshots) {
      if (open.expiresAtMs <= now) void this.closeSnapshot(id).catch(() => undefined);
    }
  }

  // ---------------------------------------------------------------- orders

  /**
   * POST /internal/sync/trigger from the leader's monitor: refused from a term older than one seen
   * already; one sync run at a time (a second order while one runs is acknowledged, not queued).
   */
  trigger(order: TriggerBody): { status: number; body: object } {
    const term = Math.max(this.highestTerm, this.deps.currentTerm());
    if (!Number.isSafeInteger(order.term) || order.term < term) {
      return { status: 409, body: { error: `stale order: term ${order.term} is older than ${term}` } };
    }
    this.highestTerm = order.term;
    if (this.running) return { status: 200, body: { status: 'already_syncing', message: 'a sync is running' } };
    // Nobody awaits an ordered run: its failure is logged and kept in lastOutcome by run(), and
    // must not escape as an unhandled rejection (that ends the process).
    this.running = this.run(order).catch(() => undefined).finally(() => {
      this.running = null;
    });
    return { status: 202, body: { status: 'sync_started', message: 'Background sync has been triggered' } };
  }

  /** Runs a sync on this node's own initiative (its start, a join), waiting for it. */
  async runNow(order: Omit<TriggerBody, 'term'>): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.run({ term: this.highestTerm, ...order });
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }

  private async run(order: TriggerBody): Promise<void> {
    try {
      if (order.full) await this.fullCopy(order.full.source);
      for (const pull of order.pulls ?? []) {
        const outcome = await this.pull(pull.origin, pull.from_seq, pull.source);
        if (outcome === 'truncated') this.lastOutcome = `${pull.source} no longer holds ${pull.origin} from ${pull.from_seq}; a full copy is needed`;
      }
      if (order.full === undefined && (order.pulls ?? []).length > 0 && this.lastOutcome?.includes('full copy is needed') !== true) this.lastOutcome = 'caught up';
    } catch (error) {
      this.lastOutcome = `sync failed: ${error instanceof Error ? error.message : String(error)}`;
      this.deps.log.error({ err: error }, 'sync failed');
      throw error;
    }
  }

  /** Pulls `origin` from `fromSeq` from `source` until the source has no more; 'truncated' if it no longer holds them. */
  async pull(origin: string, fromSeq: number, source: string): Promise<'done' | 'truncated'> {
    const address = this.deps.httpAddressOf(source);
    if (address === null) throw new UnavailableError(`sync source ${source} has no known address`);
    let from = Math.max(fromSeq, (this.deps.engine.wal.originWatermarks().get(origin) ?? 0) + 1);
    // Bounded: every round takes at least one entry or stops.
    for (;;) {
      const path = `/internal/sync/wal?origin=${encodeURIComponent(origin)}&from_seq=${from}&max_bytes=${this.options.pullMaxBytes}`;
      const response = await this.deps.client.request(address, { method: 'GET', path });
      if (response.status === 410) {
        this.deps.metrics.pulls.inc({ kind: 'delta', outcome: 'truncated' });
        return 'truncated';
      }
      if (response.status !== 200) throw new PeerRequestError(response.status, response.body.toString('utf8').slice(0, 500), '');
      const batch = decodeReplicateBatch(response.body);
      if (batch.entries.length === 0) {
        this.deps.metrics.pulls.inc({ kind: 'delta', outcome: 'done' });
        return 'done';
      }
      this.deps.metrics.pullBytes.inc({ kind: 'delta' }, response.body.length);
      const outcome = await this.deps.receiver.receive(origin, batch.entries, batch.values);
      from = outcome.ackSeq + 1;
    }
  }

  /**
   * A full copy of `source`'s data set: its tables at a consistent point (watermarks V) merged into
   * the local ones, the watermarks raised to V, then the entries after V pulled. Nothing held here
   * is dropped: this node's own writes, and entries of other origins beyond V, may exist nowhere
   * else, and its watermarks (never lowered) keep saying it holds them. What the catalog removed
   * (drops, deletes) it removed here too, and again on the imported rows (DataCopyPort.importPage).
   */
  async fullCopy(source: string): Promise<void> {
    const { engine, client, log } = this.deps;
    const address = this.deps.httpAddressOf(source);
    if (address === null) throw new UnavailableError(`sync source ${source} has no known address`);
    const started = this.deps.clock.monotonicMs();
    log.info({ source }, 'full copy: asking for a snapshot');
    const info = JSON.parse((await client.requestOk(address, { method: 'POST', path: '/internal/sync/snapshot', contentType: 'application/json', body: Buffer.from('{}') })).toString('utf8')) as SnapshotInfo;
    try {
      if (!(await this.deps.waitForApplied(info.catalog_index, this.options.catalogWaitMs * 12))) {
        throw new UnavailableError(`full copy: this node's catalog did not reach index ${info.catalog_index}`);
      }
      let bytes = 0;
      for (const [i, table] of info.tables.entries()) {
        this.deps.metrics.catchUpProgress.set(i / Math.max(1, info.tables.length));
        for (let page = 0; ; page++) {
          const query = `db=${encodeURIComponent(table.db)}&rp=${encodeURIComponent(table.rp)}&measurement=${encodeURIComponent(table.measurement)}&page=${page}`;
          const response = await client.request(address, { method: 'GET', path: `/internal/sync/snapshot/${encodeURIComponent(info.snapshot_id)}/table?${query}` });
          if (response.status === 204) break;
          if (response.status !== 200) throw new PeerRequestError(response.status, response.body.toString('utf8').slice(0, 500), '');
          bytes += response.body.length;
          if (!(await engine.dataCopy.importPage(table, table.columns, response.body, info.catalog_index))) break;
        }
      }
      this.deps.metrics.pullBytes.inc({ kind: 'full' }, bytes);
      const adopted = new Map(Object.entries(info.watermarks).filter(([origin]) => origin !== engine.wal.localOrigin));
      await this.deps.receiver.whileHolding([...adopted.keys()], () => engine.wal.adoptWatermarks(adopted));
      for (const origin of adopted.keys()) {
        const outcome = await this.pull(origin, (adopted.get(origin) ?? 0) + 1, source);
        if (outcome === 'truncated') log.warn({ origin, source }, 'full copy: the source let go of entries after its snapshot; they arrive through replication');
      }
      this.deps.metrics.pulls.inc({ kind: 'full', outcome: 'done' });
      this.deps.metrics.catchUpProgress.set(1);
      this.lastOutcome = 'copied';
      log.info({ source, tables: info.tables.length, bytes, seconds: Math.round((this.deps.clock.monotonicMs() - started) / 1000) }, 'full copy done');
    } finally {
      await client.request(address, { method: 'POST', path: `/internal/sync/snapshot/${encodeURIComponent(info.snapshot_id)}/close`, body: Buffer.alloc(0) }).catch(() => undefined);
    }
  }
}

export function isPeerGone(error: unknown): boolean {
  return error instanceof PeerRequestError && error.peerStatus === 410;
}
