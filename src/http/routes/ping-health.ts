// GET/HEAD /ping and GET /health: liveness answers that never touch chDB or the WAL, so they stay
// fast while queries run. /health is 200 while the server runs; its body names what is degraded.

import type { FastifyInstance } from 'fastify';
import { HYPERBYTEDB_VERSION } from '../version.js';
import { MethodNotAllowedError } from '../error-handler.js';
import type { EngineHealth } from '../../core/index.js';

export interface HealthCheck {
  readonly name: string;
  readonly status: 'pass' | 'warn';
  readonly message: string;
}

export interface PingHealthOptions {
  /** The engine's state; every field is in memory, so this never waits on storage. */
  readonly health: () => EngineHealth;
  /** More checks from the layers above (cluster state). */
  readonly extraChecks?: () => readonly HealthCheck[];
  /** This node's cluster state, named in the body (absent for a single node). */
  readonly state?: () => string;
}

export function healthChecks(health: EngineHealth): HealthCheck[] {
  const checks: HealthCheck[] = [];
  checks.push(health.walDegraded === null
    ? { name: 'wal', status: 'pass', message: 'accepting writes' }
    : { name: 'wal', status: 'warn', message: `refusing writes while it recovers: ${health.walDegraded}` });
  checks.push(health.flushFailing === null
    ? { name: 'flush', status: 'pass', message: 'flushing' }
    : { name: 'flush', status: 'warn', message: `failing, the WAL keeps the points: ${health.flushFailing}` });
  for (const table of health.quarantined) {
    checks.push({
      name: `quarantine:${table.db}.${table.rp}.${table.measurement}`,
      status: 'warn',
      message: `${table.points} points kept aside since ${new Date(table.since).toISOString()} (retried; reads of this measurement answer 503): ${table.lastError}`,
    });
  }
  return checks;
}

export async function pingHealthRoutes(app: FastifyInstance, options: PingHealthOptions): Promise<void> {
  // InfluxDB 1.6 answers every ping with a 204, `verbose` or not (the version travels in the
  // headers), and /status the same way; other methods get its router's 405.
  for (const url of ['/ping', '/status']) {
    app.route({
      method: ['GET', 'HEAD'],
      url,
      handler: async (_request, reply) => reply.code(204).header('Content-Type', 'application/json').send(),
    });
    app.route({
      method: ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
      url,
      handler: async () => {
        throw new MethodNotAllowedError(['GET', 'HEAD']);
      },
    });
  }
  app.get('/health', async (_request, reply) => {
    const checks = [...healthChecks(options.health()), ...(options.extraChecks?.() ?? [])];
    const warn = checks.some((check) => check.status !== 'pass');
    return reply
      .code(200)
      .header('Content-Type', 'application/json')
      .send(
        JSON.stringify({
          name: 'hyperbytedb',
          message: warn ? 'serving, with warnings' : 'ready for queries and writes',
          status: warn ? 'warn' : 'pass',
          ...(options.state ? { state: options.state() } : {}),
          checks,
          version: HYPERBYTEDB_VERSION,
        }),
      );
  });
}
