// The real server in a child process against regexes that backtrack exponentially in JavaScript
// (`/^(a+)+$/` over a 35-character name froze every request for minutes): each statement that
// matches a user regex against names, keys or values answers right and fast while /ping is polled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hyperbytedbAvailable, startHyperbytedb } from '../support/hyperbytedb-server.js';

const availability = hyperbytedbAvailable();

const PING_DEADLINE_MS = 1000;
/** Without RE2 one statement froze the server for minutes; the first also waits for the flush. */
const STATEMENT_DEADLINE_MS = 10_000;

// Names a backtracking engine needs 2^34 steps to reject against /^(x+)+$/; the `!`-less twin matches.
const A = 'a'.repeat(34);
const K = 'k'.repeat(34);
const V = 'v'.repeat(34);
const F = 'f'.repeat(34);
const bad = (name: string): string => `${name}!`;
const re = (letter: string): string => `/^(${letter}+)+$/`;

const t1 = '1970-01-01T00:00:01Z';
const t2 = '1970-01-01T00:00:02Z';
const epoch = '1970-01-01T00:00:00Z';

/** Statement, then the results InfluxDB 1.6.7 gives for it (checked against `influxd`). */
const STATEMENTS: Array<[string, unknown]> = [
  [`SELECT * FROM ${re('a')}`, [{ name: A, columns: ['time', F, bad(F), K, bad(K)], values: [[t1, 1, 2, V, bad(V)]] }]],
  [`SHOW MEASUREMENTS WITH MEASUREMENT =~ ${re('a')}`, [{ name: 'measurements', columns: ['name'], values: [[A]] }]],
  [`SHOW FIELD KEYS FROM ${re('a')}`, [{ name: A, columns: ['fieldKey', 'fieldType'], values: [[F, 'float'], [bad(F), 'float']] }]],
  [`SELECT ${re('f')} FROM ${re('a')}`, [{ name: A, columns: ['time', F], values: [[t1, 1]] }]],
  [`SELECT max(${re('f')}) FROM "${bad(A)}"`, [{ name: bad(A), columns: ['time', `max_${F}`], values: [[t2, 3]] }]],
  [`SHOW TAG KEYS FROM ${re('a')}`, [{ name: A, columns: ['tagKey'], values: [[K], [bad(K)]] }]],
  [
    `SHOW TAG VALUES WITH KEY =~ ${re('k')}`,
    [
      { name: A, columns: ['key', 'value'], values: [[K, V]] },
      { name: bad(A), columns: ['key', 'value'], values: [[K, bad(V)]] },
    ],
  ],
  [`SELECT ${F} FROM /.*/ WHERE ${K} =~ ${re('v')}`, [{ name: A, columns: ['time', F], values: [[t1, 1]] }]],
  [
    `SELECT sum(${F}) FROM /.*/ GROUP BY ${re('k')}`,
    [
      { name: A, tags: { [K]: V }, columns: ['time', 'sum'], values: [[epoch, 1]] },
      { name: bad(A), tags: { [K]: bad(V) }, columns: ['time', 'sum'], values: [[epoch, 3]] },
    ],
  ],
  [`SHOW SERIES FROM ${re('a')}`, [{ columns: ['key'], values: [[`${A},${K}=${V},${bad(K)}=${bad(V)}`]] }]],
  // ClickHouse's match() lets `.` match a newline unless told otherwise; Go's does not.
  ['SELECT s FROM nl WHERE s =~ /^a.b$/', undefined],
  ['SELECT s FROM nl WHERE s =~ /(?s)^a.b$/', [{ name: 'nl', columns: ['time', 's'], values: [['1970-01-01T00:00:03Z', 'a\nb']] }]],
  [`DELETE FROM ${re('a')} WHERE ${K} = 'nothing'`, undefined],
  [
    `SELECT count(${F}) FROM /.*/`,
    [
      { name: A, columns: ['time', 'count'], values: [[epoch, 1]] },
      { name: bad(A), columns: ['time', 'count'], values: [[epoch, 1]] },
    ],
  ],
  [`DROP SERIES FROM ${re('a')}`, undefined],
  ['SHOW MEASUREMENTS', [{ name: 'measurements', columns: ['name'], values: [[bad(A)], ['nl']] }]],
];

interface PingLog {
  readonly slow: string[];
  count: number;
}

/** Polls /ping every 100 ms until `stop` is aborted; every answer must come within the deadline. */
async function pollPing(url: string, stop: AbortSignal, log: PingLog): Promise<void> {
  while (!stop.aborted) {
    const started = Date.now();
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(PING_DEADLINE_MS) });
      await res.arrayBuffer();
      if (res.status !== 204) log.slow.push(`status ${res.status}`);
    } catch (err) {
      log.slow.push(`no answer within ${PING_DEADLINE_MS} ms (${err instanceof Error ? err.message : String(err)})`);
    }
    log.count++;
    const left = 100 - (Date.now() - started);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
  }
}

async function post(url: string, path: string, body: string, deadlineMs = STATEMENT_DEADLINE_MS): Promise<{ status: number; text: string }> {
  const headers = { 'content-type': path.startsWith('/query') ? 'application/x-www-form-urlencoded' : 'text/plain' };
  const res = await fetch(`${url}${path}`, { method: 'POST', body, headers, signal: AbortSignal.timeout(deadlineMs) });
  return { status: res.status, text: await res.text() };
}

test('regexes that backtrack in JavaScript answer correctly, and /ping stays fast throughout', { skip: availability.available ? false : availability.reason, timeout: 90_000 }, async () => {
  const server = await startHyperbytedb();
  const stopPing = new AbortController();
  const pings: PingLog = { slow: [], count: 0 };
  const poller = pollPing(server.url, stopPing.signal, pings);
  try {
    assert.equal((await post(server.url, '/query', 'q=CREATE+DATABASE+r')).status, 200);
    const lines = [`${A},${K}=${V},${bad(K)}=${bad(V)} ${F}=1,${bad(F)}=2 1000000000`, `${bad(A)},${K}=${bad(V)},${bad(K)}=${V} ${F}=3,${bad(F)}=4 2000000000`, 'nl s="a\nb" 3000000000'];
    assert.equal((await post(server.url, '/write?db=r', lines.join('\n'))).status, 204);
    // The first read flushes and creates the tables: done here, without a regex and a tight deadline.
    const warm = await post(server.url, '/query?db=r', `q=${encodeURIComponent(`SELECT count(*) FROM "${A}", "${bad(A)}", nl`)}`, 60_000);
    assert.match(warm.text, /"count_seq"|"count_/, warm.text);
    for (const [statement, series] of STATEMENTS) {
      const started = Date.now();
      let answer: { status: number; text: string };
      try {
        answer = await post(server.url, '/query?db=r', `q=${encodeURIComponent(statement)}`);
      } catch (err) {
        assert.fail(`${statement}: no answer within ${STATEMENT_DEADLINE_MS} ms (${err instanceof Error ? err.message : String(err)}); server exited: ${server.exited()}`);
      }
      assert.equal(answer.status, 200, `${statement}: ${answer.text}`);
      const expected = { results: [series === undefined ? { statement_id: 0 } : { statement_id: 0, series }] };
      assert.deepEqual(JSON.parse(answer.text), expected, `${statement} (${Date.now() - started} ms)`);
    }
  } finally {
    stopPing.abort();
    await poller;
    await server.stop();
  }
  assert.ok(pings.count > 0, 'the poller ran');
  assert.deepEqual(pings.slow, [], `${pings.slow.length} of ${pings.count} pings were late or failed`);
});
