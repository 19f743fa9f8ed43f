// GET /api/v1/statements: the statement summary (recently executed statement shapes, their
// counts, timings and errors). Admin-only when authentication is on (see auth.ts).

import type { FastifyInstance } from 'fastify';
import type { StatementSummary } from '../../core/services/statement-summary.js';

export interface StatementsRouteOptions {
  readonly summary: StatementSummary;
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export async function statementsRoutes(app: FastifyInstance, options: StatementsRouteOptions): Promise<void> {
  app.get('/api/v1/statements', async (_request, reply) => {
    const statements = options.summary.list().map((e) => ({
      digest: e.digest,
      query: e.text,
      count: e.count,
      errors: e.errors,
      last_error: e.lastError,
      total_ms: round(e.totalMs),
      mean_ms: round(e.meanMs),
      max_ms: round(e.maxMs),
      first_seen: isoTime(e.firstSeenMs),
      last_seen: isoTime(e.lastSeenMs),
      slowest_trace_id: e.slowestTraceId,
    }));
    return reply.header('Content-Type', 'application/json').send(JSON.stringify({ statements }));
  });
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
