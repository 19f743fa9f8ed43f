// POST /write: InfluxDB 1.x line-protocol ingestion. Validates parameters, decodes the body,
// hands it to the engine and answers 204 only after the WAL append resolved.

import type { FastifyInstance } from 'fastify';
import type { Engine, WriteRequest } from '../../core/index.js';
import { BadRequestError } from '../../core/errors.js';
import { precisionFromQuery } from '../../core/lineprotocol/precision.js';
import { decodeBody } from '../request-body.js';
import { firstValues } from '../request-params.js';

/** Takes a parsed /write request: the engine alone, or a cluster node coordinating replicas. */
export type WriteHandler = (request: WriteRequest & { readonly consistency?: string }) => Promise<void>;

export interface WriteRouteOptions {
  readonly engine: Engine;
  readonly maxBodyBytes: number;
  readonly write: WriteHandler;
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
      await options.write({
        db,
        ...(query.rp ? { rp: query.rp } : {}),
        ...(query.consistency !== undefined ? { consistency: query.consistency } : {}),
        precision: precisionFromQuery(query.precision),
        body,
      });
      metrics.writeDuration.observe((performance.now() - started) / 1000);
      return reply.code(204).send();
    } catch (error) {
      metrics.writeErrors.inc();
      throw error;
    }
  });
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: '/write',
    handler: async (_request, reply) => reply.code(405).header('Content-Type', 'text/plain; charset=utf-8').send('Method Not Allowed\n'),
  });
}
