// Faults the runner does not install: any on a drained node, and a wipe once fewer than 3 members
// remain (one of two voters losing its disk is a lost majority; chaos seed 118 replayed: the
// wiped node rightly waits for a leader that can never be elected).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipReason } from '../../jepsen-lite/chaos/runner.js';

const three = ['n1', 'n2', 'n3'];

test('a fault on a drained node is skipped', () => {
  assert.equal(skipReason({ kind: 'pause', node: 'n3' }, three, new Set(['n3'])), 'n3 was drained');
});

test('a wipe is skipped once fewer than 3 members remain; a plain kill is not', () => {
  assert.match(skipReason({ kind: 'kill', node: 'n1', wipe: true }, three, new Set(['n3'])) ?? '', /only 2 members remain/);
  assert.equal(skipReason({ kind: 'kill', node: 'n1', wipe: false }, three, new Set(['n3'])), null);
  assert.equal(skipReason({ kind: 'kill', node: 'n1', wipe: true }, three, new Set()), null);
  assert.equal(skipReason({ kind: 'kill', node: 'n1', wipe: true }, ['n1', 'n2', 'n3', 'n4', 'n5'], new Set(['n5'])), null);
  assert.equal(skipReason({ kind: 'partition', spec: { kind: 'isolate', node: 'n1' } }, three, new Set(['n3'])), null);
});
