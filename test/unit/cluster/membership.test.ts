import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Membership } from '../../../src/cluster/membership.js';

test('a node registers once with its state; later registrations only move its addresses', () => {
  let m = Membership.empty();
  m = m.apply({ kind: 'register-node', id: 'n1', httpAddress: 'a:1', raftAddress: 'a:2', initialState: 'active' }, 5);
  assert.equal(m.version, 5);
  assert.equal(m.get('n1')!.state, 'active');
  const same = m.apply({ kind: 'register-node', id: 'n1', httpAddress: 'a:1', raftAddress: 'a:2', initialState: 'joining' }, 6);
  assert.equal(same, m, 'nothing changed');
  m = m.apply({ kind: 'set-node-state', id: 'n1', state: 'draining' }, 7);
  m = m.apply({ kind: 'register-node', id: 'n1', httpAddress: 'b:1', raftAddress: 'a:2', initialState: 'active' }, 8);
  assert.deepEqual([m.get('n1')!.state, m.get('n1')!.httpAddress, m.get('n1')!.joinedAtIndex, m.version], ['draining', 'b:1', 5, 8]);
  assert.throws(() => m.apply({ kind: 'set-node-state', id: 'nope', state: 'active' }, 9), /not a member/);
  assert.equal(m.apply({ kind: 'remove-node', id: 'n1' }, 10).nodes.size, 0);
  assert.deepEqual(Membership.fromJSON(JSON.parse(JSON.stringify(m.toJSON()))).toJSON(), m.toJSON());
});

test('writes count Active members and voters not registered yet, never the reachable ones only', () => {
  let m = Membership.empty();
  m = m.apply({ kind: 'register-node', id: 'n1', httpAddress: 'a', raftAddress: 'a', initialState: 'active' }, 1);
  m = m.apply({ kind: 'register-node', id: 'n4', httpAddress: 'd', raftAddress: 'd', initialState: 'joining' }, 2);
  assert.deepEqual(m.countedMembers(['n1', 'n2', 'n3']), ['n1', 'n2', 'n3'], 'unregistered voters count');
  m = m.apply({ kind: 'set-node-state', id: 'n1', state: 'draining' }, 3);
  assert.deepEqual(m.countedMembers(['n1', 'n2', 'n3']), ['n2', 'n3'], 'a draining node stops counting');
});
