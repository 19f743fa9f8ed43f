// Which of a Ready's messages may leave before its write is durable (the leader's appends only).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HardState, Message, Ready } from '../../../src/raft/core/types.js';
import { splitEarlyAppends } from '../../../src/raft/early-appends.js';

const durable: HardState = { term: 3, vote: 'a', commit: 5 };
const entry = { term: 3, index: 6, type: 'normal' as const, data: new Uint8Array([1]) };
const append: Message = { type: 'append', from: 'a', to: 'b', term: 3, index: 5, logTerm: 3, entries: [entry], commit: 5 };
const heartbeat: Message = { type: 'heartbeat', from: 'a', to: 'c', term: 3, commit: 5 };
const voteReject: Message = { type: 'vote-resp', from: 'a', to: 'd', term: 3, reject: true };

function ready(overrides: Partial<Ready>): Ready {
  return {
    hardState: null, softState: null, entries: [entry], snapshot: null, messages: [append, heartbeat, voteReject],
    committedEntries: [], readStates: [], ...overrides,
  };
}

test("a leader whose term and vote are durable sends its appends early and everything else after the write", () => {
  const { early, late } = splitEarlyAppends(ready({ hardState: { ...durable, commit: 6 } }), durable, 3);
  assert.deepEqual(early, [append]);
  assert.deepEqual(late, [heartbeat, voteReject]);
});

test('nothing leaves early when the Ready changes term or vote, installs a snapshot, or the node is not leader', () => {
  const all = [append, heartbeat, voteReject];
  assert.deepEqual(splitEarlyAppends(ready({ hardState: { term: 4, vote: 'a', commit: 5 } }), durable, 4), { early: [], late: all });
  assert.deepEqual(splitEarlyAppends(ready({}), { term: 3, vote: null, commit: 5 }, 3).early.length, 1, 'no vote change in this Ready');
  assert.deepEqual(splitEarlyAppends(ready({ hardState: { term: 3, vote: 'b', commit: 5 } }), durable, 3), { early: [], late: all });
  assert.deepEqual(splitEarlyAppends(ready({}), { term: 2, vote: 'a', commit: 5 }, 3), { early: [], late: all });
  const snapshot = { metadata: { index: 5, term: 3, confState: { voters: ['a'], learners: [] } }, data: new Uint8Array() };
  assert.deepEqual(splitEarlyAppends(ready({ snapshot }), durable, 3), { early: [], late: all });
  assert.deepEqual(splitEarlyAppends(ready({}), durable, null), { early: [], late: all });
});

test('an append stamped with another term stays behind the write', () => {
  const stale: Message = { ...append, term: 2 };
  assert.deepEqual(splitEarlyAppends(ready({ messages: [stale] }), durable, 3), { early: [], late: [stale] });
});
