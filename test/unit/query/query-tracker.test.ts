// SHOW QUERIES / KILL QUERY bookkeeping as 1.x's task manager does it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NoSuchQueryError, QueryTracker, truncateDuration } from '../../../src/core/query/execute/query-tracker.js';

test('queries get increasing ids, show with their database and truncated duration, and leave when done', () => {
  let now = 1_000n;
  const tracker = new QueryTracker(() => now);
  const a = tracker.attach('  SELECT 1 FROM m ', 'db');
  const b = tracker.attach('SHOW QUERIES', '');
  now += 1_234_567_890n;
  assert.deepEqual(tracker.show(), [
    {
      columns: ['qid', 'query', 'database', 'duration', 'status'],
      values: [
        [1n, 'SELECT 1 FROM m', 'db', '1s', 'running'],
        [2n, 'SHOW QUERIES', '', '1s', 'running'],
      ],
    },
  ]);
  a.detach();
  a.detach();
  assert.deepEqual(tracker.stats(), { queriesActive: 1, queriesExecuted: 2, queriesFinished: 1, queryDurationNs: 1_234_567_890n });
  assert.equal(b.id, 2n);
});

test('KILL QUERY aborts the query; an unknown id is 1.x\'s error', () => {
  const tracker = new QueryTracker(() => 0n);
  const q = tracker.attach('SELECT * FROM m', 'db');
  tracker.kill(q.id);
  assert.equal(q.signal.aborted, true);
  assert.equal(q.killed(), true);
  assert.equal(tracker.show()[0]!.values[0]![4], 'killed');
  assert.throws(() => tracker.kill(99n), (e: unknown) => e instanceof NoSuchQueryError && e.message === 'no such query id: 99');
});

test("the query's signal follows the caller's, which does not count as killed; the listener leaves with the query", () => {
  const tracker = new QueryTracker(() => 0n);
  const caller = new AbortController();
  const q = tracker.attach('SELECT * FROM m', 'db', caller.signal);
  assert.equal(q.signal.aborted, false);
  caller.abort(new Error('client gone'));
  assert.equal(q.signal.aborted, true);
  assert.equal((q.signal.reason as Error).message, 'client gone');
  assert.equal(q.killed(), false);
  assert.equal(tracker.show()[0]!.values[0]![4], 'running');
  tracker.kill(q.id);
  assert.equal(q.killed(), true);
  q.detach();
  const early = new AbortController();
  early.abort();
  assert.equal(tracker.attach('SELECT 1', 'db', early.signal).signal.aborted, true);
  const later = new AbortController();
  const done = tracker.attach('SELECT 2', 'db', later.signal);
  done.detach();
  later.abort();
  assert.equal(done.signal.aborted, false);
});

test('durations truncate to seconds, milliseconds or microseconds as 1.x prints them', () => {
  assert.equal(truncateDuration(74_123n), 74_000n);
  assert.equal(truncateDuration(12_345_678n), 12_000_000n);
  assert.equal(truncateDuration(3_999_999_999n), 3_000_000_000n);
  assert.equal(truncateDuration(999n), 999n);
});
