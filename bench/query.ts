// Query benchmark: TSBS devops queries against HyperbyteDB and InfluxDB 1.6.7 started in the same run, same data.
// Prints median/p99 per server and the ours/influx ratio, and checks that both answer identically (compare.ts).
//
// Run: npm run bench:query
// Knobs (env): POINTS (1000000) HOSTS (100) ITERATIONS (50) BATCH_LINES (5000) SEED (1)
//   WARMUP (5): untimed runs of each query on each server first (TSBS runs thousands of queries, so
//   its figures are of warm servers; a JIT-compiled server needs a few runs of a new query shape)
//   SETTLE_MS (30000): idle time between the load and the queries, as TSBS loads and queries in
//   separate runs; both servers finish their background merges/compactions of the load meanwhile
//   (and, as one untimed query of each shape goes first, whatever a first query starts)
//              QUERIES (comma list of names below; default all) INFLUX_ONLY=1 (skip ours) OURS_ONLY=1 (skip influxd)
//              SHOW_SAMPLE=1 (print each query's first text and answers, abbreviated)
//   CLIENTS (0): after the latency table, that many clients send queries at once without pause
//   for CLIENT_SECONDS (30), one server at a time, each client cycling through CLIENT_QUERIES
//   (default the TSBS devops queries: small single-host ones and heavy scans mixed); prints
//   queries per second for both servers side by side (bench/client-mix.ts). ITERATIONS=0 skips
//   the latency table.
//
// The InfluxQL is what TSBS's influx query generator emits
// (cmd/tsbs_generate_queries/databases/influx/devops.go), with its fmt strings:
//   single-groupby-M-H-1  GroupByTime(H hosts, M metrics, 1h):
//     "SELECT %s from cpu where %s and time >= '%s' and time < '%s' group by time(1m)"
//     select list = max(<metric>) joined with ", "; host filter = "(hostname = 'host_a' or hostname = 'host_b')"
//   cpu-max-all-8          MaxAllCPU(8 hosts, 8h):
//     "SELECT %s from cpu where %s and time >= '%s' and time < '%s' group by time(1h)"
//     select list = max() of all ten metrics joined with "," (no space)
//   double-groupby-1       GroupByTimeAndPrimaryTag(1 metric, 12h):
//     "SELECT %s from cpu where time >= '%s' and time < '%s' group by time(1h),hostname"   (mean())
//   high-cpu-1             HighCPUForHosts(1 host, 12h):
//     "SELECT * from cpu where usage_user > 90.0 %s and time >= '%s' and time < '%s'"  with %s = "and (hostname = ...)"
//   groupby-orderby-limit  GroupByOrderByLimit (random end of a 1h window):
//     "SELECT max(usage_user) from cpu WHERE time < '%s' group by time(1m) limit 5"
//   lastpoint              LastPointPerHost:
//     "SELECT * from cpu group by \"hostname\" order by time desc limit 1"
// Latest-value shapes beyond lastpoint (last() per host over all data, last(*), last() per region
// over the last hour, ORDER BY time DESC LIMIT 1 of two fields) and the other selectors per host over
// long ranges (first over all data, max with its time over 12h, top 3 over all data) are added here.
// Times are RFC3339 at whole seconds (Go's time.RFC3339), windows drawn uniformly inside the data like
// TSBS's TimeInterval.MustRandWindow. `count`, `show-tag-values` and the latest-value and selector
// queries are not TSBS's.
import { request } from 'undici';
import { startInfluxd, influxdAvailable } from '../test/support/influxd.js';
import { startHyperbytedb, hyperbytedbAvailable } from '../test/support/hyperbytedb-server.js';
import { seededRandom } from '../test/support/dataset.js';
import { compareResponses } from '../test/support/compare.js';
import { cpuFields, tsbsCpuBatches, tsbsShape, type TsbsOptions, type TsbsShape } from './tsbs-data.js';
import { envInt } from './env.js';
import { answeredCount, latencyPercentile, runClientMix, type ClientMixResult, type MixQuery } from './client-mix.js';

const db = 'benchmark';

