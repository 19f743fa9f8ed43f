// GET /debug/vars: InfluxDB 1.x's expvar document (Telegraf's influxdb input and Chronograf read
// it): system, cmdline, memstats, then every statistic under 1.x's key. Figures are ours.

import type { FastifyInstance } from 'fastify';
import type { Monitor, Statistic } from '../../core/monitor/monitor.js';
import { formatRfc3339Nano } from '../../core/query/index.js';

export interface DebugVarsRouteOptions {
  readonly monitor: Monitor;
  readonly nowMs: () => number;
}

/** 1.x's "very hacky" unique key: name, then path[:id], or [proto:]bind, or database[:rp[:name][:destination]]. */
export function statisticKey(stat: Statistic): string {
  const t = stat.tags;
  let key = stat.name;
  if (t['path'] !== undefined) {
    key += `:${t['path']}`;
    if (t['id'] !== undefined) key += `:${t['id']}`;
  } else if (t['bind'] !== undefined) {
    if (t['proto'] !== undefined) key += `:${t['proto']}`;
    key += `:${t['bind']}`;
  } else if (t['database'] !== undefined) {
    key += `:${t['database']}`;
    if (t['retention_policy'] !== undefined) {
      key += `:${t['retention_policy']}`;
      if (t['name'] !== undefined) key += `:${t['name']}`;
      if (t['destination'] !== undefined) key += `:${t['destination']}`;
    }
  }
  return key;
}

/** A statistic as Go marshals models.Statistic: tags null when empty, values in key order. */
function statisticJson(stat: Statistic): string {
  const tags = Object.keys(stat.tags).length === 0 ? null : Object.fromEntries(Object.keys(stat.tags).sort().map((k) => [k, stat.tags[k]]));
  const values = Object.keys(stat.values)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${String(stat.values[k])}`)
    .join(',');
  return `{"name":${JSON.stringify(stat.name)},"tags":${JSON.stringify(tags)},"values":{${values}}}`;
}

/** Go's runtime.MemStats fields we have a figure for (V8's heap and the process). */
function memstatsJson(): string {
  const m = process.memoryUsage();
  return JSON.stringify({ Alloc: m.heapUsed, Sys: m.rss, HeapAlloc: m.heapUsed, HeapSys: m.heapTotal, HeapIdle: Math.max(0, m.heapTotal - m.heapUsed), HeapInuse: m.heapUsed });
}

export async function debugVarsRoutes(app: FastifyInstance, options: DebugVarsRouteOptions): Promise<void> {
  app.get('/debug/vars', async (_request, reply) => {
    const stats = await options.monitor.statistics();
    const nowMs = options.nowMs();
    const system = {
      currentTime: formatRfc3339Nano(BigInt(nowMs) * 1_000_000n),
      started: formatRfc3339Nano(BigInt(options.monitor.startedAtMs) * 1_000_000n),
      uptime: Math.floor((nowMs - options.monitor.startedAtMs) / 1000),
    };
    const parts = [`"system": ${JSON.stringify(system)}`, `"cmdline": ${JSON.stringify(process.argv)}`, `"memstats": ${memstatsJson()}`];
    for (const stat of stats) parts.push(`${JSON.stringify(statisticKey(stat))}: ${statisticJson(stat)}`);
    return reply.code(200).header('Content-Type', 'application/json; charset=utf-8').send(`{\n${parts.join(',\n')}\n}\n`);
  });
}
