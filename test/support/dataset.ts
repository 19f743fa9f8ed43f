// The deterministic dataset shared by the query corpus, its recorder and the differential test.
// Pure generation from a seeded PRNG and fixed start time; it must never read the clock or Math.random.
import { request } from 'undici';

/** Database the corpus queries run against. */
export const corpusDb = 'corpus';
/** First timestamp of the dataset; every series spans two hours from here. */
export const datasetStartRfc3339 = '2023-03-01T00:00:00Z';
export const datasetStartNs = BigInt(Date.parse(datasetStartRfc3339)) * 1_000_000n;
export const datasetDurationS = 2 * 60 * 60;

const nsPerS = 1_000_000_000n;

/** mulberry32: tiny, seedable and identical on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rounds to `digits` decimals so line protocol and JSON stay short and exact. */
function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Formats a float so line protocol never reads it as an integer (`5` would be fine, but be explicit). */
function float(value: number): string {
  return String(value);
}

interface CpuHost {
  readonly host: string;
  readonly tags: string;
  readonly cores: number;
}

// server04 has no env tag and server05 only a host tag: queries must handle missing tags.
const cpuHosts: readonly CpuHost[] = [
  { host: 'server01', tags: 'env=prod,host=server01,region=us-west', cores: 4 },
  { host: 'server02', tags: 'env=prod,host=server02,region=us-east', cores: 8 },
  { host: 'server03', tags: 'env=staging,host=server03,region=us-west', cores: 2 },
  { host: 'server04', tags: 'host=server04,region=eu-central', cores: 16 },
];

function cpuLines(rand: () => number, out: string[]): void {
  for (const h of cpuHosts) {
    let user = 20 + rand() * 40;
    let system = 5 + rand() * 10;
    for (let s = 0; s < datasetDurationS; s += 10) {
      user = Math.min(99.9, Math.max(0.1, user + (rand() - 0.5) * 6));
      system = Math.min(40, Math.max(0.1, system + (rand() - 0.5) * 2));
      const idle = round(100 - user - system, 3);
      const ts = datasetStartNs + BigInt(s) * nsPerS;
      // Every 7th point of server03 lacks usage_system: SELECT * must show nulls.
      const skipSystem = h.host === 'server03' && (s / 10) % 7 === 3;
      const fields = [
        `usage_user=${float(round(user, 3))}`,
        ...(skipSystem ? [] : [`usage_system=${float(round(system, 3))}`]),
        `usage_idle=${float(idle)}`,
        `cores=${h.cores}i`,
      ];
      out.push(`cpu,${h.tags} ${fields.join(',')} ${ts}`);
    }
  }
  // A host with only one tag and a short, sparse life: gaps for fill() to fill.
  for (let s = 600; s < 1800; s += 60) {
    if ((s / 60) % 4 === 1) continue;
    const ts = datasetStartNs + BigInt(s) * nsPerS;
    out.push(`cpu,host=server05 usage_user=${float(round(rand() * 100, 3))},usage_idle=${float(round(rand() * 50, 3))} ${ts}`);
  }
}

function memLines(rand: () => number, out: string[]): void {
  const hosts = ['server01', 'server02', 'server03'];
  for (const [i, host] of hosts.entries()) {
    const total = (i + 1) * 8 * 1024 * 1024 * 1024;
    let used = total * (0.3 + rand() * 0.3);
    for (let s = 0; s < datasetDurationS; s += 30) {
      used = Math.min(total * 0.95, Math.max(total * 0.05, used + (rand() - 0.5) * total * 0.02));
      const usedBytes = Math.round(used);
      const ts = datasetStartNs + BigInt(s) * nsPerS;
      out.push(
        `mem,host=${host} total=${total}i,used=${usedBytes}i,free=${total - usedBytes}i,` +
          `used_percent=${float(round((usedBytes / total) * 100, 4))} ${ts}`,
      );
    }
  }
}

