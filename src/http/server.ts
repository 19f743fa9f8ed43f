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
import { internalRoutes, type InternalRoutesPort } from './routes/internal.js';
import { clusterRoutes, type ClusterRoutesPort } from './routes/cluster.js';
import type { HealthCheck } from './routes/ping-health.js';
import type { WriteHandler } from './routes/write.js';
import { parseConsistency } from '../cluster/consistency.js';
import { HYPERBYTEDB_VERSION, INFLUXDB_COMPAT_VERSION } from './version.js';
import { registerAuthentication } from './auth.js';
import { RequestContexts, traceIdOf } from './request-context.js';
import { statementsRoutes } from './routes/statements.js';
import type { UserAuthenticator } from '../core/meta/user-authenticator.js';
import type { StatementSummary } from '../core/services/statement-summary.js';
import { isValidMediaType } from './media-type.js';
import { createHttpMetrics, endpointOf, httpdStatistic } from './http-metrics.js';
import { debugVarsRoutes } from './routes/debug-vars.js';
import { prometheusRoutes } from './routes/prometheus.js';
import { noopTracer, type Tracer } from '../core/tracing.js';
import { RouteTracing } from './route-tracing.js';

export interface ServerOptions {
  readonly maxBodyBytes: number;
  readonly defaultChunkSize: number;
  readonly metricsEnabled: boolean;
  /** Bound on how long a request may take to arrive, and on a large answer the client stopped reading. */
  readonly requestTimeoutMs: number;
  /** Largest peer replication body (cluster mode). */
  readonly maxPeerBodyBytes?: number;
}

/** Users and access (server.auth_enabled): present when authentication is on. */
export interface ServerAuth {
  readonly authenticator: UserAuthenticator;
}

/** A cluster node around the engine: the routes a cluster adds, and its write coordinator. */
export interface ClusterHttpPort extends InternalRoutesPort, ClusterRoutesPort {
  write: WriteHandler;
  /** Health checks of the cluster layer, and this node's state named in /health. */
  healthChecks(): readonly HealthCheck[];
  stateName(): string;
  /** Throws (503) while this node does not hold every acknowledged write (Joining, Syncing). */
  assertQueryable(): void;
}

export interface ServerDeps {
  readonly engine: Engine;
  readonly registry: Registry;
  readonly log: Logger;
  /** Present in cluster mode. */
  readonly cluster?: ClusterHttpPort;
  /** Present when authentication is on. */
  readonly auth?: ServerAuth;
  /** Present when the statement summary is on (GET /api/v1/statements). */
  readonly statementSummary?: StatementSummary;
  /** Spans around requests (when tracing is on). */
  readonly tracer?: Tracer;
}

/**
 * InfluxDB v1 clients may send the password as ?p=…, and a query (q=…) may set one (CREATE USER,
 * SET PASSWORD); neither reaches a log line.
 */
