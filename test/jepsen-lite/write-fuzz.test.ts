// Fuzz test over HTTP: seeded hostile and mutated /write requests interleaved with queries against a
// real server child process, with a crash detector (the child exiting), a hang detector (/ping polled
// throughout must answer within 1 s; every request within its deadline), and a final check that data
// written before the run is unchanged and that every write answered 204 is readable in full.
//
// FUZZ_SEED=<n>|random, FUZZ_WRITES=<n> (requests planned), FUZZ_BUDGET_MS=<ms> (stop sending after
// it; 10 s by default so `npm test` stays near 30 s), FUZZ_ONLY=<i,j> (replay single requests),
// FUZZ_KNOWN=1 (also send what the server is known to get wrong: very long names).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { hyperbytedbAvailable, startHyperbytedb, type HyperbytedbHandle } from '../support/hyperbytedb-server.js';
import { loadLines } from '../support/dataset.js';
import { planWriteFuzz, type WriteFuzzRequest } from './support/write-fuzz-gen.js';
import { checkResultsDocument } from './support/query-fuzz-check.js';

const seed = readSeed(process.env['FUZZ_SEED']);
const plannedCount = readCount(process.env['FUZZ_WRITES'], 5000);
const budgetMs = readCount(process.env['FUZZ_BUDGET_MS'], 10_000);
const includeKnownIssues = process.env['FUZZ_KNOWN'] === '1';
const only = process.env['FUZZ_ONLY'] ? new Set(process.env['FUZZ_ONLY'].split(',').map((s) => readCount(s.trim(), 0))) : undefined;
const concurrency = 4;
const writeTimeoutMs = 30_000;
/**
 * A query first waits for the flush of every write before it, and each new column costs that flush
 * DDL: on a loaded machine a wide `last(*)` took 30 s (see the report of the slowest requests).
 * Generous, yet a query that never returns still fails.
 */
const queryTimeoutMs = 60_000;
const pingIntervalMs = 100;
const pingDeadlineMs = 1_000;
const maxFailuresReported = 10;
const trackedDb = 'wfuzz_tracked';
const hostileDb = 'wfuzz_hostile';
/** Loaded before the run and never named by a request: it must come out unchanged. */
const sentinelDb = 'wfuzz_sentinel_7c1e';

function readSeed(text: string | undefined): number {
  if (text === undefined || text === '') return 20260311;
  if (text === 'random') return Date.now() % 2 ** 31;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`FUZZ_SEED must be an integer or "random", got ${text}`);
  return n;
}

function readCount(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`expected a non-negative integer, got ${text}`);
  return n;
}

function print(lines: readonly string[]): void {
  for (const line of lines) process.stdout.write(`${line}\n`);
}

function clip(text: string, max = 600): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
  readonly ms: number;
}

async function send(url: string, req: WriteFuzzRequest): Promise<Answer> {
  const query = req.params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const started = performance.now();
  const res = await request(`${url}/${req.kind}?${query}`, {
    method: req.kind === 'write' ? 'POST' : 'GET',
    headers: req.headers,
    ...(req.kind === 'write' ? { body: req.body } : {}),
    signal: AbortSignal.timeout(req.kind === 'write' ? writeTimeoutMs : queryTimeoutMs),
  });
  const body = await res.body.text();
  return { status: res.statusCode, body, contentType: String(res.headers['content-type'] ?? ''), ms: performance.now() - started };
}

const INTERNALS = /Code: \d|DB::Exception|\n\s+at |node_modules|\.ts:\d+|internal error/;

/** Undefined when the answer is acceptable, else what is wrong with it. */
export function judgeWriteFuzzAnswer(req: WriteFuzzRequest, answer: Answer): string | undefined {
  if (INTERNALS.test(answer.body)) return 'the answer shows an internal error';
  if (req.kind === 'query') return answer.status === 200 ? checkResultsDocument(answer.body, 'body') : `status ${answer.status}`;
  if (answer.status === 204) return answer.body === '' ? undefined : '204 with a body';
  // InfluxDB 1.x answers an unknown retention policy with a 500 of its own text.
  const rpNotFound = answer.status === 500 && answer.body.startsWith('{"error":"retention policy not found');
  if (![400, 404, 413].includes(answer.status) && !rpNotFound) return `status ${answer.status}`;
  let doc: unknown;
  try {
    doc = JSON.parse(answer.body);
  } catch {
    return `${answer.status} body is not JSON`;
  }
  const error = (doc as { error?: unknown }).error;
  if (typeof error !== 'string' || error === '' || Object.keys(doc as object).length !== 1) return `${answer.status} body is not {"error": "<message>"}`;
  return undefined;
}

