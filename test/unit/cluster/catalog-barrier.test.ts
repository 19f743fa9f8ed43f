// The cluster's catalog barrier: a Raft ReadIndex, retried while no leader is known, bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../../../src/core/clock.js';
import { UnavailableError } from '../../../src/core/errors.js';
import { NotLeaderError } from '../../../src/raft/index.js';
import { catalogBarrier } from '../../../src/cluster/catalog-barrier.js';

/** Real time with timers that keep the test process alive (the system clock's are unref'd). */
const clock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimer(delayMs, callback) {
    const timer = setTimeout(callback, delayMs);
    return () => clearTimeout(timer);
  },
};

test('resolves once Raft confirms a read point, retrying while no leader is known', async () => {
  let calls = 0;
  const raft = { readIndex: () => (++calls < 3 ? Promise.reject(new NotLeaderError(null)) : Promise.resolve()) };
  await catalogBarrier({ raft: () => raft, clock }, 2_000);
  assert.equal(calls, 3);
});

test('without a leader it fails with a 503 after its timeout, never resolving as if current', async () => {
  const raft = { readIndex: () => Promise.reject(new NotLeaderError(null)) };
  const started = performance.now();
  await assert.rejects(catalogBarrier({ raft: () => raft, clock }, 300), (error: unknown) => {
    assert.ok(error instanceof UnavailableError);
    assert.match(error.message, /no reachable Raft leader .*no leader known/);
    return true;
  });
  assert.ok(performance.now() - started >= 290);
});

test('a read the leader never confirms (a cut-off follower) ends at the timeout', async () => {
  const raft = { readIndex: () => new Promise<void>(() => undefined) };
  await assert.rejects(catalogBarrier({ raft: () => raft, clock }, 200), /did not confirm a read point in time/);
});

test('a Raft that is not created yet (the node is starting) fails at once', async () => {
  const raft = (): never => {
    throw new UnavailableError('the cluster node is starting');
  };
  await assert.rejects(catalogBarrier({ raft, clock }, 1_000), /the cluster node is starting/);
});
