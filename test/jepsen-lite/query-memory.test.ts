// The real server under a 256 MB JavaScript heap, with many heavy grouped queries and chunked
// queries at once: the process survives, every query either answers correctly or fails with the
// memory budget's statement error, /ping keeps answering, and the resident memory stays bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { request } from 'undici';
import { hyperbytedbAvailable, startHyperbytedb } from '../support/hyperbytedb-server.js';

const availability = hyperbytedbAvailable();

const HOSTS = 100;
const POINTS_PER_HOST = 2_000;
const STEP_S = 30;
const GROUPED = 12;
const CHUNKED = 6;
const QUERY = 'SELECT mean(v) FROM big GROUP BY time(1m), host';
/** Generous for a loaded CI box; the real figures are reported as diagnostics. */
const PING_MAX_MS = 500;
const RSS_MAX_MB = 1_500;
/** The queries' deadline: seconds on a quiet machine, under a minute on a loaded one. */
const STORM_MS = 100_000;
const BUDGET_ERROR = /^max-query-memory limit exceeded: /;

/** Polls /ping every `everyMs` until told to stop, then posts the latencies and the failures. */
const PINGER = `
const { parentPort, workerData } = require('node:worker_threads');
let running = true;
parentPort.once('message', () => { running = false; });
(async () => {
  const pings = [];
  let failures = 0;
  while (running) {
    const started = performance.now();
    try {
      const res = await fetch(workerData.url + '/ping', { signal: AbortSignal.timeout(10000) });
      await res.arrayBuffer();
      if (res.status !== 204) failures++;
    } catch {
      failures++;
    }
    pings.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, workerData.everyMs));
  }
  parentPort.postMessage({ pings, failures });
})();
`;

