// Fuzz test over HTTP: seeded random and mutated InfluxQL requests against a real server child process.
// Every request must get a 200 result or a clean 400 error in time; the server must stay up and keep its data.
//
// FUZZ_SEED=<n>|random, FUZZ_QUERIES=<n>, FUZZ_ONLY=<i,j> (replay single requests), FUZZ_BUDGET_MS=<ms>
// (stop sending after it), FUZZ_KNOWN=1 (also send the shapes knownIssue() in support/query-fuzz-gen.ts
// holds back; none at the moment).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { hyperbytedbAvailable, startHyperbytedb, type HyperbytedbHandle } from '../support/hyperbytedb-server.js';
import { corpusDatasetLines, corpusDb, datasetStartNs, loadLines } from '../support/dataset.js';
import { loadCorpus, scratchDb, setupCorpusData } from '../query-corpus/corpus.js';
import { knownIssue, planFuzzRequests, type FuzzRequest } from './support/query-fuzz-gen.js';
import { describeAnswer, describeRequest, judgeAnswer, sendFuzzRequest, type FuzzAnswer } from './support/query-fuzz-check.js';

const seed = readSeed(process.env['FUZZ_SEED']);
const plannedCount = readCount(process.env['FUZZ_QUERIES'], 3000);
const only = readOnly(process.env['FUZZ_ONLY']);
const budgetMs = readCount(process.env['FUZZ_BUDGET_MS'], 20_000);
const includeKnownIssues = process.env['FUZZ_KNOWN'] === '1';
const concurrency = 4;
const requestTimeoutMs = 10_000;
const pingEvery = 100;
const pingTimeoutMs = 3_000;
const maxFailuresReported = 10;
/** Never named by any generated request, so nothing the fuzzer sends can touch it. */
const sentinelDb = 'fuzz_sentinel_9f3c';

