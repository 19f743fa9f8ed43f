// POST /write: InfluxDB 1.x line-protocol ingestion. Validates parameters, decodes the body,
// hands it to the engine and answers 204 only after the WAL append resolved.

import type { FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import type { Engine, WriteRequest } from '../../core/index.js';
import { BadRequestError, DatabaseNotFoundError, PartialWriteError } from '../../core/errors.js';
import { formatPartialWriteMessage, parseLineProtocol } from '../../core/lineprotocol/index.js';
import { precisionFromQuery } from '../../core/lineprotocol/precision.js';
import { decodeBody } from '../request-body.js';
import { firstValues } from '../request-params.js';
import { MethodNotAllowedError } from '../error-handler.js';

/** Takes a parsed /write request: the engine alone, or a cluster node coordinating replicas. */
export type WriteHandler = (request: WriteRequest & { readonly consistency?: string }) => Promise<void>;

export interface WriteRouteOptions {
  readonly engine: Engine;
  readonly maxBodyBytes: number;
  readonly write: WriteHandler;
  /** Counts the points a partial write dropped (1.x's pointsWrittenDropped). */
  readonly pointsDropped?: Counter;
}

/** models.ParseConsistencyLevel: any, one, quorum or all in any case; empty means the default. */
export function isConsistencyLevel(level: string): boolean {
  return level === '' || ['any', 'one', 'quorum', 'all'].includes(level.toLowerCase());
}

/**
 * A bad consistency level is reported after the body is parsed (1.x's order): a body without one
 * good line is its own 400 first.
 */
function rejectConsistency(engine: Engine, db: string, body: Buffer): never {
  if (!engine.catalog.database(db)) throw new DatabaseNotFoundError(db);
  const parsed = parseLineProtocol(body, { precision: 'ns', nowNs: 0n });
  if (parsed.errors.length > 0 && parsed.points.length === 0) throw new BadRequestError(formatPartialWriteMessage(parsed.errors, { parsedPoints: 0 }));
  throw new BadRequestError('invalid consistency level');
}

export async function writeRoutes(app: FastifyInstance, options: WriteRouteOptions): Promise<void> {
  const { engine } = options;
  const metrics = engine.metrics;
  app.post('/write', { bodyLimit: options.maxBodyBytes }, async (request, reply) => {
    const started = performance.now();
    metrics.writeRequests.inc();
    try {
      const query: Partial<Record<string, string>> = firstValues(request.query);
      const db = query.db ?? '';
      if (db === '') throw new BadRequestError('database is required');
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const body = await decodeBody(raw, request.headers['content-encoding'], options.maxBodyBytes);
      metrics.writePayloadBytes.observe(body.length);
      if (!isConsistencyLevel(query.consistency ?? '')) rejectConsistency(engine, db, body);
      await options.write({
        db,
        ...(query.rp ? { rp: query.rp } : {}),
        ...(query.consistency !== undefined ? { consistency: query.consistency.toLowerCase() } : {}),
        precision: precisionFromQuery(query.precision),
        body,
      });
      metrics.writeDuration.observe((performance.now() - started) / 1000);
      return reply.code(204).send();
    } catch (error) {
      metrics.writeErrors.inc();
      if (error instanceof PartialWriteError && error.dropped > 0) options.pointsDropped?.inc(error.dropped);
      throw error;
    }
  });
  // CORS preflight: 1.x answers OPTIONS on its API routes with an empty 200.
  app.options('/write', async (_request, reply) => reply.code(200).send());
  app.route({
    method: ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH'],
    url: '/write',
    handler: async () => {
      throw new MethodNotAllowedError(['OPTIONS', 'POST']);
    },
  });
}
