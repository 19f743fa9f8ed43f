// The chDB session: a query failing mid-stream must not spoil the next query's answer, results
// past max_result_bytes or the memory budget fail with a clear error, and streamed reads stop
// cleanly when refused or aborted.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChdbSession, parseJsonCompact, WHOLE_READ_BYTES_MAX } from '../../../src/core/store/chdb-session.js';
import { LimitExceededError } from '../../../src/core/errors.js';
import { QueryMemoryBudget, QueryMemoryExceededError } from '../../../src/core/query-memory.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-chdb-session-'));
const session = new ChdbSession({ dir: join(dir, 'chdb'), stagingDir: join(dir, 'staging'), maxResultBytes: 8 * 1024 * 1024 });
session.open();
after(() => {
  session.close();
  rmSync(dir, { recursive: true, force: true });
});

test('parseJsonCompact takes the last document when a failed query left its output ahead of it', () => {
  const leftover = '{\n\t"meta":\n\t[{"name": "x", "type": "String"}],\n\t"data": [["a\\n\\t\\"meta\\":"]],\n\t"rows": 1\n}\n';
  const answer = '{\n\t"meta":\n\t[{"name": "1", "type": "UInt8"}],\n\t"data": [[1]],\n\t"rows": 1\n}\n';
  assert.deepEqual(parseJsonCompact(answer).data, [[1]]);
  assert.deepEqual(parseJsonCompact(leftover + answer).data, [[1]]);
  assert.throws(() => parseJsonCompact('{"meta": [], "data": [[1]]} trailing'), SyntaxError);
});

test('a query failing mid-stream does not spoil the next answer', async () => {
  // Blocks of ~65k rows: the first blocks are written out before the third one throws.
  await assert.rejects(session.query('SELECT number, throwIf(number = 150000) FROM numbers(200000)'), /throwIf/);
  const next = await session.query('SELECT 1 AS one');
  assert.deepEqual(next.rows, [[1]]);
});

test('an answer within WHOLE_READ_BYTES_MAX comes whole, a larger one as a stream of blocks, both exact', async () => {
  const pieces = async (sql: string): Promise<number[]> => {
    const sizes: number[] = [];
    let expected = 0;
    for await (const piece of session.queryPieces(sql)) {
      sizes.push(piece.rows.length);
      for (const row of piece.rows) assert.equal(row[0], String(expected++));
    }
    return sizes;
  };
  // Three blocks of at most 8,192 rows, 160 KB: one piece.
  assert.deepEqual(await pieces('SELECT toUInt64(number) AS n FROM numbers(20000)'), [20000]);
  // 2.4 MB: read again as a stream after the whole read stopped at its bound.
  const rows = Math.ceil((3 * WHOLE_READ_BYTES_MAX) / 8);
  const streamed = await pieces(`SELECT toUInt64(number) AS n FROM numbers(${rows})`);
  assert.ok(streamed.length > 1, `a large answer streams in blocks (${streamed.length} pieces)`);
  assert.equal(streamed.reduce((a, b) => a + b, 0), rows);
  assert.deepEqual((await session.query('SELECT 4 AS four')).rows, [[4]]);
});

test('a statement shape whose answer outgrew a whole read streams at once until it answers small again', async () => {
  const pieceCount = async (rows: number): Promise<number> => {
    let pieces = 0;
    let seen = 0;
    for await (const piece of session.queryPieces(`SELECT toUInt64(number) AS shaped FROM numbers(${rows})`)) {
      pieces++;
      seen += piece.rows.length;
    }
    assert.equal(seen, rows);
    return pieces;
  };
  const overflowsBefore = session.wholeReadOverflows;
  const large = Math.ceil((3 * WHOLE_READ_BYTES_MAX) / 8);
  assert.ok((await pieceCount(large)) > 1);
  assert.equal(session.wholeReadOverflows, overflowsBefore + 1);
  // Same shape, other numbers: streamed without a whole read first.
  assert.ok((await pieceCount(large + 1000)) > 1);
  assert.equal(session.wholeReadOverflows, overflowsBefore + 1);
  // Known large, so streamed (three blocks), but small: the next read of the shape is whole again.
  assert.equal(await pieceCount(20000), 3);
  assert.equal(await pieceCount(20001), 1);
  assert.equal(session.wholeReadOverflows, overflowsBefore + 1);
});

test('a whole read aborted while chDB runs it ends with the abort once chDB is done, and its connection answers on', async () => {
  const abort = new AbortController();
  const reason = new Error('client gone');
  // Seconds of CPU for a one-row answer; chdb cannot stop a whole read, so the connection stays
  // busy until it ends, and the read must hold its connection until then.
  const started = session.query('SELECT max(sipHash64(number)) AS h FROM numbers(30000000)', { signal: abort.signal });
  setTimeout(() => abort.abort(reason), 20);
  await assert.rejects(started, (e: unknown) => e === reason);
  assert.deepEqual((await session.query('SELECT 8 AS eight')).rows, [[8]]);
});

test('a small read is planned off the event loop: timers run while chDB parses and plans it', async () => {
  // A thousand expressions take chDB a few hundred ms to analyse and plan; the answer is 80 KB.
  const sql = `SELECT ${Array.from({ length: 1000 }, (_, i) => `length(toString(number + ${i})) AS c${i}`).join(', ')} FROM numbers(10)`;
  let last = performance.now();
  let longestGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
  }, 2);
  const started = performance.now();
  try {
    const result = await session.query(sql);
    assert.equal(result.rows.length, 10);
  } finally {
    clearInterval(timer);
  }
  const tookMs = performance.now() - started;
  assert.ok(longestGapMs < tookMs / 2, `the event loop stalled ${longestGapMs.toFixed(0)} ms of the read's ${tookMs.toFixed(0)} ms`);
});

