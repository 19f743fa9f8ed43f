// Cluster ingest, side by side in one run: the same TSBS cpu load (ms precision) against one node
// and against a three-node cluster at consistency=quorum, acked points/s and per-request latency
// (the replication's added cost), the CPU time every server process used per acknowledged point
// (what bounds the cluster when all its nodes share one machine's cores), then the hinted-handoff
// drain rate after one node was down.
// Knobs: POINTS (1000000), BATCH (5000), CONCURRENCY (4), OUTAGE_S (60), CONSISTENCY (quorum).
import { availableParallelism } from 'node:os';
import { request } from 'undici';
import { startHyperbytedb } from '../test/support/hyperbytedb-server.js';
import { startCluster } from '../test/support/hyperbytedb-cluster.js';
import { tsbsCpuBatches } from './tsbs-data.js';
import { envInt } from './env.js';
import { cpuMicros } from './proc-stats.js';

const POINTS = envInt('POINTS', 1_000_000);
const BATCH = envInt('BATCH', 5000);
const CONCURRENCY = envInt('CONCURRENCY', 4);
const OUTAGE_S = envInt('OUTAGE_S', 60, 0);
const CONSISTENCY = process.env.CONSISTENCY ?? 'quorum';

const batches = [...tsbsCpuBatches({ hosts: 100, points: POINTS, seed: 7 }, BATCH)].map((lines) => Buffer.from(lines.join('\n')));

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function createDb(url: string, db: string): Promise<void> {
  const res = await request(`${url}/query?q=${encodeURIComponent(`CREATE DATABASE ${db}`)}`, { method: 'POST' });
  await res.body.dump();
}

async function count(url: string, db: string): Promise<number> {
  const res = await request(`${url}/query?db=${db}&q=${encodeURIComponent('SELECT count(usage_user) FROM cpu')}`, { headersTimeout: 120_000, bodyTimeout: 120_000 });
  const json = (await res.body.json()) as { results: Array<{ series?: Array<{ values: Array<[string, number]> }> }> };
  return json.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
}

interface LoadResult {
  readonly pointsPerSec: number;
  readonly points: number;
  /** CPU time the given server processes used during the load, in µs (all threads). */
  readonly cpuMicros: number;
  readonly latenciesMs: number[];
  /** Batches answered 503/504 (stored on the coordinator but not acknowledged at the level asked). */
  readonly unacked: number;
}

async function totalCpuMicros(pids: readonly number[]): Promise<number> {
  return (await Promise.all(pids.map(cpuMicros))).reduce((sum, micros) => sum + micros, 0);
}

async function load(url: string, db: string, params: string, from = 0, to = batches.length, pids: readonly number[] = []): Promise<LoadResult> {
  const cpuStart = await totalCpuMicros(pids);
  let next = from;
  let unacked = 0;
  const latenciesMs: number[] = [];
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < to) {
      const body = batches[next++]!;
      const t0 = performance.now();
      const res = await request(`${url}/write?db=${db}&precision=ms${params}`, { method: 'POST', body, headersTimeout: 60_000, bodyTimeout: 60_000 });
      const text = await res.body.text();
      if (res.statusCode === 503 || res.statusCode === 504) {
        unacked++;
        continue;
      }
      if (res.statusCode !== 204) throw new Error(`write failed ${res.statusCode}: ${text}`);
      latenciesMs.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const points = Math.min(POINTS, (to - from) * BATCH) - unacked * BATCH;
  const elapsedMs = performance.now() - started;
  return { pointsPerSec: (points / elapsedMs) * 1000, points, cpuMicros: (await totalCpuMicros(pids)) - cpuStart, latenciesMs: latenciesMs.sort((a, b) => a - b), unacked };
}

function describe(result: LoadResult): string {
  return `${Math.round(result.pointsPerSec).toLocaleString('en-US').padStart(9)} pts/s  latency p50 ${percentile(result.latenciesMs, 0.5).toFixed(1)} ms p99 ${percentile(result.latenciesMs, 0.99).toFixed(1)} ms${result.unacked > 0 ? `  (${result.unacked} batches not acknowledged: 503/504)` : ''}`;
}

