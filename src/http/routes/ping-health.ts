// GET/HEAD /ping and GET /health: liveness answers that never touch chDB or the WAL,
// so they stay fast while queries run.

import type { FastifyInstance } from 'fastify';
import { HYPERBYTEDB_VERSION, INFLUXDB_COMPAT_VERSION } from '../version.js';

export async function pingHealthRoutes(app: FastifyInstance): Promise<void> {
  app.route({
    method: ['GET', 'HEAD'],
    url: '/ping',
    handler: async (request, reply) => {
      const verbose = (request.query as Record<string, string | undefined>).verbose;
      if (verbose !== undefined && verbose !== '' && verbose !== '0' && verbose !== 'false') {
        return reply.code(200).header('Content-Type', 'application/json').send(JSON.stringify({ version: INFLUXDB_COMPAT_VERSION }));
      }
      return reply.code(204).header('Content-Type', 'application/json').send();
    },
  });
  app.get('/health', async (_request, reply) => {
    return reply
      .code(200)
      .header('Content-Type', 'application/json')
      .send(
        JSON.stringify({
          name: 'hyperbytedb',
          message: 'ready for queries and writes',
          status: 'pass',
          checks: [],
          version: HYPERBYTEDB_VERSION,
        }),
      );
  });
}