test('a result past max_result_bytes is a LimitExceededError, and the session answers on', async () => {
  await assert.rejects(session.query('SELECT number, toString(number) FROM numbers(10000000)'), (e: unknown) => e instanceof LimitExceededError && /max-result-size limit exceeded/.test(e.message));
  assert.deepEqual((await session.query('SELECT 2 AS two')).rows, [[2]]);
});

test('a query already queued when another fails mid-stream still gets its own answer', async () => {
  for (let round = 0; round < 3; round++) {
    const failing = session.query('SELECT number, throwIf(number = 150000) FROM numbers(200000)');
    const queued = [session.query('SELECT 3 AS three'), session.query("SELECT 'x' AS s, toInt64(-5) AS i")];
    await assert.rejects(failing, /throwIf/);
    assert.deepEqual((await queued[0])!.rows, [[3]]);
    assert.deepEqual((await queued[1])!.rows, [['x', '-5']]);
  }
});

test('a result type the Native decoder refuses is read as JSONCompact', async () => {
  const result = await session.query("SELECT map('k', 1) AS m, toDecimal64(1.5, 2) AS d");
  assert.deepEqual(result.columns, ['m', 'd']);
  assert.deepEqual(result.rows, [[{ k: 1 }, 1.5]]);
});

test('a slow read holds up neither a read on the other connection nor inserts and DDL', async () => {
  const done: string[] = [];
  // Seconds of CPU on one connection; the other read connection and the writer stay free.
  const slow = session.query('SELECT max(sipHash64(number)) AS h FROM numbers(60000000)').then(() => done.push('slow'));
  await new Promise((resolve) => setTimeout(resolve, 50));
  await session.exec('CREATE TABLE IF NOT EXISTS pool_t (x UInt64) ENGINE = MergeTree ORDER BY x');
  done.push('ddl');
  await session.exec('INSERT INTO pool_t SELECT number FROM numbers(10)');
  done.push('insert');
  assert.deepEqual((await session.query('SELECT count() AS c FROM pool_t')).rows, [['10']]);
  done.push('read');
  await slow;
  assert.deepEqual(done, ['ddl', 'insert', 'read', 'slow']);
});

test('a streamed read reserves its rows from the query memory lease, and a lease too small stops it', async () => {
  const budget = new QueryMemoryBudget(64 * 1024 * 1024);
  const lease = budget.open();
  const result = await session.query('SELECT number AS n, toString(number) AS s FROM numbers(100000)', { memory: lease });
  assert.equal(result.rows.length, 100_000);
  assert.equal(lease.heldBytes, result.reservedBytes);
  assert.ok(lease.heldBytes >= 100_000 * 40, `reserved ${lease.heldBytes} bytes for 100k rows`);
  lease.close();

  const small = new QueryMemoryBudget(2 * 1024 * 1024).open();
  await assert.rejects(session.query('SELECT number AS n, toString(number) AS s FROM numbers(1000000)', { memory: small }), (e: unknown) => e instanceof QueryMemoryExceededError);
  assert.equal(small.heldBytes, 0, 'a refused read gives back what it reserved');
  // Both read connections answer on, whichever took the refused read.
  const answers = await Promise.all([session.query('SELECT 4 AS four'), session.query('SELECT 5 AS five')]);
  assert.deepEqual(answers.map((a) => a.rows), [[[4]], [[5]]]);
});

test('a read aborted between blocks stops at once and leaves no unhandled rejection behind', async () => {
  const abort = new AbortController();
  const failures: unknown[] = [];
  const onRejection = (reason: unknown): void => void failures.push(reason);
  process.on('unhandledRejection', onRejection);
  try {
    const started = session.query('SELECT number, sipHash64(number) FROM numbers(20000000)', { signal: abort.signal });
    setTimeout(() => abort.abort(new Error('client gone')), 20);
    await assert.rejects(started);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual((await session.query('SELECT 6 AS six')).rows, [[6]]);
    assert.deepEqual((await session.query('SELECT 7 AS seven')).rows, [[7]]);
  } finally {
    process.off('unhandledRejection', onRejection);
  }
  assert.deepEqual(failures, []);
});

test("a read past its share of chDB memory is a QueryMemoryExceededError counted by the lease's budget", async () => {
  const tight = new ChdbSession({ dir: join(dir, 'chdb'), stagingDir: join(dir, 'staging-tight'), maxReadMemoryBytes: 16 * 1024 * 1024, readConnections: 1 });
  tight.open();
  try {
    const budget = new QueryMemoryBudget(1024 * 1024 * 1024);
    const lease = budget.open();
    await assert.rejects(tight.query('SELECT number % 1000 AS k, groupArray(number) AS a FROM numbers(5000000) GROUP BY k', { memory: lease }), (e: unknown) => {
      return e instanceof QueryMemoryExceededError && /max-query-memory limit exceeded: the query needs more than the 16\.0 MiB one read may use in storage/.test(e.message);
    });
    assert.equal(budget.refusals, 1);
    assert.deepEqual((await tight.query('SELECT 8 AS eight')).rows, [[8]]);
    lease.close();
  } finally {
    tight.close();
  }
});

test('64-bit integers come as bigint when asked, as JSONCompact text otherwise', async () => {
  const sql = 'SELECT toInt64(-5) AS i, toUInt64(18446744073709551615) AS u, [toInt64(1)] AS a, toInt128(-2) AS w';
  assert.deepEqual((await session.query(sql)).rows, [['-5', '18446744073709551615', ['1'], '-2']]);
  assert.deepEqual((await session.query(sql, { bigIntegers: true })).rows, [[-5n, 18446744073709551615n, [1n], -2n]]);
});
