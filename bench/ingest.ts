// Line-protocol ingest, HyperbyteDB vs InfluxDB 1.6.7 in the same run: acked points/s, the
// sustained rate until every point is queryable, and each server's RSS after both and after IDLE_S
// seconds without load. Knobs: POINTS, BATCH, CONCURRENCY (e.g. "2,4"), SERVERS ("ours,influx"),
// IDLE_S (30; 0 skips it), CPU_PROF_DIR (our server runs with --cpu-prof into that directory; its
// profiles are written when it stops).
import { open, rm } from 'node:fs/promises';
import { request } from 'undici';
import { startInfluxd, influxdAvailable } from '../test/support/influxd.js';
import { cpuMicros, statusBytes } from './proc-stats.js';
import { startHyperbytedb } from '../test/support/hyperbytedb-server.js';
import { readBatch, writeBatchFile, HOSTS, type BatchFile } from './ingest-batches.js';

const POINTS = Number(process.env.POINTS ?? 1_000_000);
const BATCH = Number(process.env.BATCH ?? 5000);
const CONCURRENCY = (process.env.CONCURRENCY ?? '2,4').split(',').map(Number);
const SERVERS = new Set((process.env.SERVERS ?? 'ours,influx').split(','));
const CPU_PROF_DIR = process.env.CPU_PROF_DIR;
const IDLE_S = Number(process.env.IDLE_S ?? 30);

const rssBytes = (pid: number): Promise<number> => statusBytes(pid, 'VmRSS');

/** Our server's V8 heap in use (prom-client's nodejs_heap_size_used_bytes), NaN for influxd. */
async function heapUsedBytes(url: string): Promise<number> {
  try {
    const res = await request(`${url}/metrics`);
    const text = await res.body.text();
    const value = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1];
    return value === undefined ? NaN : Number(value);
  } catch {
    return NaN;
  }
}

async function query(url: string, db: string, q: string): Promise<unknown> {
  const res = await request(`${url}/query?db=${encodeURIComponent(db)}&q=${encodeURIComponent(q)}`);
  return res.body.json();
}

async function countPoints(url: string, db: string): Promise<number> {
  const body = (await query(url, db, 'SELECT count(usage_user) FROM cpu')) as {
    results: Array<{ series?: Array<{ values: Array<[string, number]> }> }>;
  };
  return body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
}

interface Result {
  readonly ackedPerSec: number;
  readonly sustainedPerSec: number;
  readonly rssAckedBytes: number;
  readonly rssSustainedBytes: number;
  readonly heapSustainedBytes: number;
  readonly rssFileSustainedBytes: number;
  /** RSS after IDLE_S seconds without load (NaN when IDLE_S is 0). */
  readonly rssIdleBytes: number;
  /** Server CPU time per point until the last ack and until every point was queryable (robust on a shared machine). */
  readonly cpuAckedMicrosPerPoint: number;
  readonly cpuSustainedMicrosPerPoint: number;
  /** Batches answered 503 (backpressure) and sent again. */
  readonly retries: number;
}

interface Server {
  readonly url: string;
  readonly pid: number;
}