const opts: TsbsOptions = { hosts: envInt('HOSTS', 100), points: envInt('POINTS', 1_000_000), seed: envInt('SEED', 1) };
const iterations = envInt('ITERATIONS', 50, 0);
const warmups = envInt('WARMUP', 5, 0);
const settleMs = envInt('SETTLE_MS', 30_000, 0);
const batchLines = envInt('BATCH_LINES', 5000);
const onlyQueries = new Set((process.env['QUERIES'] ?? '').split(',').filter((q) => q !== ''));
const clients = envInt('CLIENTS', 0, 0);
const clientSeconds = envInt('CLIENT_SECONDS', 30);
const clientQueries = (process.env['CLIENT_QUERIES'] ?? 'lastpoint,single-groupby-1-1-1,single-groupby-5-8-1,cpu-max-all-8,double-groupby-1,high-cpu-1,groupby-orderby-limit')
  .split(',')
  .map((q) => q.trim())
  .filter((q) => q !== '');
const requestTimeoutMs = 300_000;
const benchStartedMs = performance.now();

/** Progress line with the elapsed run time, so slow phases (start, load, settle) are visible. */
function log(line: string): void {
  process.stdout.write(`[${((performance.now() - benchStartedMs) / 1000).toFixed(1)}s] ${line}\n`);
}

interface Server {
  readonly name: 'ours' | 'influx';
  readonly url: string;
  stop(): Promise<void>;
}

type QueryMaker = (rand: () => number) => string;

function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function randomWindow(rand: () => number, shape: TsbsShape, durationMs: number): { start: string; end: string } {
  const span = Math.max(0, shape.endMs - durationMs - shape.startMs);
  const startMs = shape.startMs + Math.floor((rand() * span) / 1000) * 1000;
  return { start: rfc3339(startMs), end: rfc3339(startMs + durationMs) };
}

function hostWhere(rand: () => number, n: number): string {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(n, opts.hosts)) chosen.add(Math.floor(rand() * opts.hosts));
  return `(${[...chosen].map((h) => `hostname = 'host_${h}'`).join(' or ')})`;
}

const hourMs = 3_600_000;

function queryMakers(shape: TsbsShape): ReadonlyArray<readonly [string, QueryMaker]> {
  const groupByTime = (hosts: number, metrics: number): QueryMaker => (rand) => {
    const w = randomWindow(rand, shape, hourMs);
    const select = cpuFields.slice(0, metrics).map((m) => `max(${m})`).join(', ');
    return `SELECT ${select} from cpu where ${hostWhere(rand, hosts)} and time >= '${w.start}' and time < '${w.end}' group by time(1m)`;
  };
  return [
    ['lastpoint', () => 'SELECT * from cpu group by "hostname" order by time desc limit 1'],
    ['single-groupby-1-1-1', groupByTime(1, 1)],
    ['single-groupby-5-8-1', groupByTime(8, 5)],
    [
      'cpu-max-all-8',
      (rand) => {
        const w = randomWindow(rand, shape, 8 * hourMs);
        const select = cpuFields.map((m) => `max(${m})`).join(',');
        return `SELECT ${select} from cpu where ${hostWhere(rand, 8)} and time >= '${w.start}' and time < '${w.end}' group by time(1h)`;
      },
    ],
    [
      'double-groupby-1',
      (rand) => {
        const w = randomWindow(rand, shape, 12 * hourMs);
        return `SELECT mean(usage_user) from cpu where time >= '${w.start}' and time < '${w.end}' group by time(1h),hostname`;
      },
    ],
    [
      'high-cpu-1',
      (rand) => {
        const w = randomWindow(rand, shape, 12 * hourMs);
        return `SELECT * from cpu where usage_user > 90.0 and ${hostWhere(rand, 1)} and time >= '${w.start}' and time < '${w.end}'`;
      },
    ],
    [
      'groupby-orderby-limit',
      (rand) => {
        const w = randomWindow(rand, shape, hourMs);
        return `SELECT max(usage_user) from cpu WHERE time < '${w.end}' group by time(1m) limit 5`;
      },
    ],
    // Latest values per series (dashboards; HyperbyteDB's last-value cache answers them from memory).
    ['last-per-host', () => 'SELECT last(usage_user) FROM cpu GROUP BY hostname'],
    ['last-star-per-host', () => 'SELECT last(*) FROM cpu GROUP BY hostname'],
    [
      'last-recent-region',
      (rand) => `SELECT last(usage_user) FROM cpu WHERE time > '${rfc3339(shape.endMs - hourMs - Math.floor(rand() * 600) * 1000)}' GROUP BY region`,
    ],
    ['desc-limit-1-per-host', () => 'SELECT usage_user, usage_system FROM cpu GROUP BY hostname ORDER BY time DESC LIMIT 1'],
    // The other selectors per series over long ranges (read from chDB).
    ['first-per-host', () => 'SELECT first(usage_user) FROM cpu GROUP BY hostname'],
    [
      'max-per-host-12h',
      (rand) => {
        const w = randomWindow(rand, shape, 12 * hourMs);
        return `SELECT max(usage_user) FROM cpu WHERE time >= '${w.start}' and time < '${w.end}' GROUP BY hostname`;
      },
    ],
    ['top-3-per-host', () => 'SELECT top(usage_user, 3) FROM cpu GROUP BY hostname'],
    ['count', () => 'SELECT count(usage_user) FROM cpu'],
    ['show-tag-values', () => 'SHOW TAG VALUES FROM cpu WITH KEY = "hostname"'],
  ];
}