function readSeed(text: string | undefined): number {
  if (text === undefined || text === '') return 20240611;
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

function readOnly(text: string | undefined): ReadonlySet<number> | undefined {
  if (text === undefined || text === '') return undefined;
  return new Set(text.split(',').map((s) => readCount(s.trim(), 0)));
}

function print(lines: readonly string[]): void {
  // node's runner turns a test file's stdout lines into `# ` diagnostics in its report.
  for (const line of lines) process.stdout.write(`${line}\n`);
}

/** Tag and field values shaped so that a backtracking regex like /(a+)+$/ explodes if anything evaluates it in JS. */
function hostileLines(): string[] {
  const a = 'a'.repeat(32);
  return Array.from({ length: 24 }, (_, i) => {
    const ts = datasetStartNs + BigInt(i) * 60_000_000_000n;
    return `fuzz,name=${a}!,label=${'a'.repeat(10 + i)},kind=k${i % 3} f=${i}.5,i=${i}i,s="${a}!",b=${i % 2 === 0} ${ts}`;
  });
}

function sentinelLines(): string[] {
  return corpusDatasetLines().filter((l) => l.startsWith('cpu,') && l.includes('host=server01'));
}

async function queryJson(url: string, db: string, q: string): Promise<string> {
  const res = await request(`${url}/query?db=${encodeURIComponent(db)}&q=${encodeURIComponent(q)}`, { signal: AbortSignal.timeout(30_000) });
  const body = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${q} on ${db}: HTTP ${res.statusCode} ${body}`);
  return body;
}

/** What the end of the run must still see: every measurement's counts, in both databases. */
type Snapshot = Readonly<Record<'corpus' | 'corpusMeasurements' | 'sentinel', string>>;

async function snapshot(url: string): Promise<Snapshot> {
  return {
    corpus: await queryJson(url, corpusDb, 'SELECT count(*) FROM /.*/'),
    corpusMeasurements: await queryJson(url, corpusDb, 'SHOW MEASUREMENTS'),
    sentinel: await queryJson(url, sentinelDb, 'SELECT count(*) FROM /.*/'),
  };
}

interface RunState {
  readonly failures: string[];
  readonly statusCounts: Map<number, number>;
  readonly slowest: Array<{ ms: number; index: number; origin: string }>;
  completed: number;
  statementErrors: number;
  stopReason: string | undefined;
}

async function checkPing(server: HyperbytedbHandle, state: RunState): Promise<void> {
  const started = performance.now();
  let status = 0;
  let problem = '';
  try {
    const res = await request(`${server.url}/ping`, { signal: AbortSignal.timeout(pingTimeoutMs) });
    await res.body.text();
    status = res.statusCode;
  } catch (err) {
    problem = err instanceof Error ? err.message : String(err);
  }
  const ms = Math.round(performance.now() - started);
  if (server.exited()) {
    state.stopReason = 'the server exited';
    state.failures.push(`seed ${seed}: the server exited after ${state.completed} requests; output tail:\n${server.output().split('\n').slice(-40).join('\n')}`);
  } else if (status !== 204) {
    state.failures.push(`seed ${seed}: /ping after ${state.completed} requests answered ${status || problem} in ${ms} ms (want 204 within ${pingTimeoutMs} ms)`);
  }
}

function recordAnswer(server: HyperbytedbHandle, req: FuzzRequest, answer: FuzzAnswer | Error, state: RunState): void {
  const replay = `replay: ${includeKnownIssues ? 'FUZZ_KNOWN=1 ' : ''}FUZZ_SEED=${seed} FUZZ_QUERIES=${plannedCount} FUZZ_ONLY=${req.index} node scripts/test.mjs test/jepsen-lite/query-fuzz.test.ts`;
  const head = `seed ${seed}, request #${req.index} ${req.origin}`;
  if (answer instanceof Error) {
    const tail = server.exited() ? `\nserver exited; output tail:\n${server.output().split('\n').slice(-40).join('\n')}` : '';
    state.failures.push(`${head}: no answer (${answer.name}: ${answer.message})\n${describeRequest(server.url, req)}\n${replay}${tail}`);
    return;
  }
  state.statusCounts.set(answer.status, (state.statusCounts.get(answer.status) ?? 0) + 1);
  if (answer.status === 200 && answer.body.includes('"error":')) state.statementErrors++;
  state.slowest.push({ ms: answer.elapsedMs, index: req.index, origin: req.origin });
  state.slowest.sort((x, y) => y.ms - x.ms).splice(5);
  const problem = judgeAnswer(req, answer);
  if (problem !== undefined) state.failures.push(`${head}: ${problem}\n${describeRequest(server.url, req)}\n${describeAnswer(answer)}\n${replay}`);
}

async function runPlan(server: HyperbytedbHandle, plan: readonly FuzzRequest[], state: RunState): Promise<void> {
  const deadline = performance.now() + budgetMs;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < plan.length && state.stopReason === undefined) {
      if (performance.now() > deadline) {
        state.stopReason = `time budget of ${budgetMs} ms spent`;
        return;
      }
      const req = plan[next++] as FuzzRequest;
      const answer = await sendFuzzRequest(server.url, req, requestTimeoutMs).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
      recordAnswer(server, req, answer, state);
      state.completed++;
      if (state.completed % pingEvery === 0 || server.exited()) await checkPing(server, state);
      if (state.failures.length >= maxFailuresReported) state.stopReason = `${maxFailuresReported} failures`;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const corpus = loadCorpus();

test('the fuzz plan is a pure function of the seed', () => {
  const options = { seed: 7, count: 300, corpus, db: corpusDb, scratchDb };
  assert.deepEqual(planFuzzRequests(options), planFuzzRequests(options));
  assert.notDeepEqual(planFuzzRequests(options), planFuzzRequests({ ...options, seed: 8 }));
  const plan = planFuzzRequests({ ...options, count: 2000 });
  const origins = new Set(plan.map((r) => r.origin.replace(/\(.*$/, '')));
  assert.deepEqual([...origins].sort(), ['corpus', 'multi', 'mutate', 'select', 'show']);
  // Nothing the fuzzer sends can name the sentinel database, and anything that may write goes to scratch.
  for (const r of plan) {
    const text = r.params.map(([, v]) => v).join(' ');
    assert.ok(!text.includes(sentinelDb), `request ${r.index} names the sentinel database`);
    if (/drop|delete|into|alter|create|grant|revoke/i.test(text)) assert.deepEqual(r.params[0], ['db', scratchDb], `request ${r.index} may write outside scratch`);
  }
});

test('the judge fails 5xx, non-JSON and malformed answers', () => {
  const [req] = planFuzzRequests({ seed: 1, count: 1, corpus, db: corpusDb, scratchDb });
  assert.ok(req !== undefined);
  const plain = { ...req, accept: null, params: [['q', 'SELECT 1']] as const };
  const chunked = { ...plain, params: [['q', 'x'], ['chunked', 'true']] as const };
  const answer = (status: number, body: string, contentType = 'application/json'): FuzzAnswer => ({ status, body, contentType, elapsedMs: 1 });
  assert.equal(judgeAnswer(plain, answer(200, '{"results":[{"statement_id":0}]}\n')), undefined);
  assert.equal(judgeAnswer(plain, answer(200, '{}\n')), undefined);
  assert.equal(judgeAnswer(plain, answer(400, '{"error":"error parsing query: x"}\n')), undefined);
  assert.equal(judgeAnswer(chunked, answer(200, '{"results":[{"statement_id":0,"partial":true}]}\n{"results":[{"statement_id":0}]}\n')), undefined);
  assert.equal(judgeAnswer(plain, answer(500, '{"error":"Maximum call stack size exceeded"}')), 'status 500');
  assert.match(judgeAnswer(plain, answer(200, '{"results":[')) ?? '', /not JSON/);
  assert.match(judgeAnswer(plain, answer(400, '{"statusCode":400,"error":"Bad Request"}')) ?? '', /not \{"error"/);
  assert.match(judgeAnswer(plain, answer(200, '{"results":[{"statement_id":0,"series":[{"columns":["a","b"],"values":[[1]]}]}]}')) ?? '', /2 cells/);
  assert.match(judgeAnswer(chunked, answer(200, '{"results":[]}\n{"results"')) ?? '', /newline/);
  // Open-range fills, top()/bottom() by tag and over-long INTO names are fuzzed by default now.
  assert.equal(knownIssue('SELECT mean(v) FROM m GROUP BY time(5m)'), undefined);
  assert.equal(knownIssue("SELECT mean(v) FROM m WHERE time >= '2023-03-01T00:00:00Z' AND time < '9999-12-31T23:59:59Z' GROUP BY time(2m)"), undefined);
  assert.equal(knownIssue('SELECT top(usage_user, host, 10) FROM cpu'), undefined);
  assert.equal(knownIssue(`SELECT v INTO "${'x'.repeat(300)}" FROM m`), undefined);
});

test('random and mutated queries never crash, hang or answer badly', { skip: hyperbytedbAvailable().available ? false : hyperbytedbAvailable().reason, timeout: 180_000 }, async () => {
  const started = performance.now();
  const fullPlan = planFuzzRequests({ seed, count: plannedCount, corpus, db: corpusDb, scratchDb, includeKnownIssues });
  const plan = only === undefined ? fullPlan : fullPlan.filter((r) => only.has(r.index));
  print([`query fuzz: seed ${seed}, ${plan.length} requests planned, ${concurrency} at a time (FUZZ_SEED=${seed} replays this run)`]);
  const server = await startHyperbytedb();
  const state: RunState = { failures: [], statusCounts: new Map(), slowest: [], completed: 0, statementErrors: 0, stopReason: undefined };
  try {
    await setupCorpusData(server.url);
    await loadLines({ url: server.url, db: corpusDb, lines: hostileLines(), createDb: false });
    await loadLines({ url: server.url, db: scratchDb, lines: hostileLines(), createDb: false });
    const sentinel = sentinelLines();
    await loadLines({ url: server.url, db: sentinelDb, lines: sentinel });
    const before = await snapshot(server.url);
    assert.ok(before.sentinel.includes(`,${sentinel.length}`), `the sentinel data did not load: ${before.sentinel}`);
    const fuzzStarted = performance.now();
    await runPlan(server, plan, state);
    const fuzzMs = performance.now() - fuzzStarted;
    if (!server.exited()) {
      await checkPing(server, state);
      const after = await snapshot(server.url);
      for (const key of ['corpus', 'corpusMeasurements', 'sentinel'] as const) {
        if (after[key] !== before[key]) state.failures.push(`seed ${seed}: data changed by the fuzz run (${key}):\n  before ${before[key]}\n  after  ${after[key]}`);
      }
    }
    const statuses = [...state.statusCounts].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(', ');
    print([
      `query fuzz: ${state.completed}/${plan.length} requests in ${Math.round(fuzzMs)} ms (${statuses}; ${state.statementErrors} with statement errors)` +
        (state.stopReason !== undefined ? `; stopped early: ${state.stopReason}` : ''),
      `query fuzz: slowest ${state.slowest.map((s) => `#${s.index} ${s.origin} ${Math.round(s.ms)} ms`).join('; ')}`,
      `query fuzz: whole test ${Math.round(performance.now() - started)} ms`,
    ]);
  } finally {
    await server.stop();
  }
  if (state.failures.length > 0) print(['query fuzz failures:', ...state.failures.flatMap((f) => f.split('\n'))]);
  assert.equal(state.failures.length, 0, `${state.failures.length} fuzz failures (seed ${seed}); first:\n${state.failures[0] ?? ''}`);
  assert.ok(state.completed >= Math.min(plan.length, 100), `only ${state.completed} requests finished within the budget`);
});