async function main(): Promise<void> {
  process.stdout.write(`cluster bench: ${POINTS.toLocaleString('en-US')} TSBS cpu points, batch ${BATCH}, concurrency ${CONCURRENCY}, consistency ${CONSISTENCY}\n`);
  const single = await startHyperbytedb();
  let singleResult: LoadResult;
  try {
    await createDb(single.url, 'bench');
    singleResult = await load(single.url, 'bench', '', 0, batches.length, [single.pid]);
  } finally {
    await single.stop();
  }
  process.stdout.write(`one node           ${describe(singleResult)}\n`);

  const cluster = await startCluster({ size: 3 });
  try {
    const [n1, n2, n3] = cluster.nodes;
    await createDb(n1!.url, 'bench');
    const clusterResult = await load(n1!.url, 'bench', `&consistency=${CONSISTENCY}`, 0, batches.length, cluster.nodes.map((n) => n.handle?.pid ?? -1));
    process.stdout.write(`three nodes        ${describe(clusterResult)}\n`);
    process.stdout.write(`ratio              ${(clusterResult.pointsPerSec / singleResult.pointsPerSec).toFixed(2)}x of one node (target >= 0.7x); added latency p50 ${(percentile(clusterResult.latenciesMs, 0.5) - percentile(singleResult.latenciesMs, 0.5)).toFixed(1)} ms, p99 ${(percentile(clusterResult.latenciesMs, 0.99) - percentile(singleResult.latenciesMs, 0.99)).toFixed(1)} ms\n`);
    // Every node stores every point, so three nodes on one machine spend about three times the
    // CPU a point costs one node: on this machine's cores that sets a ceiling on the cluster's rate.
    const singleCpu = singleResult.cpuMicros / singleResult.points;
    const clusterCpu = clusterResult.cpuMicros / clusterResult.points;
    const cores = availableParallelism();
    const ceiling = (cores * 1_000_000) / clusterCpu;
    process.stdout.write(`CPU per point      one node ${singleCpu.toFixed(1)} µs, three nodes ${clusterCpu.toFixed(1)} µs (all processes, during the load); on ${cores} cores the three nodes' CPU ceiling is ${Math.round(ceiling).toLocaleString('en-US')} pts/s = ${(ceiling / singleResult.pointsPerSec).toFixed(2)}x of one node's rate\n`);

    if (OUTAGE_S > 0) {
      // Hinted handoff: n3 is down while writes continue at quorum for OUTAGE_S (cycling over the
      // batches: every write is a new WAL entry n3 must receive), then it restarts and catches up.
      await createDb(n1!.url, 'handoff');
      await cluster.kill(n3!.id);
      const outageStarted = performance.now();
      let written = 0;
      let index = 0;
      while (performance.now() - outageStarted < OUTAGE_S * 1000) {
        const end = Math.min(batches.length, index + CONCURRENCY);
        await load(n1!.url, 'handoff', '&consistency=quorum', index, end);
        written += (end - index) * BATCH;
        index = end % batches.length;
      }
      const expected = await count(n1!.url, 'handoff');
      await cluster.start(n3!.id);
      const restarted = performance.now();
      for (;;) {
        const metrics = (await (await request(`${n1!.url}/cluster/metrics`)).body.json()) as { replication: Array<{ peer: string; pendingEntries: number }> };
        const pending = metrics.replication.find((r) => r.peer === n3!.id)?.pendingEntries ?? 1;
        if (pending === 0 && (await count(n3!.url, 'handoff').catch(() => 0)) === expected) break;
        if (performance.now() - restarted > 900_000) throw new Error('n3 never caught up');
        await new Promise((r) => setTimeout(r, 200));
      }
      const drainS = (performance.now() - restarted) / 1000;
      process.stdout.write(`hinted handoff     ${written.toLocaleString('en-US')} points written during a ${OUTAGE_S} s outage of n3; it held all of them ${drainS.toFixed(1)} s after its restart (process start included): ${Math.round(written / drainS).toLocaleString('en-US')} pts/s\n`);
      void n2;
    }
  } finally {
    await cluster.stop();
  }
}

await main();