async function post(url: string, path: string, body: string): Promise<{ status: number; text: string }> {
  const res = await request(`${url}${path}`, {
    method: 'POST',
    body,
    headersTimeout: requestTimeoutMs,
    bodyTimeout: requestTimeoutMs,
  });
  return { status: res.statusCode, text: await res.body.text() };
}

/** One timed query; a transport failure becomes a status-0 answer so one bad query does not end the run. */
async function query(url: string, q: string): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  try {
    const res = await request(`${url}/query?db=${db}&q=${encodeURIComponent(q)}`, {
      headersTimeout: requestTimeoutMs,
      bodyTimeout: requestTimeoutMs,
    });
    const text = await res.body.text();
    return { status: res.statusCode, text, ms: performance.now() - started };
  } catch (err) {
    return { status: 0, text: `request failed: ${String(err)}`, ms: performance.now() - started };
  }
}

async function load(servers: readonly Server[], shape: TsbsShape): Promise<void> {
  for (const s of servers) {
    const r = await post(s.url, `/query?q=${encodeURIComponent(`CREATE DATABASE ${db}`)}`, '');
    if (r.status !== 200) throw new Error(`${s.name}: CREATE DATABASE failed: ${r.status} ${r.text}`);
  }
  const took = new Map<string, number>(servers.map((s) => [s.name, 0]));
  const started = performance.now();
  let sent = 0;
  let lastReport = started;
  for (const batch of tsbsCpuBatches(opts, batchLines)) {
    const body = batch.join('\n');
    // The same batch goes to both servers at once, so neither gets a warmer page cache or an idle CPU.
    await Promise.all(
      servers.map(async (s) => {
        const t0 = performance.now();
        const r = await post(s.url, `/write?db=${db}&precision=ms`, body);
        took.set(s.name, (took.get(s.name) ?? 0) + performance.now() - t0);
        if (r.status !== 204) throw new Error(`${s.name}: write failed: ${r.status} ${r.text.slice(0, 500)}`);
      }),
    );
    sent += batch.length;
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      log(`loaded ${sent}/${shape.points} points`);
    }
  }
  for (const s of servers) {
    const ms = took.get(s.name) ?? 0;
    log(`${s.name}: ${shape.points} points written in ${(ms / 1000).toFixed(1)} s of request time (${Math.round(shape.points / (ms / 1000))} points/s)`);
  }
}

async function waitForCount(servers: readonly Server[], expected: number, timeoutMs: number): Promise<void> {
  for (const s of servers) {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const r = await query(s.url, 'SELECT count(usage_user) FROM cpu');
      last = r.text;
      const m = /"values":\[\["[^"]*",(\d+)\]\]/.exec(r.text);
      if (m !== null && Number(m[1]) === expected) break;
      if (Date.now() > deadline) throw new Error(`${s.name}: count never reached ${expected}; last answer ${last.slice(0, 300)}`);
      await new Promise((r2) => setTimeout(r2, 500));
    }
    log(`${s.name}: count(usage_user) = ${expected}`);
  }
}

/** The in-memory caches' sizes, hits, misses and loads on our /metrics. */
async function cacheCounts(url: string): Promise<string> {
  const text = await (await request(`${url}/metrics`)).body.text();
  return (['last_value', 'first_value', 'recent_points'] as const)
    .map((name) => {
      const prefix = `hyperbytedb_${name}_cache_`;
      const lines = text.split('\n').filter((l) => l.startsWith(prefix));
      return `${name.replace('_', '-')} cache ${lines.map((l) => l.replace(prefix, '')).join(', ')}`;
    })
    .join('; ');
}

