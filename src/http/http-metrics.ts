// The HTTP layer's request counters (Prometheus instruments on the registry passed in) and the
// `httpd` statistic InfluxDB 1.x reports in SHOW STATS and /debug/vars, built from them.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { Statistic } from '../core/monitor/monitor.js';

/** The routes 1.x counts apart; everything else is `other`. */
export type Endpoint = 'query' | 'write' | 'ping' | 'status' | 'prom_write' | 'prom_read' | 'debug_vars' | 'other';

const ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  '/query': 'query',
  '/write': 'write',
  '/ping': 'ping',
  '/status': 'status',
  '/api/v1/prom/write': 'prom_write',
  '/api/v1/prom/read': 'prom_read',
  '/debug/vars': 'debug_vars',
};

export function endpointOf(routeUrl: string | undefined): Endpoint {
  return (routeUrl !== undefined ? ENDPOINTS[routeUrl] : undefined) ?? 'other';
}

export interface HttpMetrics {
  readonly requests: Counter<'endpoint'>;
  readonly active: Gauge<'endpoint'>;
  readonly durationSeconds: Counter<'endpoint'>;
  readonly responseBytes: Counter<'endpoint'>;
  readonly errors: Counter<'class'>;
  readonly pointsDropped: Counter;
}

/** Registers the instruments once per registry (a second server on the same registry shares them). */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  const registers = [registry];
  const existing = <T>(name: string): T | undefined => registry.getSingleMetric(name) as T | undefined;
  return {
    requests: existing('hyperbytedb_http_requests_total') ?? new Counter({ name: 'hyperbytedb_http_requests_total', help: 'HTTP requests answered, by endpoint.', labelNames: ['endpoint'], registers }),
    active: existing('hyperbytedb_http_requests_active') ?? new Gauge({ name: 'hyperbytedb_http_requests_active', help: 'HTTP requests being answered, by endpoint.', labelNames: ['endpoint'], registers }),
    durationSeconds:
      existing('hyperbytedb_http_request_duration_seconds_total') ??
      new Counter({ name: 'hyperbytedb_http_request_duration_seconds_total', help: 'Time spent answering HTTP requests, by endpoint.', labelNames: ['endpoint'], registers }),
    responseBytes:
      existing('hyperbytedb_http_response_bytes_total') ??
      new Counter({ name: 'hyperbytedb_http_response_bytes_total', help: 'Bytes of HTTP answers with a known length, by endpoint.', labelNames: ['endpoint'], registers }),
    errors: existing('hyperbytedb_http_errors_total') ?? new Counter({ name: 'hyperbytedb_http_errors_total', help: 'HTTP answers with a 4xx (client) or 5xx (server) status.', labelNames: ['class'], registers }),
    pointsDropped:
      existing('hyperbytedb_write_points_dropped_total') ??
      new Counter({ name: 'hyperbytedb_write_points_dropped_total', help: 'Points of accepted writes dropped (field type conflicts, invalid names).', registers }),
  };
}

async function byLabel(metric: Counter<string> | Gauge<string>, label: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const v of (await metric.get()).values) {
    const key = String(v.labels[label] ?? '');
    out.set(key, (out.get(key) ?? 0) + v.value);
  }
  return out;
}

/** 1.x's `httpd` statistic (tag `bind`) from the counters; 1.x fields we have no figure for are left out. */
export async function httpdStatistic(metrics: HttpMetrics, registry: Registry, bind: string): Promise<Statistic> {
  const requests = await byLabel(metrics.requests, 'endpoint');
  const active = await byLabel(metrics.active, 'endpoint');
  const seconds = await byLabel(metrics.durationSeconds, 'endpoint');
  const bytes = await byLabel(metrics.responseBytes, 'endpoint');
  const errors = await byLabel(metrics.errors, 'class');
  const sum = (map: Map<string, number>): number => [...map.values()].reduce((a, b) => a + b, 0);
  const ns = (s: number): number => Math.round(s * 1e9);
  const registryTotal = async (name: string): Promise<number> => {
    const metric = registry.getSingleMetric(name);
    if (metric === undefined) return 0;
    const values = (await metric.get()).values as Array<{ value: number; metricName?: string }>;
    return values.filter((v) => v.metricName === undefined || v.metricName.endsWith('_sum') || !/_(bucket|count)$/.test(v.metricName)).reduce((a, v) => a + v.value, 0);
  };
  return {
    name: 'httpd',
    tags: { bind },
    values: {
      authFail: 0,
      clientError: errors.get('client') ?? 0,
      pingReq: requests.get('ping') ?? 0,
      pointsWrittenDropped: await registryTotal('hyperbytedb_write_points_dropped_total'),
      pointsWrittenOK: await registryTotal('hyperbytedb_ingestion_points_total'),
      promReadReq: requests.get('prom_read') ?? 0,
      promWriteReq: requests.get('prom_write') ?? 0,
      queryReq: requests.get('query') ?? 0,
      queryReqDurationNs: ns(seconds.get('query') ?? 0),
      queryRespBytes: bytes.get('query') ?? 0,
      recoveredPanics: 0,
      req: sum(requests),
      reqActive: sum(active),
      reqDurationNs: ns(sum(seconds)),
      serverError: errors.get('server') ?? 0,
      statusReq: requests.get('status') ?? 0,
      writeReq: (requests.get('write') ?? 0) + (requests.get('prom_write') ?? 0),
      writeReqActive: (active.get('write') ?? 0) + (active.get('prom_write') ?? 0),
      writeReqBytes: await registryTotal('hyperbytedb_write_payload_bytes'),
      writeReqDurationNs: ns((seconds.get('write') ?? 0) + (seconds.get('prom_write') ?? 0)),
    },
  };
}
