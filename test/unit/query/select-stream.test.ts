// Streamed chunked answers: a SELECT written series by series as its rows arrive (in pieces of a
// few rows, so groups span pieces) gives byte for byte the chunked answer of the whole-answer
// path, and statements whose series order chDB cannot give stay whole.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { executeQuery, type ResultSink, type Series, type StatementResult } from '../../../src/core/query/index.js';
import { ChunkedAnswerSink, formatResultsChunked } from '../../../src/http/encode/chunked.js';
import { ChdbQueryPort } from './support/chdb-query-port.js';
import { QueryMemoryBudget } from '../../../src/core/query-memory.js';
import { loadDataset } from './support/dataset.js';

const DB = 'stream';
let port: ChdbQueryPort;

before(async () => {
  port = new ChdbQueryPort();
  await loadDataset(port, DB);
  await port.defineMeasurement(DB, 'autogen', 'odd', ['k'], { v: 'float' });
  // Tag values whose byte order and UTF-16 order agree, some empty, one a prefix of another.
  const keys = ['', 'a', 'ab', 'a b', 'B', 'é', '日本', 'z'];
  await port.insert(DB, 'autogen', 'odd', keys.flatMap((k, i) => [0, 1, 2].map((t) => ({ timeNs: BigInt(t * 10 + i) * 1_000_000_000n, ...(k === '' ? {} : { tags: { k } }), fields: { v: i + t / 10 } }))));
});

after(() => port.close());

/** Statements that stream (their series arrive through sink.series). */
const STREAMED: readonly string[] = [
  'SELECT value FROM cpu GROUP BY host',
  'SELECT value FROM cpu GROUP BY *',
  'SELECT * FROM cpu GROUP BY host',
  'SELECT value, s FROM cpu',
  'SELECT value FROM cpu WHERE time < 200s',
  'SELECT value FROM cpu GROUP BY host LIMIT 2 OFFSET 1',
  'SELECT value FROM cpu GROUP BY host SLIMIT 1 SOFFSET 1',
  'SELECT value FROM cpu GROUP BY host SLIMIT 2',
  'SELECT count(value) FROM cpu GROUP BY host',
  'SELECT count(value) FROM cpu GROUP BY host, region',
  'SELECT count(value) FROM cpu GROUP BY region, host',
  'SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 240s GROUP BY time(1m), host',
  'SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 300s GROUP BY time(30s), * fill(0)',
  'SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 300s GROUP BY time(20s), host fill(previous)',
  'SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 300s GROUP BY time(20s), host fill(linear)',
  'SELECT max(value) FROM cpu WHERE time >= 0 AND time < 300s GROUP BY time(1m), host fill(none)',
  'SELECT derivative(mean(value), 1m) FROM cpu WHERE time >= 0 AND time < 240s GROUP BY time(1m), host',
  'SELECT difference(value) FROM cpu GROUP BY host',
  'SELECT top(value, 2) FROM cpu GROUP BY host',
  'SELECT first(value), last(value) FROM cpu GROUP BY host',
  'SELECT distinct(s) FROM cpu GROUP BY host',
  'SELECT percentile(value, 50) FROM cpu GROUP BY region',
  'SELECT * FROM /m.*/',
  'SELECT * FROM cpu, mem GROUP BY host',
  // SLIMIT and SOFFSET count each measurement's series on their own (1.x's LimitTagSets).
  'SELECT * FROM cpu, mem GROUP BY host SLIMIT 1',
  'SELECT * FROM cpu, mem GROUP BY host SLIMIT 1 SOFFSET 1',
  'SELECT * FROM /m.*/ GROUP BY * SLIMIT 2 SOFFSET 1',
  'SELECT v FROM odd GROUP BY k',
  'SELECT count(v) FROM odd WHERE time >= 0 AND time < 30s GROUP BY time(10s), k',
  'SELECT value FROM cpu WHERE nosuch = 1 GROUP BY host',
  'SELECT value FROM nosuch GROUP BY host',
];

/** Statements that stay whole: their series order is not chDB's row order (or they write). */
const WHOLE: readonly string[] = [
  'SELECT value FROM cpu GROUP BY host ORDER BY time DESC',
  'SELECT max(mean) FROM (SELECT mean(value) FROM cpu GROUP BY host)',
  'SELECT value FROM cpu GROUP BY host SOFFSET 1',
];

