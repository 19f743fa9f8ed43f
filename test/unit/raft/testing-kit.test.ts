// The testing kit itself: PRNG determinism, virtual clock order, network faults, and checkers that catch violations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyConfChangeToState, decodeConfChange, encodeConfChange } from '../../../src/raft/core/conf-change.js';
import { Prng, SafetyChecker, SimClock, SimNetwork } from '../../../src/raft/testing/index.js';

test('the PRNG is deterministic per seed and nextInt stays in [0, bound)', () => {
  const a = new Prng(99);
  const b = new Prng(99);
  const xs = Array.from({ length: 50 }, () => a.nextInt(7));
  assert.deepEqual(Array.from({ length: 50 }, () => b.nextInt(7)), xs);
  assert.ok(xs.every((x) => x >= 0 && x < 7));
  assert.notDeepEqual(Array.from({ length: 50 }, () => new Prng(100).nextInt(1000)), Array.from({ length: 50 }, () => new Prng(99).nextInt(1000)));
  const counts = new Array<number>(4).fill(0);
  const r = new Prng(5);
  for (let i = 0; i < 4000; i++) counts[r.nextInt(4)]! += 1;
  assert.ok(counts.every((c) => c > 900 && c < 1100), `uniform enough: ${counts.join(',')}`);
});

test('the virtual clock pops events by time, then by insertion order, and is bounded', () => {
  const c = new SimClock<string>(4);
  c.schedule(5, 'late');
  c.schedule(1, 'early');
  c.schedule(5, 'late-2');
  c.schedule(0, 'now');
  assert.equal(c.schedule(1, 'overflow'), false);
  assert.deepEqual([c.next(), c.next(), c.next(), c.next(), c.next()], ['now', 'early', 'late', 'late-2', null]);
  assert.equal(c.nowMs(), 5);
});

test('the simulated network cuts links one way and drops at the configured rate', () => {
  const net = new SimNetwork(new Prng(1), { dropRate: 0, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 5 });
  const m = { type: 'heartbeat', from: 'a', to: 'b', term: 1 } as const;
  net.cutLink('a', 'b');
  assert.equal(net.route(m).length, 0);
  assert.equal(net.route({ ...m, from: 'b', to: 'a' }).length, 1);
  net.heal();
  net.profile = { dropRate: 0.5, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 5 };
  let delivered = 0;
  for (let i = 0; i < 1000; i++) delivered += net.route(m).length;
  assert.ok(delivered > 400 && delivered < 600);
});

test('the checkers report two leaders in a term, divergent applies, lost acks and stale reads', () => {
  const c = new SafetyChecker();
  c.onLeader('a', 3);
  c.onLeader('a', 3);
  assert.equal(c.ok, true);
  c.onLeader('b', 3);
  c.onApply('a', 1, 1, 'x', 11);
  c.onApply('b', 1, 1, 'y', 12);
  c.onAck('z', 2);
  c.checkAckedDurable();
  c.onReadIndex('a', 4, 5);
  c.checkLogMatching([
    { id: 'a', firstIndex: 1, lastIndex: 3, termAt: (i) => [0, 1, 1, 2][i] ?? null },
    { id: 'b', firstIndex: 1, lastIndex: 3, termAt: (i) => [0, 1, 2, 2][i] ?? null },
  ]);
  const kinds = c.violations.map((v) => v.split(': ')[0]?.replace(/^t=\d+ms /, ''));
  assert.deepEqual(kinds, ['election safety', 'state-machine safety', 'durability', 'linearizable read', 'log matching']);
});

test('leader completeness: a new leader missing an entry committed in an earlier term is reported', () => {
  const c = new SafetyChecker();
  c.onCommit('a', 2, 0, 2, (i) => [0, 1, 2][i] ?? null);
  c.onBecomeLeader('b', 3, { id: 'b', firstIndex: 1, lastIndex: 1, termAt: (i) => [0, 1][i] ?? null });
  assert.match(c.violations[0] ?? '', /leader completeness/);
  const ok = new SafetyChecker();
  ok.onCommit('a', 5, 0, 2, (i) => [0, 1, 2][i] ?? null);
  ok.onBecomeLeader('b', 4, { id: 'b', firstIndex: 1, lastIndex: 1, termAt: (i) => [0, 1][i] ?? null });
  assert.equal(ok.ok, true, 'entries committed in a later term do not bind an older leader');
});

test('conf changes round-trip and keep voters and learners disjoint', () => {
  const cc = { kind: 'add-learner', id: 'd', address: 'h:1' } as const;
  assert.deepEqual(decodeConfChange(encodeConfChange(cc)), cc);
  let s = applyConfChangeToState({ voters: ['a', 'b'], learners: [] }, cc);
  assert.deepEqual(s, { voters: ['a', 'b'], learners: ['d'] });
  s = applyConfChangeToState(s, { kind: 'add-voter', id: 'd' });
  assert.deepEqual(s, { voters: ['a', 'b', 'd'], learners: [] });
  s = applyConfChangeToState(s, { kind: 'remove', id: 'a' });
  assert.deepEqual(s, { voters: ['b', 'd'], learners: [] });
  assert.throws(() => decodeConfChange(new TextEncoder().encode('{"kind":"nope","id":"x"}')));
});