async function run(server: Server, db: string, batches: BatchFile, concurrency: number): Promise<Result> {
  const { url } = server;
  await request(`${url}/query?q=${encodeURIComponent(`CREATE DATABASE ${db}`)}`, { method: 'POST' }).then((r) => r.body.dump());
  const file = await open(batches.path, 'r');
  try {
    let next = 0;
    let retries = 0;
    const cpuStart = await cpuMicros(server.pid);
    const started = performance.now();
    const worker = async (): Promise<void> => {
      while (next < batches.spans.length) {
        const body = await readBatch(file, batches.spans[next++]!);
        for (;;) {
          const res = await request(`${url}/write?db=${db}`, { method: 'POST', body });
          const text = await res.body.text();
          if (res.statusCode === 204) break;
          // Backpressure (our WAL's pending-bytes bound): a client retries the batch, as Telegraf does.
          if (res.statusCode !== 503) throw new Error(`write failed ${res.statusCode}: ${text}`);
          retries++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const ackedMs = performance.now() - started;
    const cpuAcked = (await cpuMicros(server.pid)) - cpuStart;
    const rssAckedBytes = await rssBytes(server.pid);
    const deadline = Date.now() + 1_800_000;
    while ((await countPoints(url, db)) < POINTS) {
      if (Date.now() > deadline) throw new Error('points never became queryable');
      await new Promise((r) => setTimeout(r, 100));
    }
    const sustainedMs = performance.now() - started;
    const cpuSustained = (await cpuMicros(server.pid)) - cpuStart;
    const rssSustainedBytes = await rssBytes(server.pid);
    const heapSustainedBytes = await heapUsedBytes(url);
    const rssFileSustainedBytes = await statusBytes(server.pid, 'RssFile');
    let rssIdleBytes = NaN;
    if (IDLE_S > 0) {
      await new Promise((r) => setTimeout(r, IDLE_S * 1000));
      rssIdleBytes = await rssBytes(server.pid);
    }
    return { ackedPerSec: (POINTS / ackedMs) * 1000, sustainedPerSec: (POINTS / sustainedMs) * 1000, rssAckedBytes, rssSustainedBytes, heapSustainedBytes, rssFileSustainedBytes, rssIdleBytes,
      cpuAckedMicrosPerPoint: cpuAcked / POINTS,
      cpuSustainedMicrosPerPoint: cpuSustained / POINTS,
      retries,
    };
  } finally {
    await file.close();
  }
}

const rate = (n: number | undefined): string => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const mib = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '-' : `${Math.round(n / 1048576).toLocaleString('en-US')} MiB`);
const micros = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || b === 0 || Number.isNaN(a) || Number.isNaN(b) ? '-' : `${(a / b).toFixed(2)}x`);

function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const oracle = influxdAvailable();
  if (SERVERS.has('influx') && !oracle.available) throw new Error(oracle.reason);
  const batches = await writeBatchFile(POINTS, BATCH);
  const rows: string[][] = [];
  try {
    const ours = SERVERS.has('ours') ? await startHyperbytedb(CPU_PROF_DIR ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] } : {}) : undefined;
    const influx = SERVERS.has('influx') ? await startInfluxd() : undefined;
    try {
      for (const concurrency of CONCURRENCY) {
        const db = `bench_c${concurrency}`;
        const theirs = influx ? await run(influx, db, batches, concurrency) : undefined;
        const mine = ours ? await run(ours, db, batches, concurrency) : undefined;
        const metrics: Array<[string, number | undefined, number | undefined, (n: number | undefined) => string]> = [
          ['acked pts/s', mine?.ackedPerSec, theirs?.ackedPerSec, rate],
          ['sustained pts/s', mine?.sustainedPerSec, theirs?.sustainedPerSec, rate],
          ['CPU µs/pt to acked', mine?.cpuAckedMicrosPerPoint, theirs?.cpuAckedMicrosPerPoint, micros],
          ['CPU µs/pt to sustained', mine?.cpuSustainedMicrosPerPoint, theirs?.cpuSustainedMicrosPerPoint, micros],
          ['RSS after acked', mine?.rssAckedBytes, theirs?.rssAckedBytes, mib],
          ['RSS after sustained', mine?.rssSustainedBytes, theirs?.rssSustainedBytes, mib],
          ['  of it file-backed', mine?.rssFileSustainedBytes, theirs?.rssFileSustainedBytes, mib],
          [`RSS after ${IDLE_S} s idle`, mine?.rssIdleBytes, theirs?.rssIdleBytes, mib],
          ['V8 heap used (ours)', mine?.heapSustainedBytes, undefined, mib],
          ['503 retries', mine?.retries, theirs?.retries, (n) => (n === undefined ? '-' : String(n))],
        ];
        for (const [name, a, b, fmt] of metrics) rows.push([`c=${concurrency} ${name}`, fmt(a), fmt(b), ratio(a, b)]);
        process.stdout.write(rows.slice(-metrics.length).map((r) => r.join('  ')).join('\n') + '\n');
      }
    } finally {
      await ours?.stop();
      await influx?.stop();
    }
  } finally {
    await rm(batches.dir, { recursive: true, force: true });
  }
  process.stdout.write(
    `\ningest of ${POINTS.toLocaleString('en-US')} points per concurrency (one server per side, databases in turn), batch ${BATCH}, ${HOSTS} hosts × 10 tags, 10 float fields\n` +
      table([['', 'ours', 'influxd 1.6.7', 'ours/influxd'], ...rows]) +
      '\n',
  );
}

await main();
