// Where our server's resident memory goes during and after an ingest: the kernel's view (RssAnon,
// RssFile, libchdb.so's mapped pages), V8's (main thread and flush encoder), chDB's own account
// (memory tracker, caches, jemalloc resident and retained) and what is left unexplained, sampled
// when every point is acked, when the flush has caught up, after a read of everything, and IDLE_S
// seconds later. Knobs: POINTS, BATCH, CONCURRENCY (one number), IDLE_S, and HYPERBYTEDB__* settings
// which are handed to the server (e.g. HYPERBYTEDB__STORAGE__CHDB_MARK_CACHE_SIZE=64MiB).
import { open, readFile } from 'node:fs/promises';
import { request } from 'undici';
import { startHyperbytedb, type HyperbytedbHandle } from '../test/support/hyperbytedb-server.js';
import { envInt } from './env.js';
import { cpuMicros } from './proc-stats.js';
import { readBatch, writeBatchFile, type BatchFile } from './ingest-batches.js';
import { rm } from 'node:fs/promises';

const POINTS = envInt('POINTS', 1_000_000);
const BATCH = envInt('BATCH', 5000);
const CONCURRENCY = envInt('CONCURRENCY', 2);
const IDLE_S = envInt('IDLE_S', 30, 0);
const DB = 'bench_memory';

/** Resident pages of /proc/PID/smaps by where they come from, in bytes. */
interface KernelView {
  readonly rss: number;
  readonly rssAnon: number;
  readonly rssFile: number;
  readonly libchdb: number;
  /** Anonymous mappings of 64 MiB or more, as glibc's and jemalloc's arenas and V8's spaces map them. */
  readonly anonLarge: number;
  readonly anonOther: number;
}

async function kernelView(pid: number): Promise<KernelView> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  const smaps = await readFile(`/proc/${pid}/smaps`, 'utf8');
  let libchdb = 0;
  let anonLarge = 0;
  let anonOther = 0;
  let name = '';
  let sizeBytes = 0;
  for (const line of smaps.split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      name = header[1] ?? '';
      continue;
    }
    const size = /^Size:\s+(\d+) kB/.exec(line);
    if (size) sizeBytes = Number(size[1]) * 1024;
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (!rss) continue;
    const bytes = Number(rss[1]) * 1024;
    if (name.includes('libchdb')) libchdb += bytes;
    else if (name === '' || name === '[heap]' || name.startsWith('[anon')) {
      if (sizeBytes >= 64 * 1024 * 1024) anonLarge += bytes;
      else anonOther += bytes;
    }
  }
  return { rss: kb('VmRSS'), rssAnon: kb('RssAnon'), rssFile: kb('RssFile'), libchdb, anonLarge, anonOther };
}