/** Seeds a query maker's random draws from the run's seed and a name (and a client number). */
function seedFor(name: string, client = 0): number {
  return opts.seed * 1000 + client * 7919 + [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
}

/**
 * Query source of the clients mode: client c sends CLIENT_QUERIES in turn starting at its own
 * offset, each query drawn from its own seeded stream, so every server gets the same sequence.
 */
function clientQuerySource(makers: ReadonlyMap<string, QueryMaker>): (client: number, i: number) => MixQuery {
  const rands = new Map<number, () => number>();
  return (client, i) => {
    const kind = clientQueries[(client + i) % clientQueries.length] ?? '';
    const make = makers.get(kind);
    if (make === undefined) throw new Error(`CLIENT_QUERIES names an unknown query: ${kind}`);
    let rand = rands.get(client);
    if (rand === undefined) {
      rand = seededRandom(seedFor('clients', client));
      rands.set(client, rand);
    }
    return { kind, text: make(rand) };
  };
}

/** Runs the clients mode on each server in turn (never both at once) and prints them side by side. */
async function runClients(servers: readonly Server[], shape: TsbsShape): Promise<void> {
  const makers = new Map(queryMakers(shape));
  for (const kind of clientQueries) if (!makers.has(kind)) throw new Error(`CLIENT_QUERIES names an unknown query: ${kind}`);
  const results = new Map<string, ClientMixResult>();
  for (const s of servers) {
    // One untimed run of each query shape, so a server that skipped the latency table starts warm too.
    const warm = new Map(queryMakers(shape));
    for (const kind of clientQueries) await query(s.url, (warm.get(kind) ?? (() => ''))(seededRandom(seedFor(kind))));
    log(`${s.name}: ${clients} clients for ${clientSeconds} s`);
    results.set(s.name, await runClientMix({ url: s.url, db, clients, seconds: clientSeconds, next: clientQuerySource(makers), requestTimeoutMs }));
  }
  const rows: string[][] = [['query', 'influx n', 'influx med', 'ours n', 'ours med']];
  for (const kind of clientQueries) {
    const cell = (server: string): [string, string] => {
      const l = results.get(server)?.latencies.get(kind) ?? [];
      return [String(l.length), fmt(latencyPercentile(l, 50))];
    };
    rows.push([kind, ...cell('influx'), ...cell('ours')]);
  }
  const qps = (server: string): number => {
    const r = results.get(server);
    return r === undefined ? Number.NaN : answeredCount(r) / (r.elapsedMs / 1000);
  };
  rows.push(['queries/s', qps('influx').toFixed(1), '', qps('ours').toFixed(1), '']);
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  process.stdout.write(`\n${clients} clients at once for ${clientSeconds} s per server (answered queries and median ms per query; ours/influx queries/s ${(qps('ours') / qps('influx')).toFixed(2)}):\n`);
  for (const r of rows) process.stdout.write(`  ${r.map((cell, c) => cell.padStart(widths[c] ?? 0)).join('  ')}\n`);
  for (const [server, r] of results) if (r.errors > 0) process.stdout.write(`  ${server}: ${r.errors} queries failed, the first: ${r.firstError ?? ''}\n`);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

function fmt(ms: number): string {
  return Number.isNaN(ms) ? 'n/a' : ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

async function main(): Promise<void> {
  const shape = tsbsShape(opts);
  process.stdout.write(
    `bench:query — TSBS devops cpu, ${opts.hosts} hosts, ${shape.points} points (${shape.timestamps} timestamps × 10s from ${rfc3339(shape.startMs)}), ${iterations} iterations after ${warmups} warm-up runs per query\n`,
  );
  const servers: Server[] = [];
  try {
    if (process.env['INFLUX_ONLY'] !== '1') {
      const avail = hyperbytedbAvailable();
      if (avail.available) {
        const h = await startHyperbytedb({ startTimeoutMs: 120_000 });
        servers.push({ name: 'ours', url: h.url, stop: h.stop });
        log(`ours: started at ${h.url} (data dir ${h.dataDir})`);
      } else log(`ours: skipped (${avail.reason})`);
    }
    if (process.env['OURS_ONLY'] !== '1') {
      const avail = influxdAvailable();
      if (avail.available) {
        const h = await startInfluxd();
        servers.push({ name: 'influx', url: h.url, stop: h.stop });
        log(`influx: started at ${h.url}`);
      } else log(`influx: skipped (${avail.reason})`);
    }
    if (servers.length === 0) throw new Error('no server to benchmark');
    await load(servers, shape);
    await waitForCount(servers, shape.points, 300_000);
    // One untimed query of each shape first, so the settle also covers what a server's first query
    // starts (our in-memory caches load then; a deployed server has long answered its first query).
    for (const [name, make] of queryMakers(shape)) {
      if (onlyQueries.size > 0 && !onlyQueries.has(name)) continue;
      for (const s of servers) await query(s.url, make(seededRandom(seedFor(`${name}-prime`))));
    }
    if (settleMs > 0) {
      log(`settling ${settleMs} ms before the queries (SETTLE_MS)`);
      await new Promise((resolve) => setTimeout(resolve, settleMs));
    }

    const rows: string[][] = [['query', 'influx med', 'influx p99', 'ours med', 'ours p99', 'ours/influx', 'mismatches']];
    const mismatchNotes: string[] = [];
    for (const [name, make] of queryMakers(shape)) {
      if (onlyQueries.size > 0 && !onlyQueries.has(name)) continue;
      if (iterations === 0) break;
      const rand = seededRandom(seedFor(name));
      const times = new Map<string, number[]>(servers.map((s) => [s.name, []]));
      let mismatches = 0;
      for (let i = 0; i < warmups; i++) {
        const q = make(rand);
        for (const s of servers) await query(s.url, q);
      }
      for (let i = 0; i < iterations; i++) {
        const q = make(rand);
        // Alternate who goes first so neither server always runs on the other's warmed caches.
        const order = i % 2 === 0 ? servers : [...servers].reverse();
        const answers = new Map<string, { status: number; text: string }>();
        for (const s of order) {
          const r = await query(s.url, q);
          times.get(s.name)?.push(r.ms);
          answers.set(s.name, r);
        }
        if (i === 0 && process.env['SHOW_SAMPLE'] === '1') {
          log(`${name}: ${q}`);
          for (const [server, a] of answers) log(`  ${server} ${a.status}: ${a.text.slice(0, 300)}`);
        }
        const ours = answers.get('ours');
        const influx = answers.get('influx');
        if (ours !== undefined && influx !== undefined) {
          const cmp = compareResponses({ status: influx.status, body: influx.text }, { status: ours.status, body: ours.text }, { maxDiffs: 3 });
          if (!cmp.equal) {
            mismatches++;
            if (mismatches <= 2) mismatchNotes.push(`${name}: ${q}\n      ${cmp.diffs.join('\n      ')}`);
          }
        } else if (influx !== undefined && (influx.status !== 200 || influx.text.includes('"error"'))) {
          mismatchNotes.push(`${name}: influx answered with an error: ${influx.text.slice(0, 200)}`);
        }
      }
      const stat = (server: string): { med: number; p99: number } => {
        const sorted = [...(times.get(server) ?? [])].sort((a, b) => a - b);
        return { med: percentile(sorted, 50), p99: percentile(sorted, 99) };
      };
      const inf = stat('influx');
      const our = stat('ours');
      const ratio = our.med / inf.med;
      rows.push([name, fmt(inf.med), fmt(inf.p99), fmt(our.med), fmt(our.p99), Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a', servers.length === 2 ? `${mismatches}/${iterations}` : 'n/a']);
    }
    const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
    if (iterations > 0) process.stdout.write(`\nlatency in ms (median and p99 over ${iterations} iterations per server${iterations < 100 ? '; with under 100 samples p99 is the max' : ''}):\n`);
    if (iterations > 0) for (const r of rows) process.stdout.write(`  ${r.map((cell, c) => cell.padStart(widths[c] ?? 0)).join('  ')}\n`);
    if (clients > 0) await runClients(servers, shape);
    const ours = servers.find((s) => s.name === 'ours');
    if (ours !== undefined) process.stdout.write(`\nours: ${await cacheCounts(ours.url)}\n`);
    if (mismatchNotes.length > 0) {
      process.stdout.write('\nmismatches (influx is expected, ours is actual):\n');
      for (const note of mismatchNotes) process.stdout.write(`  ${note}\n`);
    }
  } finally {
    for (const s of servers.reverse()) await s.stop();
  }
}

await main();
