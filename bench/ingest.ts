// Line-protocol ingest, HyperbyteDB vs InfluxDB 1.6.7 in the same run: acked points/s and the
// sustained rate until every point is queryable. Knobs: POINTS, BATCH, CONCURRENCY (e.g. "2,4").
import { request } from 'undici';
import { startInfluxd, influxdAvailable } from '../test/support/influxd.js';
import { startHyperbytedb } from '../test/support/hyperbytedb-server.js';

const POINTS = Number(process.env.POINTS ?? 1_000_000);
const BATCH = Number(process.env.BATCH ?? 5000);
const CONCURRENCY = (process.env.CONCURRENCY ?? '2,4').split(',').map(Number);
const HOSTS = 100;
const FIELDS = ['usage_user', 'usage_system', 'usage_idle', 'usage_nice', 'usage_iowait', 'usage_irq', 'usage_softirq', 'usage_steal', 'usage_guest', 'usage_guest_nice'];
const START_NS = 1_700_000_000_000_000_000n;
const STEP_NS = 10_000_000_000n;

/** TSBS-like cpu lines: 100 hosts with 10 tags each, 10 float fields, 10 s apart per host. */
function makeBatches(): Buffer[] {
  const hostTags: string[] = [];
  for (let h = 0; h < HOSTS; h++) {
    hostTags.push(
      `hostname=host_${h},region=region_${h % 5},datacenter=dc_${h % 10},rack=${h % 20},os=Ubuntu16.04LTS,arch=x64,team=team_${h % 4},service=${h % 19},service_version=${h % 2},service_environment=${h % 3 === 0 ? 'production' : 'staging'}`,
    );
  }
  let seed = 42;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const batches: Buffer[] = [];
  let lines: string[] = [];
  for (let i = 0; i < POINTS; i++) {
    const host = i % HOSTS;
    const t = START_NS + BigInt(Math.floor(i / HOSTS)) * STEP_NS;
    let fields = '';
    for (let f = 0; f < FIELDS.length; f++) fields += (f ? ',' : '') + FIELDS[f] + '=' + (rand() * 100).toFixed(2);
    lines.push(`cpu,${hostTags[host]} ${fields} ${t}`);
    if (lines.length === BATCH) {
      batches.push(Buffer.from(lines.join('\n')));
      lines = [];
    }
  }
  if (lines.length) batches.push(Buffer.from(lines.join('\n')));
  return batches;
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
}

async function run(url: string, db: string, batches: Buffer[], concurrency: number): Promise<Result> {
  await request(`${url}/query?q=${encodeURIComponent(`CREATE DATABASE ${db}`)}`, { method: 'POST' }).then((r) => r.body.dump());
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const body = batches[next++]!;
      const res = await request(`${url}/write?db=${db}`, { method: 'POST', body });
      const text = await res.body.text();
      if (res.statusCode !== 204) throw new Error(`write failed ${res.statusCode}: ${text}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ackedMs = performance.now() - started;
  const deadline = Date.now() + 600_000;
  while ((await countPoints(url, db)) < POINTS) {
    if (Date.now() > deadline) throw new Error('points never became queryable');
    await new Promise((r) => setTimeout(r, 100));
  }
  const sustainedMs = performance.now() - started;
  return { ackedPerSec: (POINTS / ackedMs) * 1000, sustainedPerSec: (POINTS / sustainedMs) * 1000 };
}

async function main(): Promise<void> {
  const oracle = influxdAvailable();
  if (!oracle.available) throw new Error(oracle.reason);
  const batches = makeBatches();
  const ours = await startHyperbytedb();
  const influx = await startInfluxd();
  const rows: string[] = [];
  try {
    for (const concurrency of CONCURRENCY) {
      const db = `bench_c${concurrency}`;
      const influxResult = await run(influx.url, db, batches, concurrency);
      const oursResult = await run(ours.url, db, batches, concurrency);
      const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(11);
      rows.push(
        `c=${concurrency}  acked: ours ${fmt(oursResult.ackedPerSec)} pts/s  influx ${fmt(influxResult.ackedPerSec)} pts/s  ratio ${(oursResult.ackedPerSec / influxResult.ackedPerSec).toFixed(2)}x` +
          ` | sustained: ours ${fmt(oursResult.sustainedPerSec)}  influx ${fmt(influxResult.sustainedPerSec)}  ratio ${(oursResult.sustainedPerSec / influxResult.sustainedPerSec).toFixed(2)}x`,
      );
      process.stdout.write(rows.at(-1)! + '\n');
    }
  } finally {
    await ours.stop();
    await influx.stop();
  }
  process.stdout.write(`\ningest of ${POINTS.toLocaleString('en-US')} points, batch ${BATCH}, ${HOSTS} hosts × 10 tags, 10 float fields\n${rows.join('\n')}\n`);
}

await main();
