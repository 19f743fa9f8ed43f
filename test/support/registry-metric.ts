// Reads a prom-client metric from a registry in tests: the sum of its values whose labels match.
import type { Registry } from 'prom-client';

export async function metricSum(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((sum, v) => sum + v.value, 0);
}
