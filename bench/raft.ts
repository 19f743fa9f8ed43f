// Benchmark of @hyperbytedb/raft: 3 node processes on loopback (TCP transport, LevelDB, fsync per Ready).
// Measures proposals/s and commit latency at 1/16/128 in flight, and kill -9 → new-leader time; prints a table.
//
// Env knobs: RAFT_BENCH_SECONDS (per load level, default 5), RAFT_BENCH_KILLS (default 20),
// RAFT_BENCH_SIZE (proposal bytes, default 100), RAFT_BENCH_INFLIGHT (comma list, default 1,16,128,1024),
// RAFT_BENCH_WARMUP_SECONDS (default 3), RAFT_BENCH_NO_FSYNC=1 (unsafe: skip fsync, to separate CPU cost from disk latency).
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { RaftProcessCluster, sleep } from '../test/jepsen-lite/support/raft-process.js';

interface LoadResult {
  readonly ops: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly p50: number;
  readonly p99: number;
}

const seconds = Number(process.env['RAFT_BENCH_SECONDS'] ?? 5);
const kills = Number(process.env['RAFT_BENCH_KILLS'] ?? 20);
const size = Number(process.env['RAFT_BENCH_SIZE'] ?? 100);
const warmupSeconds = Number(process.env['RAFT_BENCH_WARMUP_SECONDS'] ?? 3);
const noSync = process.env['RAFT_BENCH_NO_FSYNC'] === '1';
const inflights = (process.env['RAFT_BENCH_INFLIGHT'] ?? '1,16,128,1024').split(',').map(Number);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function pct(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Baseline: what one synced LevelDB batch of `batch` entries costs on this disk right now (the floor under every Ready). */
async function syncedBatchBaseline(batch: number, rounds = 200): Promise<{ p50: number; p99: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'hb-raft-bench-fsync-'));
  const db = new ClassicLevel<string, Buffer>(dir, { valueEncoding: 'buffer' });
  try {
    await db.open();
    const latencies: number[] = [];
    const value = Buffer.alloc(size, 0x62);
    for (let round = 0; round < rounds; round++) {
      const ops = Array.from({ length: batch }, (_, i) => ({ type: 'put' as const, key: `l${round}-${i}`, value }));
      const t0 = performance.now();
      await db.batch(ops, { sync: true });
      latencies.push(performance.now() - t0);
    }
    return { p50: pct(latencies, 50), p99: pct(latencies, 99) };
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const baseline1 = await syncedBatchBaseline(1);
  const baseline128 = await syncedBatchBaseline(128);
  process.stdout.write(`baseline synced LevelDB batch: 1 entry p50 ${baseline1.p50.toFixed(2)} / p99 ${baseline1.p99.toFixed(2)} ms; 128 entries p50 ${baseline128.p50.toFixed(2)} / p99 ${baseline128.p99.toFixed(2)} ms\n`);
  process.stdout.write(`raft bench: 3 processes on 127.0.0.1, ${size}-byte proposals, ${seconds}s per level, load avg ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  const cluster = await RaftProcessCluster.start(3, { countOnly: true, ...(noSync ? { unsafeNoSync: true } : {}) });
  if (noSync) process.stdout.write('RAFT_BENCH_NO_FSYNC=1: LevelDB writes are NOT synced (CPU/network cost only; not a durability configuration)\n');
  try {
    let leader = await cluster.leader(30_000);
    // Warm-up: JIT, connections, LevelDB memtables. Short warm-ups under-report the first level badly.
    await leader.node.request({ op: 'bench', durationMs: warmupSeconds * 1000, inflight: 128, size }, warmupSeconds * 1000 + 60_000);
    const loads: { inflight: number; result: LoadResult }[] = [];
    for (const inflight of inflights) {
      leader = await cluster.leader(30_000);
      const result = await leader.node.request<LoadResult>({ op: 'bench', durationMs: seconds * 1000, inflight, size }, seconds * 1000 + 60_000);
      loads.push({ inflight, result });
      process.stdout.write(`  in flight ${inflight}: ${Math.round(result.ops / (result.elapsedMs / 1000))} proposals/s\n`);
    }

    const failovers: number[] = [];
    for (let round = 0; round < kills; round++) {
      const { node: victim, status } = await cluster.leader(30_000);
      const t0 = Date.now();
      await victim.kill();
      const from = cluster.roleEvents.length;
      await waitUntil('new leader', () => Promise.resolve(
        cluster.roleEvents.slice(from).some((e) => e.role === 'leader' && e.id !== victim.config.id && e.term > status.term)), 30_000);
      const elected = cluster.roleEvents.slice(from).find((e) => e.role === 'leader' && e.id !== victim.config.id)!;
      failovers.push(elected.at - t0);
      process.stdout.write(`  failover ${round + 1}/${kills}: ${elected.at - t0} ms (${victim.config.id} → ${elected.id})\n`);
      await victim.start();
      const next = await cluster.leader(30_000);
      await next.node.request({ op: 'propose', prefix: `k${round}`, count: 10, inflight: 1 });
      const target = (await next.node.status()).commitIndex;
      await waitUntil('restarted node caught up', async () => (await victim.status()).appliedIndex >= target, 30_000);
    }

    const rows = loads.map(({ inflight, result }) => {
      const rate = result.ops / (result.elapsedMs / 1000);
      return `| ${String(inflight).padStart(9)} | ${String(Math.round(rate)).padStart(12)} | ${result.p50.toFixed(2).padStart(8)} | ${result.p99.toFixed(2).padStart(8)} | ${String(result.failed).padStart(6)} |`;
    });
    process.stdout.write([
      '',
      `| in flight | proposals/s  | p50 ms   | p99 ms   | failed |`,
      `|-----------|--------------|----------|----------|--------|`,
      ...rows,
      '',
      `| failover (kill -9 leader → new leader, n=${failovers.length}) | median ${median(failovers)} ms | p90 ${pct(failovers, 90)} ms | max ${Math.max(...failovers)} ms |`,
      `baseline (one synced LevelDB batch, same disk, same run): 1 entry p50 ${baseline1.p50.toFixed(2)} / p99 ${baseline1.p99.toFixed(2)} ms; 128 entries p50 ${baseline128.p50.toFixed(2)} / p99 ${baseline128.p99.toFixed(2)} ms`,
      `  (a commit needs two synced batches in sequence: the leader's, then a follower's)`,
      `targets: >= 20000 proposals/s with batching; p99 <= 20 ms at 16 in flight; new leader <= 3000 ms`,
      `load avg after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
      '',
    ].join('\n'));
  } finally {
    await cluster.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
