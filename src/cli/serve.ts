// The composition root: cuts the Config into per-module options, opens the engine, builds the
// HTTP server, listens, and on SIGINT/SIGTERM stops everything in reverse order with a final flush.

import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import type { Config } from './config-types.js';
import { createLogger } from './logger.js';
import { openEngine, type Engine } from '../core/index.js';
import { defaultEngineOptions, type EngineOptions } from '../core/options.js';
import { defaultFirstValueCacheOptions } from '../core/cache/last-value-cache.js';
import { buildServer, type ServerAuth } from '../http/server.js';
import { defaultUserAuthenticatorOptions, UserAuthenticator } from '../core/meta/user-authenticator.js';
import { defaultStatementSummaryOptions, StatementSummary } from '../core/services/statement-summary.js';
import { Cluster } from '../cluster/cluster.js';
import { defaultClusterTimings, validateClusterOptions, type ClusterOptions } from '../cluster/cluster-options.js';
import { parsePeer } from './config-schema.js';
import { systemClock } from '../core/clock.js';
import { UnavailableError } from '../core/errors.js';
import type { CatalogWriter } from '../core/meta/catalog-applier.js';
import { noopTracer, type Tracer } from '../core/tracing.js';
import { serviceNameFrom, startTracing } from './tracing.js';
import { HYPERBYTEDB_VERSION } from '../http/version.js';
import { hostname } from 'node:os';
import { startControlSocket } from './control-socket.js';

export function engineOptionsFromConfig(config: Config): EngineOptions {
  return {
    nodeId: config.cluster.nodeId || 'node-1',
    dataDir: config.storage.dataDir,
    walDir: config.storage.walDir,
    metaDir: config.storage.metaDir,
    chdbDir: config.storage.chdbDir,
    chdbMarkCacheBytes: config.storage.chdbMarkCacheBytes,
    wal: { ...defaultEngineOptions(config.storage.dataDir).wal, ...config.wal },
    flush: {
      intervalMs: config.flush.intervalMs,
      maxPointsPerInsert: config.flush.maxPointsPerInsert,
      maxBytesPerRound: config.flush.maxBytesPerRound,
      maxQuarantineBytesPerTable: config.flush.maxQuarantineBytesPerTable,
      idleReleaseDelayMs: config.flush.idleReleaseDelayMs,
    },
    schemaLimits: { maxFieldsPerMeasurement: config.limits.maxFieldsPerMeasurement, maxTagKeysPerMeasurement: config.limits.maxTagKeysPerMeasurement },
    seriesLimits: { maxSeriesPerDatabase: config.limits.maxSeriesPerDatabase, maxValuesPerTag: config.limits.maxValuesPerTag },
    queryTimeoutMs: config.server.queryTimeoutMs,
    maxConcurrentQueries: config.server.maxConcurrentQueries,
    maxQueuedQueries: config.server.maxQueuedQueries,
    maxSelectBuckets: config.query.maxSelectBuckets,
    maxResultBytes: config.query.maxResultBytes,
    readConnections: config.query.readConnections,
    maxQueryMemoryBytes: config.query.maxMemoryBytes,
    retention: { enabled: config.retention.enabled, intervalMs: config.retention.intervalMs },
    continuousQueries: { enabled: config.continuousQueries.enabled, runIntervalMs: config.continuousQueries.runIntervalMs },
    lastValueCache: { mode: config.cache.lastValue, maxBytes: config.cache.lastValueMaxBytes, depth: config.cache.lastValueDepth },
    firstValueCache: { ...defaultFirstValueCacheOptions, mode: config.cache.firstValue, maxBytes: config.cache.firstValueMaxBytes },
    recentPointsCache: { mode: config.cache.recentPoints, maxBytes: config.cache.recentPointsMaxBytes, windowNs: BigInt(config.cache.recentPointsWindowMs) * 1_000_000n },
    tagValueIndex: config.cache.tagValues,
  };
}

/** Users and access, and the statement summary, as the config turns them on. */
function accessOptions(config: Config, engine: Engine): { auth?: ServerAuth; statementSummary?: StatementSummary } {
  const { server, statementSummary } = config;
  const authOptions = { ...defaultUserAuthenticatorOptions, cacheTtlMs: server.authCacheTtlMs, cacheMaxEntries: server.authCacheMaxEntries };
  return {
    ...(server.authEnabled ? { auth: { authenticator: new UserAuthenticator(() => engine.catalog, authOptions, () => systemClock.nowMs()) } } : {}),
    ...(statementSummary.enabled ? { statementSummary: new StatementSummary({ ...defaultStatementSummaryOptions, maxEntries: statementSummary.maxEntries }, systemClock) } : {}),
  };
}

