// Peer routes (/internal/*): replication, heartbeats, Raft proposals. Every request must carry a
// valid signature of the cluster secret (401 otherwise); peer traffic never uses user accounts.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequestError, UnauthorizedError } from '../../core/errors.js';

export interface InternalRoutesPort {
  verify(request: { method: string; pathWithQuery: string; headers: Readonly<Record<string, string | string[] | undefined>>; body: Uint8Array }): { readonly ok: boolean };
  receiveReplicate(body: Buffer): Promise<{ status: number; body: object }>;
  receivePropose(body: Buffer): Promise<{ status: number; body: object }>;
  heartbeatAnswer(): object;
}

export interface InternalRoutesOptions {
  readonly cluster: InternalRoutesPort;
  /** Largest replication body accepted (a batch of entries). */
  readonly maxBodyBytes: number;
}

function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

export async function internalRoutes(app: FastifyInstance, options: InternalRoutesOptions): Promise<void> {
  const { cluster } = options;
  app.addHook('preHandler', (request, _reply, done) => {
    const verdict = cluster.verify({ method: request.method, pathWithQuery: request.url, headers: request.headers, body: rawBody(request) });
    done(verdict.ok ? undefined : new UnauthorizedError('authorization failed'));
  });
  app.post('/internal/replicate', { bodyLimit: options.maxBodyBytes }, async (request, reply) => {
    const body = rawBody(request);
    if (body.length === 0) throw new BadRequestError('replicate: empty body');
    const answer = await cluster.receiveReplicate(body);
    return reply.code(answer.status).header('Content-Type', 'application/json').send(JSON.stringify(answer.body));
  });
  app.post('/internal/propose', { bodyLimit: options.maxBodyBytes }, async (request, reply) => {
    const answer = await cluster.receivePropose(rawBody(request));
    return reply.code(answer.status).header('Content-Type', 'application/json').send(JSON.stringify(answer.body));
  });
  app.get('/internal/heartbeat', async (_request, reply) => {
    return reply.code(200).header('Content-Type', 'application/json').send(JSON.stringify(cluster.heartbeatAnswer()));
  });
}