export function redactUrl(url: string): string {
  return url.replace(/([?&]p=)[^&]*/g, '$1[redacted]').replace(/([?&]q=)([^&]*)/g, (whole, prefix: string, value: string) => (/password/i.test(safeDecode(value)) ? `${prefix}[redacted]` : whole));
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** InfluxDB 1.x's CORS answer to a request with an Origin (browser dashboards call the API directly). */
function corsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'DELETE, GET, OPTIONS, POST, PUT',
    'Access-Control-Allow-Headers': 'Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, X-CSRF-Token, X-HTTP-Method-Override',
    'Access-Control-Expose-Headers': 'Date, X-InfluxDB-Version, X-InfluxDB-Build',
  };
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
  // Callback-style hooks: an async hook costs every request a promise and a microtask.
  app.addHook('onRequest', (request, reply, done) => {
    const contentType = request.headers['content-type'];
    if (contentType !== undefined && !isValidMediaType(contentType)) delete request.headers['content-type'];
    if (request.headers.origin !== undefined) reply.headers(corsHeaders(request.headers.origin));
    reply.headers({
      'X-Influxdb-Build': 'OSS',
      'X-Influxdb-Version': INFLUXDB_COMPAT_VERSION,
      'X-Hyperbytedb-Version': HYPERBYTEDB_VERSION,
      'Request-Id': request.id,
      'X-Request-Id': request.id,
    });
    done();
  });
  const httpMetrics = createHttpMetrics(deps.registry);
  app.addHook('onRequest', (request, _reply, done) => {
    httpMetrics.active.inc({ endpoint: endpointOf(request.routeOptions.url) });
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const endpoint = endpointOf(request.routeOptions.url);
    httpMetrics.active.dec({ endpoint });
    httpMetrics.requests.inc({ endpoint });
    httpMetrics.durationSeconds.inc({ endpoint }, reply.elapsedTime / 1000);
    const length = Number(reply.getHeader('content-length'));
    if (Number.isFinite(length) && length > 0) httpMetrics.responseBytes.inc({ endpoint }, length);
    if (reply.statusCode >= 500) httpMetrics.errors.inc({ class: 'server' });
    else if (reply.statusCode >= 400) httpMetrics.errors.inc({ class: 'client' });
    done();
  });
  deps.engine.monitor.addStatistics('httpd', async () => {
    const address = app.server.address();
    const bind = typeof address === 'object' && address !== null ? `${address.address}:${address.port}` : '';
    return [await httpdStatistic(httpMetrics, deps.registry, bind)];
  });
  deps.engine.monitor.addDiagnostic('build', () => ({ name: 'build', columns: ['Branch', 'Build Time', 'Commit', 'Version'], row: ['', '', '', INFLUXDB_COMPAT_VERSION] }));
  const httpLog = deps.log.child({ component: 'http' });
  const tracer = deps.tracer ?? noopTracer;
  const tracing = tracer.enabled ? new RouteTracing(tracer) : null;
  tracing?.register(app);
  app.addHook('onResponse', (request, reply, done) => {
    if (httpLog.isLevelEnabled('debug')) {
      const traceId = tracing?.traceIdOf(request);
      httpLog.debug(
        { method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime), ...(traceId !== undefined ? { trace_id: traceId } : {}) },
        'request',
      );
    }
    done();
  });
  registerErrorHandler(app, httpLog);
  const contexts = new RequestContexts();
  if (deps.auth) registerAuthentication(app, { authenticator: deps.auth.authenticator, catalog: () => deps.engine.catalog, contexts });
  const summary = deps.statementSummary;
  if (summary) {
    app.addHook('onRequest', (request, _reply, done) => {
      if (request.routeOptions.url === '/query') {
        // The slowest run names its trace: the request's span when tracing is on, else the caller's traceparent.
        const fromHeader = traceIdOf(request.headers.traceparent);
        contexts.set(request, { observer: summary.observer(tracer.enabled ? () => tracer.traceId() ?? fromHeader : fromHeader) });
      }
      done();
    });
    void app.register(statementsRoutes, { summary });
  }
  const { cluster } = deps;
  void app.register(pingHealthRoutes, {
    health: () => deps.engine.health(),
    ...(cluster ? { extraChecks: () => cluster.healthChecks(), state: () => cluster.stateName() } : {}),
  });
  const write: WriteHandler = cluster ? (request) => cluster.write(request) : singleNodeWrite(deps.engine);
  void app.register(writeRoutes, { engine: deps.engine, maxBodyBytes: options.maxBodyBytes, write, pointsDropped: httpMetrics.pointsDropped });
  if (cluster) {
    void app.register(internalRoutes, { cluster, maxBodyBytes: options.maxPeerBodyBytes ?? options.maxBodyBytes, openManifest: deps.auth === undefined });
    void app.register(clusterRoutes, { cluster });
  }
  void app.register(queryRoutes, {
    engine: deps.engine,
    contexts,
    maxBodyBytes: options.maxBodyBytes,
    defaultChunkSize: options.defaultChunkSize,
    stallTimeoutMs: options.requestTimeoutMs,
    log: httpLog,
    tracer,
    ...(cluster ? { beforeQuery: () => cluster.assertQueryable() } : {}),
  });
  if (options.metricsEnabled) void app.register(metricsRoutes, { registry: deps.registry });
  void app.register(debugVarsRoutes, { monitor: deps.engine.monitor, nowMs: Date.now });
  void app.register(prometheusRoutes, { engine: deps.engine, maxBodyBytes: options.maxBodyBytes, pointsDropped: httpMetrics.pointsDropped });
  return app;
}

/** A single node holds the only copy: every consistency level is met by its durable append. */
function singleNodeWrite(engine: Engine): WriteHandler {
  return async (request) => {
    parseConsistency(request.consistency, 'one');
    await engine.write(request);
  };
}
