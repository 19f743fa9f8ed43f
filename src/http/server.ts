// Builds the fastify app (never listens): content parsers, common InfluxDB headers, the error
// handler and the route plugins, each given what it needs through options.

import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Engine } from '../core/index.js';
import { registerErrorHandler } from './error-handler.js';
import { pingHealthRoutes } from './routes/ping-health.js';
import { writeRoutes } from './routes/write.js';
import { queryRoutes } from './routes/query.js';
import { metricsRoutes } from './routes/metrics.js';
import { HYPERBYTEDB_VERSION, INFLUXDB_COMPAT_VERSION } from './version.js';

export interface ServerOptions {
  readonly maxBodyBytes: number;
  readonly defaultChunkSize: number;
  readonly metricsEnabled: boolean;
  /** Bound on how long a request may take to arrive and be answered. */
  readonly requestTimeoutMs: number;
}

export interface ServerDeps {
  readonly engine: Engine;
  readonly registry: Registry;
  readonly log: Logger;
}

/** InfluxDB v1 clients may send the password as ?p=…; it never reaches a log line. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]p=)[^&]*/g, '$1[redacted]');
}

export function buildServer(options: ServerOptions, deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    // Requests are logged by our own hooks; fastify's logger stays off so pino types stay ours.
    logger: false,
    bodyLimit: options.maxBodyBytes,
    requestTimeout: options.requestTimeoutMs,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  // Bodies stay raw bytes: /write takes line protocol under any content type (curl sends it as
  // form-urlencoded), and /query decodes form fields itself.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Influxdb-Build', 'OSS');
    reply.header('X-Influxdb-Version', INFLUXDB_COMPAT_VERSION);
    reply.header('X-Hyperbytedb-Version', HYPERBYTEDB_VERSION);
    reply.header('Request-Id', request.id);
    reply.header('X-Request-Id', request.id);
  });
  const httpLog = deps.log.child({ component: 'http' });
  app.addHook('onResponse', async (request, reply) => {
    if (!httpLog.isLevelEnabled('debug')) return;
    httpLog.debug(
      { method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
  registerErrorHandler(app, httpLog);
  void app.register(pingHealthRoutes);
  void app.register(writeRoutes, { engine: deps.engine, maxBodyBytes: options.maxBodyBytes });
  void app.register(queryRoutes, { engine: deps.engine, maxBodyBytes: options.maxBodyBytes, defaultChunkSize: options.defaultChunkSize });
  if (options.metricsEnabled) void app.register(metricsRoutes, { registry: deps.registry });
  return app;
}
