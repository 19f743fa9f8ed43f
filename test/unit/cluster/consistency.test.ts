import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConsistency, requiredCopies, unavailableMessage } from '../../../src/cluster/consistency.js';
import { AckTracker } from '../../../src/cluster/replication/ack-tracker.js';
import { RecentEntries } from '../../../src/cluster/replication/recent-entries.js';

test('copies needed per level', () => {
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => requiredCopies('quorum', n)), [1, 2, 2, 3, 3]);
  assert.deepEqual([1, 3, 5].map((n) => requiredCopies('all', n)), [1, 3, 5]);
  assert.deepEqual([1, 3].map((n) => requiredCopies('one', n)), [1, 1]);
  assert.equal(requiredCopies('any', 3), 1);
  assert.throws(() => requiredCopies('quorum', 0), /members/);
  assert.equal(parseConsistency(undefined, 'quorum'), 'quorum');
  assert.equal(parseConsistency('', 'one'), 'one');
  assert.equal(parseConsistency('all', 'one'), 'all');
  assert.throws(() => parseConsistency('bogus', 'one'), (e: unknown) => (e as { status?: number }).status === 400);
  assert.equal(unavailableMessage('all', 3, 3, 2), 'cluster unavailable: consistency all needs 3 of 3 nodes, 2 reachable');
});

test('ack waits resolve when enough of the counted peers hold the entry, or time out with the count', async () => {
  const timers: Array<() => void> = [];
  const acks = new AckTracker((_ms, fn) => {
    timers.push(fn);
    return () => undefined;
  });
  acks.ack('a', 5);
  assert.deepEqual(await acks.waitFor(4, ['a', 'b'], 1, 1000), { ok: true, acked: 1 }, 'already held');
  const both = acks.waitFor(7, ['a', 'b'], 2, 1000);
  acks.ack('c', 9); // not counted
  acks.ack('a', 7);
  assert.equal(acks.waiting(), 1);
  acks.ack('b', 8);
  assert.deepEqual(await both, { ok: true, acked: 2 });
  const late = acks.waitFor(20, ['a', 'b'], 1, 1000);
  timers.at(-1)!();
  assert.deepEqual(await late, { ok: false, acked: 0 });
  acks.ack('a', 3);
  assert.equal(acks.ackedBy('a'), 7, 'acks never move back');
});

test('recent entries keep consecutive originSeqs within the byte bound', () => {
  const recent = new RecentEntries(100);
  for (let i = 1; i <= 10; i++) recent.push({ seq: i * 2, originSeq: i, value: Buffer.alloc(20) });
  assert.equal(recent.from(3, 1000), null, 'evicted');
  assert.deepEqual(recent.from(7, 1000)!.map((e) => e.originSeq), [7, 8, 9, 10]);
  assert.deepEqual(recent.from(7, 30)!.map((e) => e.originSeq), [7], 'bounded, at least one');
  assert.deepEqual(recent.from(11, 1000), [], 'nothing newer yet');
  recent.push({ seq: 100, originSeq: 20, value: Buffer.alloc(1) });
  assert.equal(recent.from(10, 1000), null, 'a hole resets the memory');
});
