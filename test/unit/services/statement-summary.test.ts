import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuery } from '../../../src/core/query/language/parser.js';
import { normalizeStatement } from '../../../src/core/query/language/statement-normalize.js';
import { StatementSummary } from '../../../src/core/services/statement-summary.js';

const one = (query: string) => parseQuery(query)[0]!;

test('normalization replaces every literal, so one shape is one text', () => {
  const a = normalizeStatement(one("SELECT mean(v) FROM cpu WHERE host = 'a' AND time > now() - 1h AND v > 2.5 GROUP BY time(5m) fill(0) LIMIT 10"));
  const b = normalizeStatement(one("select   MEAN(v) from cpu where host='zzz' and time > now() - 3d and v > 7 group by time(1m) fill(3) limit 99"));
  assert.equal(a, 'SELECT mean(v) FROM cpu WHERE host = ? AND time > now() - ? AND v > ? GROUP BY time(?) fill(?) LIMIT ?');
  assert.equal(b, a, 'case, spacing and literals do not make a new shape');
  assert.equal(normalizeStatement(one("SELECT * FROM /cpu.*/ WHERE h =~ /^a/")), 'SELECT * FROM ? WHERE h =~ ?');
  assert.equal(normalizeStatement(one('SELECT v / 2 FROM m')), 'SELECT v / ? FROM m', 'a division is not a regex');
  assert.equal(normalizeStatement(one("SHOW TAG VALUES WITH KEY = host WHERE dc = 'eu'")), 'SHOW TAG VALUES WITH KEY = host WHERE dc = ?');
});

test('passwords never reach the summary', () => {
  for (const query of ["CREATE USER bob WITH PASSWORD 'hunter2' WITH ALL PRIVILEGES", "SET PASSWORD FOR bob = 'hunter2'"]) {
    const text = normalizeStatement(one(query));
    assert.ok(!text.includes('hunter2'), text);
    assert.match(text, /\[REDACTED\]/);
  }
});

test('entries count, time, keep the last error and the slowest run, and evict the least recently seen', () => {
  let now = 1_000;
  let mono = 0;
  const summary = new StatementSummary({ maxEntries: 2, maxTextLength: 4096 }, { nowMs: () => now, monotonicMs: () => mono });
  const run = (query: string, ms: number, traceId: string | null, error?: string): void => {
    const done = summary.observer(traceId).started(one(query));
    mono += ms;
    now += 1;
    done(error);
  };
  run("SELECT v FROM m WHERE t = 'a'", 5, 'aaaa');
  run("SELECT v FROM m WHERE t = 'b'", 20, 'bbbb');
  run("SELECT v FROM m WHERE t = 'c'", 2, null, 'boom');
  const [entry] = summary.list();
  assert.equal(summary.size, 1);
  assert.equal(entry!.text, 'SELECT v FROM m WHERE t = ?');
  assert.match(entry!.digest, /^[0-9a-f]{16}$/);
  assert.deepEqual(
    { count: entry!.count, errors: entry!.errors, lastError: entry!.lastError, totalMs: entry!.totalMs, meanMs: entry!.meanMs, maxMs: entry!.maxMs, slowest: entry!.slowestTraceId, first: entry!.firstSeenMs, last: entry!.lastSeenMs },
    { count: 3, errors: 1, lastError: 'boom', totalMs: 27, meanMs: 9, maxMs: 20, slowest: 'bbbb', first: 1001, last: 1003 },
  );
  run('SHOW DATABASES', 1, null);
  run('SELECT v FROM m WHERE t = ?'.replace('?', "'x'"), 1, null);
  run('SHOW MEASUREMENTS', 1, null);
  assert.deepEqual(summary.list().map((e) => e.text), ['SHOW MEASUREMENTS', 'SELECT v FROM m WHERE t = ?'], 'SHOW DATABASES was the least recently seen');
  const digest = summary.list()[1]!.digest;
  assert.equal(digest, entry!.digest, 'the digest of a shape is stable');
});

test('very long shapes are cut to a bounded text', () => {
  const summary = new StatementSummary({ maxEntries: 10, maxTextLength: 40 }, { nowMs: () => 0, monotonicMs: () => 0 });
  summary.record({ statement: one(`SELECT ${Array.from({ length: 50 }, (_, i) => `f${i}`).join(', ')} FROM m`), durationMs: 1, traceId: null });
  assert.equal(summary.list()[0]!.text.length, 41);
});