function diskLines(rand: () => number, out: string[]): void {
  const disks = [
    { host: 'server01', path: '/', fstype: 'ext4' },
    { host: 'server01', path: '/data', fstype: 'xfs' },
    { host: 'server02', path: '/', fstype: 'ext4' },
  ];
  const modes = ['rw', 'ro', 'rw'];
  for (const d of disks) {
    let usedBytes = Math.round(rand() * 1e11);
    for (let s = 0; s < datasetDurationS; s += 60) {
      usedBytes += Math.round(rand() * 1e8);
      const ts = datasetStartNs + BigInt(s) * nsPerS;
      const healthy = rand() > 0.1;
      const mode = modes[Math.floor(rand() * modes.length)] ?? 'rw';
      out.push(
        `disk,fstype=${d.fstype},host=${d.host},path=${d.path} used_bytes=${usedBytes}i,` +
          `healthy=${healthy ? 'true' : 'false'},mode="${mode}" ${ts}`,
      );
    }
  }
}

/** Names that need quoting or escaping in InfluxQL and in line protocol. */
function trickyLines(rand: () => number, out: string[]): void {
  for (let s = 0; s < datasetDurationS; s += 300) {
    const ts = datasetStartNs + BigInt(s) * nsPerS;
    const v = round(rand() * 10, 2);
    out.push(`weird\\ measurement,tag\\ with\\ space=a\\,b,q"uote=yes value=${float(v)},field\\ with\\ space=${s}i ${ts}`);
    out.push(`net.if,iface=eth0,host=server01 rx=${Math.round(rand() * 1e6)}i,tx=${Math.round(rand() * 1e6)}i ${ts}`);
    out.push(`select,from=where value=${float(v)},text="say \\"hi\\", ok\\\\" ${ts}`);
    out.push(`unicode_µ,ort=Zürich temperature=${float(round(rand() * 30 - 5, 1))} ${ts}`);
  }
}

/** Irregular, nanosecond-precise timestamps: checks time formatting and epoch conversion. */
function eventLines(rand: () => number, out: string[]): void {
  let ts = datasetStartNs + 123_456_789n;
  const kinds = ['deploy', 'restart', 'alert'];
  for (let i = 0; i < 40; i++) {
    ts += BigInt(Math.floor(rand() * 180 * 1e9)) + 1n;
    const kind = kinds[i % kinds.length] ?? 'deploy';
    out.push(`events,kind=${kind},severity=${i % 5 === 0 ? 'high' : 'low'} count=${i + 1}i,message="event ${i}",duration=${float(round(rand() * 5, 6))} ${ts}`);
  }
}

/** Every line of the corpus dataset, in a fixed order. */
export function corpusDatasetLines(seed = 20230301): string[] {
  const rand = seededRandom(seed);
  const out: string[] = [];
  cpuLines(rand, out);
  memLines(rand, out);
  diskLines(rand, out);
  trickyLines(rand, out);
  eventLines(rand, out);
  return out;
}

export interface LoadOptions {
  readonly url: string;
  readonly db: string;
  readonly lines: readonly string[];
  readonly batchLines?: number;
  readonly precision?: 'ns' | 'u' | 'ms' | 's';
  /** Creates the database first (POST /query CREATE DATABASE). Default true. */
  readonly createDb?: boolean;
  readonly timeoutMs?: number;
}

/** Creates the database and writes the lines in batches; throws on any non-204 answer. */
export async function loadLines(opts: LoadOptions): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  if (opts.createDb ?? true) {
    const res = await request(`${opts.url}/query?q=${encodeURIComponent(`CREATE DATABASE "${opts.db}"`)}`, {
      method: 'POST',
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200 || text.includes('"error"')) {
      throw new Error(`CREATE DATABASE ${opts.db} failed: ${res.statusCode} ${text}`);
    }
  }
  const batch = opts.batchLines ?? 5000;
  const precision = opts.precision ?? 'ns';
  for (let i = 0; i < opts.lines.length; i += batch) {
    const body = opts.lines.slice(i, i + batch).join('\n') + '\n';
    const res = await request(`${opts.url}/write?db=${encodeURIComponent(opts.db)}&precision=${precision}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode !== 204) throw new Error(`write to ${opts.url} failed: ${res.statusCode} ${text}`);
  }
}

/** Loads the corpus dataset into `db` (default `corpus`) on the server at `url`. */
export async function loadCorpusDataset(url: string, db = corpusDb): Promise<number> {
  const lines = corpusDatasetLines();
  await loadLines({ url, db, lines });
  return lines.length;
}
