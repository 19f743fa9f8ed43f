// GET /metrics: the Prometheus text exposition of the registry passed in.
// Never registers instruments itself; it only renders.

import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface MetricsRouteOptions {
  readonly registry: Registry;
}

export async function metricsRoutes(app: FastifyInstance, options: MetricsRouteOptions): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    const body = await options.registry.metrics();
    return reply.code(200).header('Content-Type', options.registry.contentType).send(body);
  });
}