export interface RunningServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** The cluster part of the config, for one node; null in single-node mode. */
export function clusterOptionsFromConfig(config: Config): ClusterOptions | null {
  const { cluster, server, storage } = config;
  if (cluster.peers.length === 0 && cluster.join.length === 0) return null;
  const options: ClusterOptions = {
    ...defaultClusterTimings,
    nodeId: cluster.nodeId,
    httpAddress: cluster.httpAdvertiseAddress || `${server.bindAddress}:${server.port}`,
    peers:
      cluster.peers.length > 0
        ? cluster.peers.map((text) => {
            const peer = parsePeer(text)!;
            return { id: peer.id, raftAddress: `${peer.host}:${peer.port}` };
          })
        : [{ id: cluster.nodeId, raftAddress: cluster.raftAdvertiseAddress || `${cluster.raftBindAddress}:${cluster.raftPort}` }],
    raftBindHost: cluster.raftBindAddress,
    raftPort: cluster.raftPort,
    raftAdvertiseAddress: cluster.raftAdvertiseAddress || `${cluster.raftBindAddress}:${cluster.raftPort}`,
    secret: cluster.secret,
    dataDir: storage.dataDir,
    consistency: cluster.consistency,
    heartbeatIntervalMs: cluster.heartbeatIntervalMs,
    heartbeatMissThreshold: cluster.heartbeatMissThreshold,
    writeTimeoutMs: cluster.writeTimeoutMs,
    peerRequestTimeoutMs: cluster.peerRequestTimeoutMs,
    replicationMaxBatchBytes: cluster.replicationMaxBatchBytes,
    replicateBodyLimitBytes: cluster.replicateBodyLimitBytes,
    raftElectionTicks: Math.max(10, Math.round(cluster.raftElectionTimeoutMs / defaultClusterTimings.raftTickMs)),
    raftSnapshotEvery: cluster.raftSnapshotEvery,
    joinSeeds: cluster.join,
    maxVoters: cluster.maxVoters,
    syncIntervalMs: cluster.syncIntervalMs,
    startupSyncTimeoutMs: cluster.startupSyncTimeoutMs,
    syncPullMaxBytes: cluster.syncPullMaxBytes,
    drainTimeoutMs: cluster.drainTimeoutMs,
  };
  validateClusterOptions(options);
  if (server.port === 0 && cluster.httpAdvertiseAddress === '') throw new Error('cluster: server.port 0 needs cluster.http_advertise_address (peers must know where to reach this node)');
  return options;
}

