// The real server under a 256 MB JavaScript heap, with many heavy grouped queries, chunked queries
// and queries larger than the whole memory budget at once: the process survives, every query
// either answers correctly or fails with the budget's statement error (the oversized ones always),
// /ping keeps answering, and the resident memory stays bounded. Today's main dies of heap
// exhaustion ("JavaScript heap out of memory") within seconds of the storm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { hyperbytedbAvailable, startHyperbytedb } from '../support/hyperbytedb-server.js';
import { percentile, startPingProbe } from '../support/ping-probe.js';

const availability = hyperbytedbAvailable();

const HOSTS = 100;
const POINTS_PER_HOST = 2_000;
const STEP_S = 30;
const GROUPED = 10;
const CHUNKED = 6;
const QUERY = 'SELECT mean(v) FROM big GROUP BY time(1m), host';
/** 3.3 million filled buckets (max_select_buckets is raised to 5 million): more than the whole budget. */
const OVERSIZED_QUERY = 'SELECT count(v) FROM big WHERE time >= now() - 23d AND time < now() GROUP BY time(1m), host fill(0)';
const OVERSIZED = 2;
/**
 * The issue's target, on the median: /ping answers within 100 ms while the query slots are full.
 * The tail is bounded generously for a loaded CI box; the real figures are reported, next to an
 * idle server's on the same machine. On a 2-core machine at load average 17-20 the median was
 * 10-30 ms and p95 65-240 ms, while the idle server's p99 alone reached 200-240 ms and V8's
 * scavenges (2 ms on a quiet machine) took up to 200 ms: the tail is mostly the machine's.
 */
const PING_MEDIAN_MS = 100;
const PING_P95_MS = 500;
const PING_MAX_MS = 3_000;
const RSS_MAX_MB = 1_500;
/** The queries' deadline, above the 40-90 s they took on a 2-core machine at load average 15-24. */
const STORM_MS = 120_000;
const BUDGET_ERROR = /^max-query-memory limit exceeded: /;

type Row = [string, number | null];
interface Doc {
  results: Array<{ statement_id: number; error?: string; partial?: boolean; series?: Array<{ name: string; tags: { host: string }; values: Row[]; partial?: boolean }> }>;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
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

test('many heavy queries at once under a small heap: answered or refused clearly, /ping answering, memory bounded', { skip: availability.available ? false : availability.reason, timeout: 170_000 }, async (t) => {
  const server = await startHyperbytedb({ env: { NODE_OPTIONS: '--max-old-space-size=256', HYPERBYTEDB__SERVER__QUERY_TIMEOUT: '150s', HYPERBYTEDB__QUERY__MAX_SELECT_BUCKETS: '5000000' } });
  let rssPeak = 0;
  const sampler = setInterval(() => {
    if (!server.exited()) rssPeak = Math.max(rssPeak, rssMb(server.pid));
  }, 100);
  try {
    const url = server.url;
    await request(`${url}/query?q=CREATE+DATABASE+b`, { method: 'POST' }).then((r) => r.body.dump());
    // Whole minutes, ending two minutes ago: every bucket but the last few holds two points.
    const startS = (Math.floor(Date.now() / 60_000) - 2) * 60 - POINTS_PER_HOST * STEP_S;
    const loadStarted = performance.now();
    for (let first = 0; first < POINTS_PER_HOST; first += 400) {
      const lines: string[] = [];
      for (let j = first; j < first + 400; j++) for (let h = 0; h < HOSTS; h++) lines.push(`big,host=host_${h} v=${(j * 7 + h) % 1000} ${startS + j * STEP_S}`);
      const write = await request(`${url}/write?db=b&precision=s`, { method: 'POST', body: lines.join('\n') });
      assert.equal(write.statusCode, 204, await write.body.text());
    }
    const count = await request(`${url}/query?db=b&q=${encodeURIComponent('SELECT count(v) FROM big')}`);
    assert.match(await count.body.text(), new RegExp(`\\[\\["1970-01-01T00:00:00Z",${HOSTS * POINTS_PER_HOST}\\]\\]`));

    const loadMs = performance.now() - loadStarted;
    // The same probe against the idle server first: what the machine alone does to /ping.
    const idleProbe = startPingProbe(url, { everyMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const idle = (await idleProbe.stop()).pings;
    // /ping from a thread of its own: parsing the answers here must not delay the pings measured.
    const pinger = startPingProbe(url, { everyMs: 50 });
    const stormStarted = performance.now();
    const ask = async (chunked: boolean, q = QUERY): Promise<{ text: string; status: number }> => {
      const res = await request(`${url}/query?db=b${chunked ? '&chunked=true&chunk_size=5000' : ''}&q=${encodeURIComponent(q)}`, { headersTimeout: STORM_MS, bodyTimeout: STORM_MS });
      return { text: await res.body.text(), status: res.statusCode };
    };
    const storm = Promise.all([
      ...Array.from({ length: GROUPED }, () => ask(false)),
      ...Array.from({ length: CHUNKED }, () => ask(true)),
      ...Array.from({ length: OVERSIZED }, () => ask(false, OVERSIZED_QUERY)),
    ]);
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
      void pinger.stop();
    });
    const { pings, failures: pingFailures } = await pinger.stop();
    const stormMs = performance.now() - stormStarted;
    const answers = texts.map(({ text, status }) => ({ status, docs: status === 200 ? text.trimEnd().split('\n').map((line) => JSON.parse(line) as Doc) : [] }));

    assert.equal(server.exited(), false, `the server died:\n${server.output()}`);
    let answered = 0;
    let refused = 0;
    for (const [i, answer] of answers.entries()) {
      const what = i < GROUPED ? `grouped query ${i}` : i < GROUPED + CHUNKED ? `chunked query ${i - GROUPED}` : `oversized query ${i - GROUPED - CHUNKED}`;
      assert.equal(answer.status, 200, what);
      if (i >= GROUPED + CHUNKED) {
        assert.match(answer.docs[0]?.results[0]?.error ?? '', BUDGET_ERROR, what);
        assert.equal(answer.docs[0]?.results[0]?.series, undefined, what);
        refused++;
        continue;
      }
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
    assert.ok(refused >= OVERSIZED);

    const figures = (sorted: readonly number[]): string =>
      `x${sorted.length}: median ${percentile(sorted, 0.5).toFixed(1)} ms, p95 ${percentile(sorted, 0.95).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms`;
    t.diagnostic(`load ${loadMs.toFixed(0)} ms, queries ${stormMs.toFixed(0)} ms: ${answered} answered, ${refused} refused; RSS peak ${rssPeak.toFixed(0)} MB`);
    t.diagnostic(`/ping during the queries ${figures(pings)}; idle server ${figures(idle)}`);
    assert.equal(pingFailures, 0, 'every /ping answered 204');
    assert.ok(percentile(pings, 0.5) < PING_MEDIAN_MS, `/ping median was ${percentile(pings, 0.5).toFixed(0)} ms`);
    assert.ok(percentile(pings, 0.95) < PING_P95_MS, `/ping p95 was ${percentile(pings, 0.95).toFixed(0)} ms`);
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
