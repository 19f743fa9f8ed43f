// Flow control: Inflights bounds, Progress probe/replicate/snapshot transitions, quorum arithmetic.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Inflights } from '../../../src/raft/core/inflights.js';
import { Progress } from '../../../src/raft/core/progress.js';
import { committedIndex, voteResult } from '../../../src/raft/core/quorum.js';

test('inflights are full at maxCount messages or maxBytes bytes, and free in order', () => {
  const f = new Inflights(3, 100);
  f.add(1, 10);
  f.add(2, 10);
  assert.equal(f.full(), false);
  f.add(3, 10);
  assert.equal(f.full(), true);
  assert.throws(() => f.add(4, 1), /full/);
  f.freeLE(2);
  assert.equal(f.count, 1);
  f.add(5, 95);
  assert.equal(f.full(), true, 'byte limit reached');
  f.freeFirstOne();
  assert.equal(f.totalBytes, 95);
});

test('a probing follower is paused after one append until it answers', () => {
  const pr = new Progress({ next: 5, maxInflightMessages: 4, maxInflightBytes: 1000 });
  pr.probeSent = true;
  assert.equal(pr.isPaused(), true);
  assert.equal(pr.maybeUpdate(4), true);
  assert.equal(pr.isPaused(), false);
  pr.becomeReplicate();
  assert.equal(pr.next, 5);
});

test('maybeDecrTo ignores stale rejections and honours the follower hint', () => {
  const pr = new Progress({ next: 11, maxInflightMessages: 4, maxInflightBytes: 1000 });
  assert.equal(pr.maybeDecrTo(7, 3), false, 'stale: we did not send prev index 7');
  assert.equal(pr.maybeDecrTo(10, 3), true);
  assert.equal(pr.next, 4);
  pr.becomeReplicate();
  pr.match = 6;
  assert.equal(pr.maybeDecrTo(5, 0), false, 'replicate: at or below match is stale');
});

test('a follower in snapshot state is paused and resumes after the snapshot index', () => {
  const pr = new Progress({ next: 3, maxInflightMessages: 4, maxInflightBytes: 1000 });
  pr.becomeSnapshot(20);
  assert.equal(pr.isPaused(), true);
  pr.becomeProbe();
  assert.equal(pr.next, 21);
});

test('the committed index is the one a majority of voters matched', () => {
  const match: Record<string, number> = { a: 9, b: 7, c: 3, d: 7, e: 1 };
  assert.equal(committedIndex(['a', 'b', 'c'], (id) => match[id] ?? 0), 7);
  assert.equal(committedIndex(['a', 'b', 'c', 'd', 'e'], (id) => match[id] ?? 0), 7);
  assert.equal(committedIndex(['a', 'c', 'e', 'b'], (id) => match[id] ?? 0), 3);
});

test('an election is won by a majority, lost by a majority of rejections, else pending', () => {
  const voters = ['a', 'b', 'c', 'd', 'e'];
  assert.equal(voteResult(voters, new Map([['a', true], ['b', true]])), 'pending');
  assert.equal(voteResult(voters, new Map([['a', true], ['b', true], ['x', true], ['c', true]])), 'won');
  assert.equal(voteResult(voters, new Map([['a', true], ['b', false], ['c', false], ['d', false]])), 'lost');
});