/** Our /metrics as name{labels} → value. */
async function scrape(url: string): Promise<Map<string, number>> {
  const res = await request(`${url}/metrics`);
  const text = await res.body.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

interface Sample {
  readonly stage: string;
  readonly kernel: KernelView;
  readonly metrics: Map<string, number>;
}

async function sample(server: HyperbytedbHandle, stage: string): Promise<Sample> {
  // Scraped first: the scrape's own chDB read is then part of what the kernel shows.
  const metrics = await scrape(server.url);
  return { stage, kernel: await kernelView(server.pid), metrics };
}

async function ingest(server: HyperbytedbHandle, batches: BatchFile): Promise<void> {
  const file = await open(batches.path, 'r');
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.spans.length) {
        const body = await readBatch(file, batches.spans[next++]!);
        for (;;) {
          const res = await request(`${server.url}/write?db=${DB}`, { method: 'POST', body });
          const text = await res.body.text();
          if (res.statusCode === 204) break;
          if (res.statusCode !== 503) throw new Error(`write failed ${res.statusCode}: ${text}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    await file.close();
  }
}

/** Waits (bounded) until the flushed watermark reaches the last WAL sequence, without a read. */
async function flushCaughtUp(server: HyperbytedbHandle): Promise<void> {
  const deadline = Date.now() + 1_800_000;
  for (;;) {
    const metrics = await scrape(server.url);
    if (metrics.get('hyperbytedb_wal_flushed_sequence')! >= metrics.get('hyperbytedb_wal_last_sequence')!) return;
    if (Date.now() > deadline) throw new Error('the flush never caught up');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function countAll(server: HyperbytedbHandle): Promise<number> {
  const res = await request(`${server.url}/query?db=${DB}&q=${encodeURIComponent('SELECT count(usage_user) FROM cpu')}`);
  const body = (await res.body.json()) as { results: Array<{ series?: Array<{ values: Array<[string, number]> }> }> };
  return body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
}

const mib = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '-' : (n / 1048576).toFixed(0));

function rows(samples: readonly Sample[]): string[][] {
  const m = (s: Sample, key: string): number | undefined => s.metrics.get(key);
  const lines: Array<[string, (s: Sample) => number | undefined]> = [
    ['RSS (VmRSS)', (s) => s.kernel.rss],
    ['  RssFile', (s) => s.kernel.rssFile],
    ['    of it libchdb.so', (s) => s.kernel.libchdb],
    ['  RssAnon', (s) => s.kernel.rssAnon],
    ['    in anon maps >= 64 MiB', (s) => s.kernel.anonLarge],
    ['    in smaller anon maps', (s) => s.kernel.anonOther],
    ['V8 main heap used', (s) => m(s, 'nodejs_heap_size_used_bytes')],
    ['V8 main heap total', (s) => m(s, 'nodejs_heap_size_total_bytes')],
    ['V8 external (Buffers)', (s) => m(s, 'nodejs_external_memory_bytes')],
    ['encoder heap used', (s) => m(s, 'hyperbytedb_flush_encoder_heap_bytes{kind="used"}')],
    ['encoder heap total', (s) => m(s, 'hyperbytedb_flush_encoder_heap_bytes{kind="total"}')],
    ['chDB MemoryTracking', (s) => m(s, 'hyperbytedb_chdb_memory_tracked_bytes')],
    ['chDB mark cache', (s) => m(s, 'hyperbytedb_chdb_cache_bytes{cache="mark"}')],
    ['chDB primary index cache', (s) => m(s, 'hyperbytedb_chdb_cache_bytes{cache="primary_index"}')],
    ['chDB uncompressed cache', (s) => m(s, 'hyperbytedb_chdb_cache_bytes{cache="uncompressed"}')],
    ['chDB query condition cache', (s) => m(s, 'hyperbytedb_chdb_cache_bytes{cache="query_condition"}')],
    ['jemalloc allocated', (s) => m(s, 'hyperbytedb_chdb_jemalloc_bytes{kind="allocated"}')],
    ['jemalloc resident', (s) => m(s, 'hyperbytedb_chdb_jemalloc_bytes{kind="resident"}')],
    ['jemalloc retained (no RAM)', (s) => m(s, 'hyperbytedb_chdb_jemalloc_bytes{kind="retained"}')],
    [
      'RssAnon - V8 - jemalloc',
      (s) => s.kernel.rssAnon - (m(s, 'nodejs_heap_size_total_bytes') ?? 0) - (m(s, 'hyperbytedb_flush_encoder_heap_bytes{kind="total"}') ?? 0) - (m(s, 'hyperbytedb_chdb_jemalloc_bytes{kind="resident"}') ?? 0),
    ],
  ];
  return [['MiB', ...samples.map((s) => s.stage)], ...lines.map(([name, get]) => [name, ...samples.map((s) => mib(get(s)))])];
}

function table(cells: ReadonlyArray<readonly string[]>): string {
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  return cells.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('HYPERBYTEDB__') && v !== undefined) env[k] = v;
  const batches = await writeBatchFile(POINTS, BATCH);
  const server = await startHyperbytedb({ env });
  const samples: Sample[] = [];
  try {
    await request(`${server.url}/query?q=${encodeURIComponent(`CREATE DATABASE ${DB}`)}`, { method: 'POST' }).then((r) => r.body.dump());
    samples.push(await sample(server, 'idle start'));
    const started = performance.now();
    const cpuStart = await cpuMicros(server.pid);
    await ingest(server, batches);
    const ackedS = (performance.now() - started) / 1000;
    const cpuAcked = ((await cpuMicros(server.pid)) - cpuStart) / POINTS;
    samples.push(await sample(server, 'acked'));
    await flushCaughtUp(server);
    const flushedS = (performance.now() - started) / 1000;
    const cpuFlushed = ((await cpuMicros(server.pid)) - cpuStart) / POINTS;
    samples.push(await sample(server, 'flushed'));
    const counted = await countAll(server);
    if (counted !== POINTS) throw new Error(`counted ${counted} points, wrote ${POINTS}`);
    samples.push(await sample(server, 'read'));
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    samples.push(await sample(server, `idle ${IDLE_S}s`));
    process.stdout.write(
      `memory of our server over an ingest of ${POINTS.toLocaleString('en-US')} points (batch ${BATCH}, concurrency ${CONCURRENCY}; acked in ${ackedS.toFixed(1)} s, flushed in ${flushedS.toFixed(1)} s; server CPU ${cpuAcked.toFixed(1)} µs/pt to acked, ${cpuFlushed.toFixed(1)} to flushed)` +
        (Object.keys(env).length > 0 ? `, settings ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}` : '') +
        '\n' +
        table(rows(samples)) +
        '\n',
    );
  } finally {
    await server.stop();
    await rm(batches.dir, { recursive: true, force: true });
  }
}

await main();