interface RunState {
  readonly failures: string[];
  readonly notes: string[];
  readonly statusCounts: Map<string, number>;
  /** Tracked writes: index → [status, error text, points]. */
  readonly tracked: Map<number, { status: number; error: string; points: number }>;
  readonly slowest: Array<{ ms: number; index: number; origin: string; status: number }>;
  completed: number;
  pings: number;
  slowestPingMs: number;
  stopReason: string | undefined;
}

function describe(url: string, req: WriteFuzzRequest): string {
  const query = req.params.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
  return `${req.kind === 'write' ? 'POST' : 'GET'} ${url}/${req.kind} ${query} headers=${JSON.stringify(req.headers)} body(${req.body.length} bytes)=${clip(JSON.stringify(req.body.toString('latin1')))}`;
}

function replay(req: WriteFuzzRequest): string {
  return `replay: ${includeKnownIssues ? 'FUZZ_KNOWN=1 ' : ''}FUZZ_SEED=${seed} FUZZ_WRITES=${plannedCount} FUZZ_ONLY=${req.index} node scripts/test.mjs test/jepsen-lite/write-fuzz.test.ts`;
}

async function pollPing(server: HyperbytedbHandle, state: RunState, stop: AbortSignal): Promise<void> {
  while (!stop.aborted) {
    const started = performance.now();
    try {
      const res = await request(`${server.url}/ping`, { signal: AbortSignal.timeout(pingDeadlineMs) });
      await res.body.dump();
      if (res.statusCode !== 204) state.failures.push(`seed ${seed}: /ping answered ${res.statusCode}`);
    } catch (err) {
      if (server.exited()) {
        state.stopReason = 'the server exited';
        state.failures.push(`seed ${seed}: the server exited after ${state.completed} requests; output tail:\n${server.output().split('\n').slice(-40).join('\n')}`);
        return;
      }
      state.failures.push(`seed ${seed}: /ping gave no answer within ${pingDeadlineMs} ms after ${state.completed} requests (${err instanceof Error ? err.message : String(err)})`);
    }
    const ms = performance.now() - started;
    state.pings++;
    state.slowestPingMs = Math.max(state.slowestPingMs, ms);
    if (ms < pingIntervalMs) await new Promise((r) => setTimeout(r, pingIntervalMs - ms));
  }
}

/** The server's log lines for the request id an internal error names, for the failure report. */
function serverLogOf(server: HyperbytedbHandle, text: string): string {
  const reqId = /request id ([\w-]+)/.exec(text)?.[1];
  const logged = reqId === undefined ? [] : server.output().split('\n').filter((l) => l.includes(reqId));
  return logged.length > 0 ? `\nserver log: ${clip(logged.join('\n'), 3000)}` : '';
}

