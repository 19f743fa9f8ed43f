// A node without Raft state joins a running cluster and bootstraps only a first start: a wiped
// member that bootstrapped because no seed answered in time voted with an empty log and helped
// elect a leader that lacked committed entries (chaos seed 118: "progress next 50 beyond last
// index 43", the node crashed on Raft's invariant).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Clock } from '../../../src/core/clock.js';
import type { HeartbeatAnswer } from '../../../src/cluster/heartbeat.js';
import { awaitFreshStart, decideFreshStart } from '../../../src/cluster/fresh-start.js';

const answer = (node_id: string, term: number, leader: string | null = null): HeartbeatAnswer => ({ node_id, state: 'active', term, leader, catalog_index: 0, watermarks: {} });
const voters = ['n1', 'n2', 'n3'];

test('a seed that knows a leader: join', () => {
  assert.deepEqual(decideFreshStart({ nodeId: 'n1', voters, answers: [null, answer('n3', 7, 'n3')] }), { kind: 'join' });
});

test('no seed answers (a wiped member on a slow network): wait, never bootstrap', () => {
  const decision = decideFreshStart({ nodeId: 'n1', voters, answers: [null, null] });
  assert.equal(decision.kind, 'wait');
  assert.match((decision as { reason: string }).reason, /1 of 3 configured members answer as new; a first start needs 2/);
});

test('a seed that ran before answers without a leader (an election, the drained member): wait for one', () => {
  const decision = decideFreshStart({ nodeId: 'n1', voters, answers: [answer('n2', 4), null] });
  assert.equal(decision.kind, 'wait');
  assert.match((decision as { reason: string }).reason, /the cluster ran before \(n2 is at term 4\)/);
  // Even beside a new member: a majority of new ones cannot outvote a cluster that shows itself.
  assert.equal(decideFreshStart({ nodeId: 'n1', voters, answers: [answer('n2', 0), answer('n3', 2)] }).kind, 'wait');
});

test('a member outside the configured ones answering means the cluster exists', () => {
  assert.equal(decideFreshStart({ nodeId: 'n1', voters, answers: [answer('n4', 1)] }).kind, 'wait');
});

test('a first start: a majority of configured members answer as new (not started or term 1)', () => {
  assert.deepEqual(decideFreshStart({ nodeId: 'n1', voters, answers: [answer('n2', 0), null] }), { kind: 'bootstrap' });
  assert.deepEqual(decideFreshStart({ nodeId: 'n3', voters, answers: [answer('n1', 1), answer('n2', 1)] }), { kind: 'bootstrap' });
  const five = ['n1', 'n2', 'n3', 'n4', 'n5'];
  assert.equal(decideFreshStart({ nodeId: 'n1', voters: five, answers: [answer('n2', 0), null, null, null] }).kind, 'wait');
  assert.equal(decideFreshStart({ nodeId: 'n1', voters: five, answers: [answer('n2', 0), answer('n3', 1), null, null] }).kind, 'bootstrap');
});

test('a member that left (drained) does not vouch for a leader, but shows the cluster ran', () => {
  const left: HeartbeatAnswer = { ...answer('n3', 5, 'n2'), state: 'leaving' };
  assert.equal(decideFreshStart({ nodeId: 'n1', voters, answers: [null, left] }).kind, 'wait');
});

const clock: Clock = { nowMs: () => 0, monotonicMs: () => 0, setTimer: (_ms, fn) => (setImmediate(fn), () => undefined) };
const log = pino({ level: 'silent' });

test('awaitFreshStart asks again until the answers decide; a refused join is asked again, not fatal', async () => {
  const rounds = [[null, null], [answer('n2', 3), null], [answer('n2', 3, 'n2'), null]];
  let asked = 0;
  let joins = 0;
  const requestJoin = async (): Promise<string> => {
    if (++joins === 1) throw new Error('join: no seed admitted this node (no raft leader known; retry)');
    return 'admitted';
  };
  const decided = await awaitFreshStart({ nodeId: 'n1', voters, askSeeds: async () => rounds[Math.min(asked++, 2)]!, requestJoin, clock, log, stopping: () => false, pollMs: 1 });
  assert.equal(decided, 'admitted');
  assert.equal(joins, 2);
  assert.equal(asked, 4);
});

test('awaitFreshStart bootstraps a first start, and gives up when the node stops', async () => {
  const never = async (): Promise<string> => assert.fail('no join on a first start');
  assert.equal(await awaitFreshStart({ nodeId: 'n1', voters, askSeeds: async () => [answer('n2', 0), null], requestJoin: never, clock, log, stopping: () => false, pollMs: 1 }), 'bootstrap');
  let stopped = false;
  const pending = awaitFreshStart({ nodeId: 'n1', voters, askSeeds: async () => [null, null], requestJoin: never, clock, log, stopping: () => stopped, pollMs: 1 });
  setTimeout(() => (stopped = true), 20);
  assert.equal(await pending, null);
});
