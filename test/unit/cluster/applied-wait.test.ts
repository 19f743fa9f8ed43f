// Waiting for an applied index never throws, before Raft runs (a joining node receives replicated
// batches while Raft is not created yet) or after; it answers whether the index was reached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Clock } from '../../../src/core/clock.js';
import { waitForApplied } from '../../../src/cluster/applied-wait.js';

/** A clock whose timers fire only when the test advances it. */
function manualClock(): Clock & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let timers: Array<{ at: number; fn: () => void }> = [];
  return {
    nowMs: () => now,
    monotonicMs: () => now,
    setTimer(delayMs, fn) {
      const timer = { at: now + delayMs, fn };
      timers.push(timer);
      return () => {
        timers = timers.filter((t) => t !== timer);
      };
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
    pending: () => timers.length,
  };
}

test('before Raft runs, the wait ends by its timeout with false, without throwing', async () => {
  const clock = manualClock();
  const uncaught: unknown[] = [];
  const wait = waitForApplied({ appliedIndex: () => 3, raft: () => null, clock }, 5, 1_000);
  try {
    clock.advance(1_000);
  } catch (error) {
    uncaught.push(error);
  }
  assert.deepEqual(uncaught, []);
  assert.equal(await wait, false);
  assert.equal(clock.pending(), 0);
});

test('before Raft runs, an index reached meanwhile (a snapshot restored) answers true at the timeout', async () => {
  const clock = manualClock();
  let applied = 3;
  const wait = waitForApplied({ appliedIndex: () => applied, raft: () => null, clock }, 5, 1_000);
  applied = 7;
  clock.advance(1_000);
  assert.equal(await wait, true);
});

test('an index already applied answers true at once; a later applied event ends the wait and unsubscribes', async () => {
  const clock = manualClock();
  const raft = new EventEmitter();
  let applied = 9;
  assert.equal(await waitForApplied({ appliedIndex: () => applied, raft: () => raft, clock }, 9, 1_000), true);
  applied = 10;
  const wait = waitForApplied({ appliedIndex: () => applied, raft: () => raft, clock }, 12, 1_000);
  raft.emit('applied');
  assert.equal(raft.listenerCount('applied'), 1, 'still waiting below the index');
  applied = 12;
  raft.emit('applied');
  assert.equal(await wait, true);
  assert.equal(raft.listenerCount('applied'), 0);
  assert.equal(clock.pending(), 0);
});

test('with Raft running, the timeout answers false and unsubscribes', async () => {
  const clock = manualClock();
  const raft = new EventEmitter();
  const wait = waitForApplied({ appliedIndex: () => 1, raft: () => raft, clock }, 2, 500);
  clock.advance(500);
  assert.equal(await wait, false);
  assert.equal(raft.listenerCount('applied'), 0);
});
