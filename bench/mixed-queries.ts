// Mixed-query benchmark: small single-host queries (TSBS single-groupby-1-1-1) from two clients
// while a third client runs heavy per-host aggregates without pause, on one server with
// query.read_connections = 1 and then with the default, in one run. Prints how many small
// queries each got through and their median and p99 latency, and the heavy queries done.
//
// Run: npm run bench:mixed-queries
// Knobs (env): POINTS (200000) SECONDS (15) CONNECTIONS ("1,2": the read_connections to compare)

import { request } from 'undici';
import { startHyperbytedb } from '../test/support/hyperbytedb-server.js';
import { tsbsCpuBatches } from './tsbs-data.js';
import { envInt } from './env.js';
import { latencyPercentile, runClientMix, type MixQuery } from './client-mix.js';

const points = envInt('POINTS', 200_000);
const seconds = envInt('SECONDS', 15);
const connections = (process.env['CONNECTIONS'] ?? '1,2').split(',').map((c) => c.trim());
const heavy = 'SELECT percentile(usage_user, 50), median(usage_system), stddev(usage_idle) FROM cpu GROUP BY hostname';

/** Client 0 sends heavy queries; clients 1 and 2 small ones, starting 50 hosts apart. */
function nextQuery(client: number, i: number): MixQuery {
  if (client === 0) return { kind: 'heavy', text: heavy };
  const host = ((i + (client - 1) * 50) * 37) % 100;
  return {
    kind: 'small',
    text: `SELECT max(usage_user) from cpu where (hostname = 'host_${host}') and time >= '2016-01-01T03:00:00Z' and time < '2016-01-01T04:00:00Z' group by time(1m)`,
  };
}

async function run(readConnections: string): Promise<string> {
  const server = await startHyperbytedb({ startTimeoutMs: 120_000, env: { HYPERBYTEDB__QUERY__READ_CONNECTIONS: readConnections } });
  try {
    const url = server.url;
    await request(`${url}/query?q=CREATE+DATABASE+benchmark`, { method: 'POST' }).then((r) => r.body.dump());
    for (const batch of tsbsCpuBatches({ hosts: 100, points, seed: 1 }, 5000)) {
      await (await request(`${url}/write?db=benchmark&precision=ms`, { method: 'POST', body: batch.join('\n') })).body.dump();
    }
    await (await request(`${url}/query?db=benchmark&q=${encodeURIComponent('SELECT count(usage_user) FROM cpu')}`)).body.dump();
    await new Promise((resolve) => setTimeout(resolve, 5000)); // let the load's merges finish
    const mix = await runClientMix({ url, db: 'benchmark', clients: 3, seconds, next: nextQuery });
    if (mix.errors > 0) throw new Error(`${mix.errors} queries failed, the first: ${mix.firstError ?? ''}`);
    const small = mix.latencies.get('small') ?? [];
    const heavyDone = mix.latencies.get('heavy')?.length ?? 0;
    const median = latencyPercentile(small, 50);
    const p99 = latencyPercentile(small, 99);
    return `read_connections=${readConnections}: ${small.length} small queries (median ${median.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms) next to ${heavyDone} heavy ones in ${seconds} s`;
  } finally {
    await server.stop();
  }
}

for (const readConnections of connections) process.stdout.write(`${await run(readConnections)}\n`);
