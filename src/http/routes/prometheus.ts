// POST /api/v1/prom/write and /api/v1/prom/read: Prometheus remote storage over InfluxDB 1.x's
// mapping (core/prometheus/remote-mapping.ts), so Prometheus can keep its long-term data here.
// The write answers 204 after the WAL append; the read answers snappy-compressed protobuf.

import type { FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import type { Engine } from '../../core/index.js';
import { BadRequestError, DatabaseNotFoundError, PartialWriteError } from '../../core/errors.js';
import { promQueryToInfluxQL, promSeriesToPoints, seriesToPromTimeSeries, type PromTimeSeries } from '../../core/prometheus/remote-mapping.js';
import { decodeReadRequest, decodeWriteRequest, encodeReadResponse } from '../prometheus/remote-codec.js';
import { firstValues } from '../request-params.js';
import { MethodNotAllowedError } from '../error-handler.js';
import { isConsistencyLevel } from './write.js';

export interface PrometheusRouteOptions {
  readonly engine: Engine;
  readonly maxBodyBytes: number;
  readonly pointsDropped?: Counter;
}

function requireDatabase(engine: Engine, db: string): void {
  if (db === '') throw new BadRequestError('database is required');
  if (!engine.catalog.database(db)) throw new DatabaseNotFoundError(db);
}

export async function prometheusRoutes(app: FastifyInstance, options: PrometheusRouteOptions): Promise<void> {
  const { engine } = options;
  const metrics = engine.metrics;

  app.post('/api/v1/prom/write', { bodyLimit: options.maxBodyBytes }, async (request, reply) => {
    const started = performance.now();
    metrics.writeRequests.inc();
    try {
      const query: Partial<Record<string, string>> = firstValues(request.query);
      const db = query.db ?? '';
      requireDatabase(engine, db);
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const { points } = promSeriesToPoints(decodeWriteRequest(body, options.maxBodyBytes));
      metrics.writePayloadBytes.observe(body.length);
      if (!isConsistencyLevel(query.consistency ?? '')) throw new BadRequestError('invalid consistency level');
      // NaN samples are dropped silently, as 1.x does: Prometheus writes them for stale series.
      if (points.length > 0) await engine.writePoints(db, query.rp || undefined, points);
      metrics.writeDuration.observe((performance.now() - started) / 1000);
      return reply.code(204).send();
    } catch (error) {
      metrics.writeErrors.inc();
      if (error instanceof PartialWriteError && error.dropped > 0) options.pointsDropped?.inc(error.dropped);
      throw error;
    }
  });

  app.post('/api/v1/prom/read', { bodyLimit: options.maxBodyBytes }, async (request, reply) => {
    const params: Partial<Record<string, string>> = firstValues(request.query);
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const queries = decodeReadRequest(body, options.maxBodyBytes);
    if (queries.length !== 1) throw new BadRequestError('Prometheus read endpoint currently only supports one query at a time');
    const dbName = params.db ?? '';
    requireDatabase(engine, dbName);
    const db = engine.catalog.database(dbName)!;
    const rp = params.rp || db.defaultRetentionPolicy;
    if (!db.retentionPolicies.some((p) => p.name === rp)) throw new BadRequestError(`retention policy not found: ${rp}`);
    const text = promQueryToInfluxQL(queries[0]!, db, rp);
    let series: PromTimeSeries[] = [];
    if (text !== undefined) {
      const [result] = await engine.query(text, { db: dbName, rp });
      if (result?.error !== undefined) throw new BadRequestError(result.error);
      series = seriesToPromTimeSeries(result?.series ?? []);
    }
    return reply.code(200).header('Content-Type', 'application/x-protobuf').header('Content-Encoding', 'snappy').send(encodeReadResponse(series));
  });

  for (const url of ['/api/v1/prom/write', '/api/v1/prom/read']) {
    app.route({
      method: ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH'],
      url,
      handler: async () => {
        throw new MethodNotAllowedError(['POST']);
      },
    });
  }
}