/** Multi-statement queries, failures and non-SELECTs mixed in. */
const MIXED: readonly string[] = [
  'SELECT value FROM cpu GROUP BY host; SELECT free FROM mem; SHOW MEASUREMENTS',
  'SELECT value FROM cpu GROUP BY host; SELECT nope(value) FROM cpu; SELECT free FROM mem',
  'SHOW TAG VALUES WITH KEY = host; SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 240s GROUP BY time(1m), host',
];

async function whole(q: string, chunkSize: number): Promise<string> {
  return formatResultsChunked(await executeQuery(q, { db: DB, chunked: true }, port), { chunkSize }).join('');
}

async function streamed(q: string, chunkSize: number): Promise<{ text: string; series: number }> {
  const lines: string[] = [];
  const writer = new ChunkedAnswerSink({ chunkSize }, async (line) => void lines.push([...line.text()].join('')));
  let series = 0;
  const sink: ResultSink = {
    series: (id: number, s: Series) => {
      series++;
      return writer.series(id, s);
    },
    end: (r: StatementResult) => writer.end(r),
  };
  const returned = await executeQuery(q, { db: DB, chunked: true, sink }, port);
  assert.deepEqual(returned, [], 'results went to the sink');
  return { text: lines.join(''), series };
}

test('streamed chunked answers equal the whole-answer chunked answers, byte for byte', async () => {
  for (const pieceRows of [1, 3, 0]) {
    port.pieceRows = pieceRows;
    for (const q of [...STREAMED, ...WHOLE, ...MIXED]) {
      for (const chunkSize of [1, 2, 10_000]) {
        const expected = await whole(q, chunkSize);
        const got = await streamed(q, chunkSize);
        assert.equal(got.text, expected, `${q} (pieces of ${pieceRows} rows, chunk_size ${chunkSize})`);
      }
    }
  }
  port.pieceRows = 0;
});

test('eligible SELECTs stream series by series; others stay whole', async () => {
  port.pieceRows = 2;
  for (const q of STREAMED.filter((q) => !q.includes('nosuch'))) assert.ok((await streamed(q, 10_000)).series > 0, `${q} should stream`);
  for (const q of WHOLE) assert.equal((await streamed(q, 10_000)).series, 0, `${q} should stay whole`);
  port.pieceRows = 0;
});

test('a statement failing after some series were written ends with them partial and its error', async () => {
  // 3 hosts, 31 buckets each: the running bucket bound (60) fails at the second host.
  const q = 'SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 310s GROUP BY time(10s), host fill(0)';
  const lines: string[] = [];
  const writer = new ChunkedAnswerSink({ chunkSize: 100 }, async (line) => void lines.push([...line.text()].join('')));
  await executeQuery(q, { db: DB, chunked: true, sink: writer, maxSelectBuckets: 60 }, port);
  assert.equal(lines.length, 2);
  const first = JSON.parse(lines[0]!) as { results: Array<{ partial?: boolean; series: Array<{ tags: { host: string } }> }> };
  assert.equal(first.results[0]?.partial, true);
  assert.equal(first.results[0]?.series[0]?.tags.host, 'a');
  assert.equal(lines[1], '{"results":[{"statement_id":0,"error":"max-select-buckets limit exceeded: (62/60)"}]}\n');
  // The whole-answer path refuses the same statement before any series.
  const refused = formatResultsChunked(await executeQuery(q, { db: DB, chunked: true, maxSelectBuckets: 60 }, port), { chunkSize: 100 }).join('');
  assert.equal(refused, '{"results":[{"statement_id":0,"error":"max-select-buckets limit exceeded: (93/60)"}]}\n');
});

test('a statement whose filled buckets exceed the memory budget is refused with the budget error, whole or streamed', async () => {
  const q = 'SELECT count(value) FROM cpu WHERE time >= 0 AND time < 100000s GROUP BY time(1s), host fill(0)';
  const budget = new QueryMemoryBudget(1024 * 1024);
  const whole = budget.open();
  const [result] = await executeQuery(q, { db: DB, memory: whole }, port);
  assert.match(result?.error ?? '', /^max-query-memory limit exceeded: the query needs more than the 1\.0 MiB all queries share/);
  assert.equal(result?.series, undefined);
  whole.close();
  const lines: string[] = [];
  const streamedLease = budget.open();
  await executeQuery(q, { db: DB, chunked: true, memory: streamedLease, sink: new ChunkedAnswerSink({ chunkSize: 100 }, async (line) => void lines.push([...line.text()].join(''))) }, port);
  assert.match(lines.join(''), /"error":"max-query-memory limit exceeded: /);
  streamedLease.close();
  assert.equal(budget.inUseBytes, 0);
  assert.equal(budget.refusals, 2);
});