/** `tracer` is the no-op one unless [logging] turned tracing on (see tracing.ts). */
export async function startServer(config: Config, log: Logger, tracer: Tracer = noopTracer): Promise<RunningServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names these gauges *_total, which promtool rejects; the per-type gauges stay.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  const clusterOptions = clusterOptionsFromConfig(config);
  let clusterWriter: CatalogWriter | null = null;
  let cluster: Cluster | null = null;
  const engineOptions = engineOptionsFromConfig(config);
  let engine: Engine | null = await openEngine(
    clusterOptions
      ? { ...engineOptions, wal: { ...engineOptions.wal, maxRetainedBytes: Math.max(config.cluster.walRetentionMaxBytes, config.wal.maxPendingBytes), maxRetainedAgeMs: config.cluster.walRetentionMaxAgeMs } }
      : engineOptions,
    {
      log: log.child({ component: 'engine' }),
      registry,
      tracer,
      // A cluster runs each continuous query on its Raft leader only.
      runsContinuousQueries: () => clusterOptions === null || leadsConfirmed(cluster),
      ...(clusterOptions
        ? {
            catalogWriter: () => ({
              apply: (commands) => {
                if (clusterWriter === null) throw new UnavailableError('the cluster is starting; schema changes are not available yet');
                return clusterWriter.apply(commands);
              },
              barrier: () => {
                if (clusterWriter === null) throw new UnavailableError('the cluster is starting; schema changes are not available yet');
                return clusterWriter.barrier();
              },
            }),
          }
        : {}),
    },
  );
  if (clusterOptions) {
    cluster = new Cluster(clusterOptions, { engine, registry, log: log.child({ component: 'cluster', node: clusterOptions.nodeId }), clock: systemClock, tracer });
    clusterWriter = cluster.catalogWriter;
    cluster.onFatal = (error) => {
      // Raft stopped on a broken invariant or a storage failure: continuing would serve a node
      // that can never rejoin. Exit loudly; a restart replays the WAL and Raft's log.
      log.fatal({ err: error }, 'raft failed; exiting so the node restarts');
      process.exitCode = 70;
      setImmediate(() => process.exit(70));
    };
  }
  const app = buildServer(
    {
      maxBodyBytes: config.server.maxBodyBytes,
      defaultChunkSize: config.query.chunkSizeDefault,
      metricsEnabled: config.metrics.enabled,
      requestTimeoutMs: config.server.queryTimeoutMs + 30_000,
      maxPeerBodyBytes: config.cluster.replicateBodyLimitBytes,
    },
    { engine, registry, log, tracer, ...(cluster ? { cluster } : {}), ...accessOptions(config, engine) },
  );
  try {
    await app.listen({ host: config.server.bindAddress, port: config.server.port });
    // Peers reach this node's HTTP API before it takes part in Raft and replication.
    await cluster?.start();
  } catch (error) {
    await app.close().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    await engine.close();
    throw error;
  }
  // `hyperbytedb backup` reaches the running engine through this socket.
  const control = await startControlSocket({ dataDir: config.storage.dataDir, engine, log: log.child({ component: 'control' }) }).catch((error: unknown) => {
    log.warn({ err: error }, 'control socket not started: online backups through `hyperbytedb backup` are unavailable');
    return null;
  });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = `http://${config.server.bindAddress}:${port}`;
  log.info({ url, dataDir: config.storage.dataDir }, 'hyperbytedb listening');
  let stopping: Promise<void> | null = null;
  return {
    url,
    stop() {
      stopping ??= (async () => {
        await control?.close();
        // Requests still running (a peer's long sync pull, a client reading a chunked answer
        // slowly) get a grace period; then their connections are closed so the stop is bounded.
        const grace = setTimeout(() => app.server.closeAllConnections(), HTTP_CLOSE_GRACE_MS);
        await app.close().finally(() => clearTimeout(grace));
        await cluster?.stop();
        const current = engine;
        engine = null;
        await current?.close();
      })();
      return stopping;
    },
  };
}

/**
 * This node leads Raft, as a quorum confirms (ReadIndex), and has applied the catalog up to the
 * commit point: a deposed leader that has not noticed yet does not run continuous queries beside
 * the new one, and a new leader starts from its predecessor's last recorded run, not an older one.
 * It also holds every write a quorum acknowledged before (src/cluster/data-barrier.ts).
 */
async function leadsConfirmed(cluster: Cluster | null): Promise<boolean> {
  if (cluster === null) return false;
  try {
    const raft = cluster.raft;
    if (!raft.isLeader()) return false;
    await raft.readIndex(); // bounded by the node's read timeout
    // A quorum-acknowledged write may not have reached this leader yet: an interval computed
    // without it would be recorded as done and never computed again.
    return raft.isLeader() && (await cluster.holdsAcknowledgedWrites()) && raft.isLeader();
  } catch {
    return false; // Raft is not started yet, or leadership could not be confirmed
  }
}

/** How long a graceful stop waits for running HTTP requests before closing their connections. */
const HTTP_CLOSE_GRACE_MS = 10_000;

/** Exporting the spans still buffered at shutdown waits at most this long for the collector. */
const TRACE_EXPORT_DEADLINE_MS = 5_000;

export async function serve(config: Config, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const tracing = await startTracing(config.logging, { serviceName: serviceNameFrom(env), serviceVersion: HYPERBYTEDB_VERSION, instanceId: config.cluster.nodeId || hostname() });
  const log = createLogger(config.logging, undefined, tracing?.logFields);
  tracing?.useLogger(log.child({ component: 'trace' }));
  const running = await startServer(config, log, tracing?.tracer);
  const server: RunningServer = {
    url: running.url,
    // The final flush is traced too: the exporter stops after it.
    stop: () => running.stop().finally(() => tracing?.shutdown(TRACE_EXPORT_DEADLINE_MS)),
  };
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting without waiting for the final flush');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down: final flush, then stop');
    server.stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
