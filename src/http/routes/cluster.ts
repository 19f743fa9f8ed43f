// Cluster inspection for operators: /cluster/metrics, /cluster/nodes, /cluster/leader (read-only;
// open while authentication is off, as the administration doc's examples use them with curl).

import type { FastifyInstance } from 'fastify';

export interface ClusterRoutesPort {
  clusterMetrics(): object;
  nodes(): object[];
  leaderView(): object;
}

export async function clusterRoutes(app: FastifyInstance, options: { readonly cluster: ClusterRoutesPort }): Promise<void> {
  const { cluster } = options;
  const json = (value: unknown): string => JSON.stringify(value);
  app.get('/cluster/metrics', async (_request, reply) => reply.header('Content-Type', 'application/json').send(json(cluster.clusterMetrics())));
  app.get('/cluster/nodes', async (_request, reply) => reply.header('Content-Type', 'application/json').send(json({ nodes: cluster.nodes() })));
  app.get('/cluster/leader', async (_request, reply) => reply.header('Content-Type', 'application/json').send(json(cluster.leaderView())));
}