async function runPlan(server: HyperbytedbHandle, plan: readonly WriteFuzzRequest[], state: RunState): Promise<void> {
  const deadline = performance.now() + budgetMs;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < plan.length && state.stopReason === undefined) {
      if (performance.now() > deadline) {
        state.stopReason = `time budget of ${budgetMs} ms spent`;
        return;
      }
      const req = plan[next++] as WriteFuzzRequest;
      let answer: Answer;
      try {
        answer = await send(server.url, req);
      } catch (err) {
        const tail = server.exited() ? `\nserver exited; output tail:\n${server.output().split('\n').slice(-40).join('\n')}` : '';
        state.failures.push(`seed ${seed}, request #${req.index} ${req.origin}: no answer (${err instanceof Error ? err.message : String(err)})\n${describe(server.url, req)}\n${replay(req)}${tail}`);
        if (server.exited()) state.stopReason = 'the server exited';
        continue;
      }
      state.completed++;
      state.slowest.push({ ms: answer.ms, index: req.index, origin: req.origin, status: answer.status });
      state.slowest.sort((x, y) => y.ms - x.ms).splice(5);
      const key = `${req.kind} ${answer.status}`;
      state.statusCounts.set(key, (state.statusCounts.get(key) ?? 0) + 1);
      if (req.trackedPoints !== undefined) {
        const error = answer.status === 204 ? '' : String((JSON.parse(answer.body) as { error?: unknown }).error ?? '');
        state.tracked.set(req.index, { status: answer.status, error, points: req.trackedPoints });
        if (answer.status !== 204 && !error.includes('field type conflict')) state.notes.push(`#${req.index} ${req.origin}: tracked write answered ${answer.status} ${clip(error, 300)}`);
      }
      const problem = judgeWriteFuzzAnswer(req, answer);
      if (problem !== undefined) {
        state.failures.push(`seed ${seed}, request #${req.index} ${req.origin}: ${problem}\n${describe(server.url, req)}\nHTTP ${answer.status} (${answer.contentType}) after ${Math.round(answer.ms)} ms: ${clip(answer.body)}${serverLogOf(server, answer.body)}\n${replay(req)}`);
      }
      if (state.failures.length >= maxFailuresReported) state.stopReason = `${maxFailuresReported} failures`;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function queryText(url: string, db: string, q: string): Promise<string> {
  const res = await request(`${url}/query?db=${encodeURIComponent(db)}&q=${encodeURIComponent(q)}`, { signal: AbortSignal.timeout(60_000) });
  const body = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${q} on ${db}: HTTP ${res.statusCode} ${body}`);
  return body;
}

/** Points stored per tracked write, summed over every measurement it wrote to. */
async function storedPerWrite(url: string): Promise<Map<number, number>> {
  type Doc = { results: Array<{ error?: string; series?: Array<{ tags?: Record<string, string>; values: unknown[][] }> }> };
  const doc = JSON.parse(await queryText(url, trackedDb, 'SELECT count(seq) FROM /.*/ GROUP BY wz')) as Doc;
  const result = doc.results[0];
  if (result?.error !== undefined) throw new Error(`counting tracked points: ${result.error}`);
  const out = new Map<number, number>();
  for (const s of result?.series ?? []) {
    const wz = Number(s.tags?.['wz']);
    out.set(wz, (out.get(wz) ?? 0) + Number(s.values[0]?.[1] ?? 0));
  }
  return out;
}

/** Every 204 write stored all its points; a type-conflict 400 stored all but the dropped ones; nothing stored more. */
function checkTracked(state: RunState, stored: ReadonlyMap<number, number>, plan: readonly WriteFuzzRequest[]): void {
  for (const [index, { status, error, points }] of state.tracked) {
    const count = stored.get(index) ?? 0;
    const dropped = /^partial write: field type conflict: .* dropped=(\d+)$/s.exec(error);
    const want = status === 204 ? points : dropped !== null ? points - Number(dropped[1]) : undefined;
    const req = plan.find((r) => r.index === index);
    const where = `seed ${seed}, tracked write #${index} ${req?.origin ?? ''} answered ${status}${error !== '' ? ` (${clip(error, 300)})` : ''}`;
    if (want !== undefined && count !== want) state.failures.push(`${where}: ${count} of its ${points} points are readable, want ${want}\n${req !== undefined ? `${describe('', req)}\n${replay(req)}` : ''}`);
    else if (want === undefined && count > points) state.failures.push(`${where}: ${count} points readable, more than the ${points} it sent`);
  }
  for (const index of stored.keys()) if (!state.tracked.has(index)) state.failures.push(`seed ${seed}: points tagged wz=${index} are stored, but no tracked write #${index} was answered`);
}

