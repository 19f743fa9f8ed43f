// Peer routes (/internal/*): replication, heartbeats, Raft proposals. Every request must carry a
// valid signature of the cluster secret (401 otherwise); peer traffic never uses user accounts.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequestError, UnauthorizedError } from '../../core/errors.js';

export interface InternalRoutesPort {
  manifest(withDataDigest: boolean): Promise<object>;
  walDelta(origin: string, fromSeq: number, maxBytes: number): Promise<{ status: number; body: Buffer; contentType: string }>;
  syncTrigger(body: Buffer): { status: number; body: object };
  openSnapshot(): Promise<object>;
  snapshotPage(id: string, table: { db: string; rp: string; measurement: string }, page: number): Promise<Buffer | null>;
  closeSnapshot(id: string): Promise<void>;
  admitJoin(body: Buffer): Promise<{ status: number; body: object }>;
  admitLeave(body: Buffer): Promise<{ status: number; body: object }>;
  drainStart(body: Buffer): object;
  readonly drain: { status(): object; abort(): Promise<object> };
  verify(request: { method: string; pathWithQuery: string; headers: Readonly<Record<string, string | string[] | undefined>>; body: Uint8Array }): { readonly ok: boolean };
  receiveReplicate(body: Buffer): Promise<{ status: number; body: object }>;
  receivePropose(body: Buffer): Promise<{ status: number; body: object }>;
  heartbeatAnswer(): object;
}

export interface InternalRoutesOptions {
  readonly cluster: InternalRoutesPort;
  /** Largest replication body accepted (a batch of entries). */
  readonly maxBodyBytes: number;
  /** The manifest is readable without a signature (authentication off, as the administration doc's curl examples need). */
  readonly openManifest: boolean;
}

const MANIFEST_PATH = '/internal/sync/manifest';

function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

export async function internalRoutes(app: FastifyInstance, options: InternalRoutesOptions): Promise<void> {
  const { cluster } = options;
  app.addHook('preHandler', (request, _reply, done) => {
    if (options.openManifest && request.method === 'GET' && request.url.split('?')[0] === MANIFEST_PATH) {
      done();
      return;
    }
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
  app.get(MANIFEST_PATH, async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const withDigest = query.data_digest === '1' || query.data_digest === 'true';
    return reply.code(200).header('Content-Type', 'application/json').send(JSON.stringify(await cluster.manifest(withDigest), null, query.pretty === 'true' ? 2 : undefined));
  });
  app.get('/internal/sync/wal', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const origin = query.origin ?? '';
    if (origin === '') throw new BadRequestError('origin is required');
    const answer = await cluster.walDelta(origin, Number(query.from_seq ?? '1'), Number(query.max_bytes ?? String(8 * 1024 * 1024)) || 8 * 1024 * 1024);
    return reply.code(answer.status).header('Content-Type', answer.contentType).send(answer.body);
  });
  app.post('/internal/sync/trigger', async (request, reply) => {
    const answer = cluster.syncTrigger(rawBody(request));
    return reply.code(answer.status).header('Content-Type', 'application/json').send(JSON.stringify(answer.body));
  });
  app.post('/internal/sync/snapshot', async (_request, reply) => {
    return reply.code(200).header('Content-Type', 'application/json').send(JSON.stringify(await cluster.openSnapshot()));
  });
  app.get('/internal/sync/snapshot/:id/table', async (request, reply) => {
    const { id } = request.params as { id: string };
    const query = request.query as Record<string, string | undefined>;
    const page = await cluster.snapshotPage(id, { db: query.db ?? '', rp: query.rp ?? '', measurement: query.measurement ?? '' }, Number(query.page ?? '0') || 0);
    if (page === null) return reply.code(204).send();
    return reply.code(200).header('Content-Type', 'application/octet-stream').send(page);
  });
  app.post('/internal/sync/snapshot/:id/close', async (request, reply) => {
    await cluster.closeSnapshot((request.params as { id: string }).id);
    return reply.code(204).send();
  });
  app.post('/internal/membership/leave', async (request, reply) => {
    const answer = await cluster.admitLeave(rawBody(request));
    return reply.code(answer.status).header('Content-Type', 'application/json').send(JSON.stringify(answer.body));
  });
  app.post('/internal/drain', async (request, reply) => {
    return reply.code(202).header('Content-Type', 'application/json').send(JSON.stringify(cluster.drainStart(rawBody(request))));
  });
  app.get('/internal/drain', async (_request, reply) => {
    return reply.code(200).header('Content-Type', 'application/json').send(JSON.stringify(cluster.drain.status()));
  });
  app.post('/internal/drain/abort', async (_request, reply) => {
    return reply.code(200).header('Content-Type', 'application/json').send(JSON.stringify(await cluster.drain.abort()));
  });
  app.post('/internal/membership/join', async (request, reply) => {
    const answer = await cluster.admitJoin(rawBody(request));
    return reply.code(answer.status).header('Content-Type', 'application/json').send(JSON.stringify(answer.body));
  });
}
