// The composition root: cuts the Config into per-module options, opens the engine, builds the
// HTTP server, listens, and on SIGINT/SIGTERM stops everything in reverse order with a final flush.

import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import type { Config } from './config-types.js';
import { createLogger } from './logger.js';
import { openEngine, type Engine } from '../core/index.js';
import { defaultEngineOptions, type EngineOptions } from '../core/options.js';
import { buildServer } from '../http/server.js';

export function engineOptionsFromConfig(config: Config): EngineOptions {
  return {
    nodeId: config.cluster.nodeId || 'node-1',
    dataDir: config.storage.dataDir,
    walDir: config.storage.walDir,
    metaDir: config.storage.metaDir,
    chdbDir: config.storage.chdbDir,
    wal: { ...defaultEngineOptions(config.storage.dataDir).wal, ...config.wal },
    flush: {
      intervalMs: config.flush.intervalMs,
      maxPointsPerInsert: config.flush.maxPointsPerInsert,
      maxBytesPerRound: 256 * 1024 * 1024,
      maxQuarantineBytesPerTable: config.flush.maxQuarantineBytesPerTable,
    },
    schemaLimits: { maxFieldsPerMeasurement: config.limits.maxFieldsPerMeasurement, maxTagKeysPerMeasurement: config.limits.maxTagKeysPerMeasurement },
    seriesLimits: { maxSeriesPerDatabase: config.limits.maxSeriesPerDatabase, maxValuesPerTag: config.limits.maxValuesPerTag },
    queryTimeoutMs: config.server.queryTimeoutMs,
    maxConcurrentQueries: config.server.maxConcurrentQueries,
    maxQueuedQueries: config.server.maxQueuedQueries,
    maxSelectBuckets: config.query.maxSelectBuckets,
    maxResultBytes: config.query.maxResultBytes,
    readConnections: config.query.readConnections,
  };
}

export interface RunningServer {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names these gauges *_total, which promtool rejects; the per-type gauges stay.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  let engine: Engine | null = await openEngine(engineOptionsFromConfig(config), { log: log.child({ component: 'engine' }), registry });
  const app = buildServer(
    {
      maxBodyBytes: config.server.maxBodyBytes,
      defaultChunkSize: config.query.chunkSizeDefault,
      metricsEnabled: config.metrics.enabled,
      requestTimeoutMs: config.server.queryTimeoutMs + 30_000,
    },
    { engine, registry, log },
  );
  try {
    await app.listen({ host: config.server.bindAddress, port: config.server.port });
  } catch (error) {
    await engine.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = `http://${config.server.bindAddress}:${port}`;
  log.info({ url, dataDir: config.storage.dataDir }, 'hyperbytedb listening');
  let stopping: Promise<void> | null = null;
  return {
    url,
    stop() {
      stopping ??= (async () => {
        await app.close();
        const current = engine;
        engine = null;
        await current?.close();
      })();
      return stopping;
    },
  };
}

export async function serve(config: Config): Promise<void> {
  const log = createLogger(config.logging);
  const server = await startServer(config, log);
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