type Row = [string, number | null];
interface Doc {
  results: Array<{ statement_id: number; error?: string; partial?: boolean; series?: Array<{ name: string; tags: { host: string }; values: Row[]; partial?: boolean }> }>;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

/** The mean of host h's bucket starting at point j (two points a minute, v = (j*7+h) % 1000). */
function expectedMean(h: number, j: number): number {
  return (((j * 7 + h) % 1000) + (((j + 1) * 7 + h) % 1000)) / 2;
}

/** Series values per host of a whole answer, or of a chunked answer's lines put back together. */
function seriesByHost(docs: readonly Doc[]): Map<string, Row[]> {
  const byHost = new Map<string, Row[]>();
  for (const doc of docs) {
    for (const result of doc.results) {
      for (const series of result.series ?? []) {
        const rows = byHost.get(series.tags.host) ?? [];
        for (const row of series.values) rows.push(row);
        byHost.set(series.tags.host, rows);
      }
    }
  }
  return byHost;
}

/** undefined when the answer is the right one, else what is wrong. */
function checkAnswer(byHost: Map<string, Row[]>, startS: number): string | undefined {
  if (byHost.size !== HOSTS) return `${byHost.size} series, not ${HOSTS}`;
  for (let h = 0; h < HOSTS; h += 33) {
    const rows = byHost.get(`host_${h}`);
    if (rows === undefined) return `no series for host_${h}`;
    // Buckets from the first point to now: every point's bucket, then a few empty (null) ones.
    if (rows.length < POINTS_PER_HOST / 2) return `host_${h} has ${rows.length} rows`;
    for (const j of [0, 2, 1000, POINTS_PER_HOST - 2]) {
      const row = rows[j / 2];
      const time = new Date((startS + j * STEP_S) * 1000).toISOString().replace('.000Z', 'Z');
      if (row?.[0] !== time || row[1] !== expectedMean(h, j)) return `host_${h} bucket ${j / 2} is ${JSON.stringify(row)}, not ["${time}",${expectedMean(h, j)}]`;
    }
  }
  return undefined;
}

test('many heavy queries at once under a small heap: answered or refused clearly, /ping answering, memory bounded', { skip: availability.available ? false : availability.reason, timeout: 160_000 }, async (t) => {
  const server = await startHyperbytedb({ env: { NODE_OPTIONS: '--max-old-space-size=256', HYPERBYTEDB__SERVER__QUERY_TIMEOUT: '150s' } });
  let rssPeak = 0;
  const sampler = setInterval(() => {
    if (!server.exited()) rssPeak = Math.max(rssPeak, rssMb(server.pid));
  }, 100);
  try {
    const url = server.url;
    await request(`${url}/query?q=CREATE+DATABASE+b`, { method: 'POST' }).then((r) => r.body.dump());
    // Whole minutes, ending two minutes ago: every bucket but the last few holds two points.
    const startS = (Math.floor(Date.now() / 60_000) - 2) * 60 - POINTS_PER_HOST * STEP_S;
    for (let first = 0; first < POINTS_PER_HOST; first += 400) {
      const lines: string[] = [];
      for (let j = first; j < first + 400; j++) for (let h = 0; h < HOSTS; h++) lines.push(`big,host=host_${h} v=${(j * 7 + h) % 1000} ${startS + j * STEP_S}`);
      const write = await request(`${url}/write?db=b&precision=s`, { method: 'POST', body: lines.join('\n') });
      assert.equal(write.statusCode, 204, await write.body.text());
    }
    const count = await request(`${url}/query?db=b&q=${encodeURIComponent('SELECT count(v) FROM big')}`);
    assert.match(await count.body.text(), new RegExp(`\\[\\["1970-01-01T00:00:00Z",${HOSTS * POINTS_PER_HOST}\\]\\]`));

    // /ping from a thread of its own: parsing the answers here must not delay the pings measured.
    const pinger = new Worker(PINGER, { eval: true, workerData: { url, everyMs: 50 } });
    const pingsDone = new Promise<{ pings: number[]; failures: number }>((resolve, reject) => {
      pinger.once('message', resolve);
      pinger.once('error', reject);
    });
    const ask = async (chunked: boolean): Promise<{ text: string; status: number }> => {
      const res = await request(`${url}/query?db=b${chunked ? '&chunked=true&chunk_size=5000' : ''}&q=${encodeURIComponent(QUERY)}`, { headersTimeout: STORM_MS, bodyTimeout: STORM_MS });
      return { text: await res.body.text(), status: res.statusCode };
    };
    const storm = Promise.all([...Array.from({ length: GROUPED }, () => ask(false)), ...Array.from({ length: CHUNKED }, () => ask(true))]);
    storm.catch(() => undefined);
    let deadline: NodeJS.Timeout | undefined;
    const texts = await Promise.race([
      storm,
      new Promise<never>((_, reject) => {
        const started = performance.now();
        // A dying server (V8's "heap out of memory") fails the test at once, not at the deadline.
        deadline = setInterval(() => {
          const dying = server.exited() || server.output().includes('FATAL ERROR');
          if (!dying && performance.now() - started < STORM_MS) return;
          reject(new Error(`the queries were not all answered (server ${dying ? 'died' : 'alive'} after ${(performance.now() - started).toFixed(0)} ms):\n${server.output().slice(-1500)}`));
        }, 250);
      }),
    ]).finally(() => {
      clearInterval(deadline);
      pinger.postMessage('stop');
    });
    const { pings, failures: pingFailures } = await pingsDone;
    const answers = texts.map(({ text, status }) => ({ status, docs: status === 200 ? text.trimEnd().split('\n').map((line) => JSON.parse(line) as Doc) : [] }));

    assert.equal(server.exited(), false, `the server died:\n${server.output()}`);
    let answered = 0;
    let refused = 0;
    for (const [i, answer] of answers.entries()) {
      const what = i < GROUPED ? `grouped query ${i}` : `chunked query ${i - GROUPED}`;
      assert.equal(answer.status, 200, what);
      const errors = answer.docs.flatMap((d) => d.results.map((r) => r.error).filter((e) => e !== undefined));
      if (errors.length > 0) {
        assert.match(errors[0]!, BUDGET_ERROR, what);
        refused++;
        continue;
      }
      assert.equal(checkAnswer(seriesByHost(answer.docs), startS), undefined, what);
      answered++;
    }
    assert.ok(answered > 0, 'no query was answered');

    pings.sort((a, b) => a - b);
    t.diagnostic(`${answered} answered, ${refused} refused; /ping x${pings.length}: median ${percentile(pings, 0.5).toFixed(1)} ms, p99 ${percentile(pings, 0.99).toFixed(1)} ms, max ${(pings.at(-1) ?? 0).toFixed(1)} ms; RSS peak ${rssPeak.toFixed(0)} MB`);
    assert.equal(pingFailures, 0, 'every /ping answered 204');
    assert.ok((pings.at(-1) ?? 0) < PING_MAX_MS, `a /ping took ${(pings.at(-1) ?? 0).toFixed(0)} ms`);
    assert.ok(rssPeak < RSS_MAX_MB, `RSS reached ${rssPeak.toFixed(0)} MB`);

    // Every lease is given back once the answers are written, and the budget is exported.
    let metrics = '';
    for (let i = 0; i < 50 && !/^hyperbytedb_query_memory_in_use_bytes 0$/m.test(metrics); i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      metrics = await (await request(`${url}/metrics`)).body.text();
    }
    assert.match(metrics, /^hyperbytedb_query_memory_in_use_bytes 0$/m);
    const limit = Number(/^hyperbytedb_query_memory_limit_bytes (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(limit > 0 && limit <= 200 * 1024 * 1024, `the budget is cut to half the 256 MB heap: ${limit}`);
    assert.equal(Number(/^hyperbytedb_query_memory_refusals_total (\d+)$/m.exec(metrics)?.[1]), refused);

    const after = await ask(false);
    const afterDocs = after.text.trimEnd().split('\n').map((line) => JSON.parse(line) as Doc);
    assert.equal(checkAnswer(seriesByHost(afterDocs), startS), undefined, 'a query after the storm');
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
});