test('the write fuzz plan is a pure function of the seed and covers every kind of request', () => {
  const options = { seed: 5, count: 200, trackedDb, hostileDb };
  assert.deepEqual(planWriteFuzz(options), planWriteFuzz(options));
  assert.notDeepEqual(planWriteFuzz(options), planWriteFuzz({ ...options, seed: 6 }));
  const plan = planWriteFuzz({ ...options, count: 600 });
  const origins = plan.map((r) => r.origin).join(' ');
  for (const note of ['query', 'tracked(', 'gzip', 'gzip-corrupt', 'gzip-truncated', 'bad-utf8', 'many-fields', 'many-tags', 'huge-names', 'odd-timestamps', 'type-flips', 'binary', 'empty', 'cut']) {
    assert.ok(origins.includes(note), `no request of kind ${note}`);
  }
  for (const r of plan) {
    const db = r.params.find(([k]) => k === 'db')?.[1];
    assert.notEqual(db, sentinelDb);
    // Only tracked writes reach the tracked database, so its points can be counted per write.
    if (r.kind === 'write' && db === trackedDb) assert.ok(r.trackedPoints !== undefined, `#${r.index} writes to ${trackedDb} untracked`);
  }
});

test('the judge refuses 5xx, internals and malformed error bodies', () => {
  const [write] = planWriteFuzz({ seed: 1, count: 50, trackedDb, hostileDb }).filter((r) => r.kind === 'write');
  assert.ok(write !== undefined);
  const answer = (status: number, body: string): Answer => ({ status, body, contentType: 'application/json', ms: 1 });
  assert.equal(judgeWriteFuzzAnswer(write, answer(204, '')), undefined);
  assert.equal(judgeWriteFuzzAnswer(write, answer(400, '{"error":"unable to parse \'x\': missing fields"}')), undefined);
  assert.equal(judgeWriteFuzzAnswer(write, answer(500, '{"error":"retention policy not found: nope"}')), undefined);
  assert.equal(judgeWriteFuzzAnswer(write, answer(500, '{"error":"internal error; see the server log for request id 1"}')), 'the answer shows an internal error');
  assert.equal(judgeWriteFuzzAnswer(write, answer(502, '{"error":"x"}')), 'status 502');
  assert.equal(judgeWriteFuzzAnswer(write, answer(400, 'Bad Request')), '400 body is not JSON');
  assert.equal(judgeWriteFuzzAnswer(write, answer(400, '{"statusCode":400,"error":"x"}')), '400 body is not {"error": "<message>"}');
});

test('hostile writes interleaved with queries never crash, hang, answer badly or lose acknowledged points', { skip: hyperbytedbAvailable().available ? false : hyperbytedbAvailable().reason, timeout: 180_000 }, async () => {
  const fullPlan = planWriteFuzz({ seed, count: plannedCount, trackedDb, hostileDb, includeKnownIssues });
  const plan = only === undefined ? fullPlan : fullPlan.filter((r) => only.has(r.index));
  print([`write fuzz: seed ${seed}, ${plan.length} requests planned, ${concurrency} at a time (FUZZ_SEED=${seed} replays this run)`]);
  const server = await startHyperbytedb();
  const state: RunState = { failures: [], notes: [], statusCounts: new Map(), tracked: new Map(), slowest: [], completed: 0, pings: 0, slowestPingMs: 0, stopReason: undefined };
  const stopPing = new AbortController();
  let poller: Promise<void> | undefined;
  try {
    const sentinel = Array.from({ length: 500 }, (_, i) => `sent,host=h${i % 7},é\\ x=y v=${i},s="a\\"b${i}",i=${i}i ${1_677_628_800_000_000_000n + BigInt(i) * 1_000_000_000n}`);
    await loadLines({ url: server.url, db: sentinelDb, lines: sentinel });
    await loadLines({ url: server.url, db: trackedDb, lines: [] });
    await loadLines({ url: server.url, db: hostileDb, lines: [] });
    const before = await queryText(server.url, sentinelDb, 'SELECT * FROM sent');
    assert.ok(before.includes('"h6"'), `the sentinel data did not load: ${clip(before)}`);
    poller = pollPing(server, state, stopPing.signal);
    const started = performance.now();
    await runPlan(server, plan, state);
    const fuzzMs = performance.now() - started;
    print([`write fuzz: ${state.completed} requests sent in ${Math.round(fuzzMs)} ms${state.stopReason !== undefined ? ` (${state.stopReason})` : ''}; checking what is stored`]);
    if (!server.exited()) {
      try {
        const after = await queryText(server.url, sentinelDb, 'SELECT * FROM sent');
        if (after !== before) state.failures.push(`seed ${seed}: the sentinel data changed during the run:\n  before ${clip(before)}\n  after  ${clip(after)}`);
        checkTracked(state, await storedPerWrite(server.url), plan);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        state.failures.push(`seed ${seed}: the final check failed: ${message}${serverLogOf(server, message)}`);
      }
    }
    const statuses = [...state.statusCounts].sort().map(([s, n]) => `${s}: ${n}`).join(', ');
    print([
      `write fuzz: ${state.completed}/${plan.length} requests in ${Math.round(fuzzMs)} ms (${statuses})${state.stopReason !== undefined ? `; stopped: ${state.stopReason}` : ''}`,
      `write fuzz: ${state.pings} pings, slowest ${Math.round(state.slowestPingMs)} ms; ${state.tracked.size} tracked writes checked`,
      `write fuzz: slowest requests ${state.slowest.map((x) => `#${x.index} ${x.origin} ${x.status} ${Math.round(x.ms)} ms`).join('; ')}`,
      ...state.notes.slice(0, 20).map((n) => `write fuzz note: ${n}`),
    ]);
  } finally {
    stopPing.abort();
    await poller;
    await server.stop();
  }
  if (state.failures.length > 0) print(['write fuzz failures:', ...state.failures.flatMap((f) => f.split('\n'))]);
  assert.equal(state.failures.length, 0, `${state.failures.length} write fuzz failures (seed ${seed}); first:\n${state.failures[0] ?? ''}`);
  assert.ok(state.completed >= Math.min(plan.length, 50), `only ${state.completed} requests finished within the budget`);
});

