// Query-storm benchmark: many heavy grouped queries (and chunked ones) at once, against
// HyperbyteDB and InfluxDB 1.6.7 started in the same run on the same data. For each server it
// prints how many queries answered or were refused, how long the storm took, the /ping latency
// while it ran (probed every 50 ms from a worker thread) and the peak resident memory.
//
// Run: npm run bench:query-storm
// Knobs (env): HOSTS (100) POINTS_PER_HOST (10000) GROUPED (16) CHUNKED (0) HEAP_MB (0: Node's
//   default heap for our server) OURS_ONLY=1 INFLUX_ONLY=1 ENTRY (another build's src/cli/main.ts,
//   e.g. main's, to compare)

import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { startHyperbytedb } from '../test/support/hyperbytedb-server.js';
import { influxdAvailable, startInfluxd } from '../test/support/influxd.js';
import { percentile, startPingProbe } from '../test/support/ping-probe.js';
import { envInt } from './env.js';

const hosts = envInt('HOSTS', 100);
const pointsPerHost = envInt('POINTS_PER_HOST', 10_000);
const grouped = envInt('GROUPED', 16, 0);
const chunked = envInt('CHUNKED', 0, 0);
const heapMb = envInt('HEAP_MB', 0, 0);
const STEP_S = 30;
const QUERY = 'SELECT mean(v) FROM big GROUP BY time(1m), host';

function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function load(url: string): Promise<number> {
  const started = performance.now();
  await request(`${url}/query?q=CREATE+DATABASE+b`, { method: 'POST' }).then((r) => r.body.dump());
  const startS = (Math.floor(Date.now() / 60_000) - 2) * 60 - pointsPerHost * STEP_S;
  const perBatch = Math.max(1, Math.floor(50_000 / hosts));
  for (let first = 0; first < pointsPerHost; first += perBatch) {
    const lines: string[] = [];
    for (let j = first; j < Math.min(pointsPerHost, first + perBatch); j++) for (let h = 0; h < hosts; h++) lines.push(`big,host=host_${h} v=${(j * 7 + h) % 1000} ${startS + j * STEP_S}`);
    const res = await request(`${url}/write?db=b&precision=s`, { method: 'POST', body: lines.join('\n') });
    if (res.statusCode !== 204) throw new Error(`write answered ${res.statusCode}: ${await res.body.text()}`);
    await res.body.dump();
  }
  await (await request(`${url}/query?db=b&q=${encodeURIComponent('SELECT count(v) FROM big')}`)).body.text();
  return performance.now() - started;
}

async function storm(name: string, url: string, pid: number): Promise<string> {
  const loadMs = await load(url);
  let rssPeak = rssMb(pid);
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(pid))), 100);
  const pinger = startPingProbe(url, { everyMs: 50 });
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: grouped + chunked }, async (_, i) => {
      try {
        const res = await request(`${url}/query?db=b${i >= grouped ? '&chunked=true' : ''}&q=${encodeURIComponent(QUERY)}`, { headersTimeout: 600_000, bodyTimeout: 600_000 });
        const text = await res.body.text();
        if (res.statusCode !== 200) return `HTTP ${res.statusCode}`;
        return /"error":"max-query-memory limit exceeded/.test(text) ? 'refused' : /"error"/.test(text) ? 'failed' : 'answered';
      } catch (error) {
        return `lost (${(error as Error).message})`;
      }
    }),
  );
  const stormMs = performance.now() - started;
  const { pings, failures } = await pinger.stop();
  clearInterval(sampler);
  const counts = new Map<string, number>();
  for (const outcome of outcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  return (
    `${name}: load ${(loadMs / 1000).toFixed(1)} s; ${grouped} grouped + ${chunked} chunked queries in ${(stormMs / 1000).toFixed(1)} s: ` +
    `${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}; /ping x${pings.length} (${failures} failed): median ${percentile(pings, 0.5).toFixed(1)} ms, ` +
    `p99 ${percentile(pings, 0.99).toFixed(1)} ms, max ${(pings.at(-1) ?? 0).toFixed(1)} ms; RSS peak ${rssPeak.toFixed(0)} MB`
  );
}

if (process.env['INFLUX_ONLY'] !== '1') {
  const entry = process.env['ENTRY'];
  const server = await startHyperbytedb({
    startTimeoutMs: 120_000,
    ...(entry ? { entry } : {}),
    env: { HYPERBYTEDB__SERVER__QUERY_TIMEOUT: '10m', ...(heapMb > 0 ? { NODE_OPTIONS: `--max-old-space-size=${heapMb}` } : {}) },
  });
  try {
    process.stdout.write(`${await storm(entry ? `hyperbytedb (${entry})` : 'hyperbytedb', server.url, server.pid)}${server.exited() ? ' — the server died' : ''}\n`);
  } finally {
    await server.stop();
  }
}
if (process.env['OURS_ONLY'] !== '1' && influxdAvailable().available) {
  const influxd = await startInfluxd();
  try {
    process.stdout.write(`${await storm('influxd 1.6.7', influxd.url, influxd.pid)}\n`);
  } finally {
    await influxd.stop();
  }
}