// What the fuzz found outside this file's reach, held back from the plan unless FUZZ_KNOWN=1. Each
// is a test of its own, marked todo until its owner fixes it (and then it must pass unmarked).
const knownIssueAvailability = hyperbytedbAvailable();

test(
  'a write with thousands of new tag keys is refused by the tag-key limit, one at the limit is flushed, and queries keep working',
  { skip: knownIssueAvailability.available ? false : knownIssueAvailability.reason, timeout: 120_000 },
  async () => {
    const server = await startHyperbytedb();
    try {
      await loadLines({ url: server.url, db: 'k', lines: ['ok v=1 1'] });
      const tags = (n: number): string => Array.from({ length: n }, (_, i) => `t${i}=v`).join(',');
      const over = await request(`${server.url}/write?db=k`, { method: 'POST', body: `over,${tags(4000)} v=1 1` });
      const overText = await over.body.text();
      assert.ok(over.statusCode >= 400 && over.statusCode < 500, `${over.statusCode} ${overText}`);
      assert.match(overText, /partial write: .*max-tag-keys|tag keys/i);
      const atLimit = await request(`${server.url}/write?db=k`, { method: 'POST', body: `tall,${tags(1000)} v=1 1` });
      assert.equal(atLimit.statusCode, 204, await atLimit.body.text());
      assert.match(await queryText(server.url, 'k', 'SELECT count(v) FROM tall'), /"values":\[\["1970-01-01T00:00:00Z",1\]\]/);
      assert.match(await queryText(server.url, 'k', 'SELECT v FROM ok'), /"values":\[\["1970-01-01T00:00:00.000000001Z",1\]\]/);
    } finally {
      await server.stop();
    }
  },
);

test(
  'a write whose Content-Type is not a media type is read like any other, as influxd does',
  { skip: knownIssueAvailability.available ? false : knownIssueAvailability.reason, timeout: 60_000 },
  async () => {
    const server = await startHyperbytedb();
    try {
      await loadLines({ url: server.url, db: 'k', lines: [] });
      for (const contentType of ['', 'text', 'bogus value']) {
        const write = await request(`${server.url}/write?db=k`, { method: 'POST', body: 'm v=1 1', headers: { 'content-type': contentType } });
        assert.equal(write.statusCode, 204, `Content-Type ${JSON.stringify(contentType)}: ${await write.body.text()}`);
      }
    } finally {
      await server.stop();
    }
  },
);
