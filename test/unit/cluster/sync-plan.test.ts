import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lagKey, planSync, type SyncManifest } from '../../../src/cluster/sync/manifest.js';
import { drainLag, handoffComplete } from '../../../src/cluster/drain.js';
import { frontierOf } from '../../../src/cluster/sync/startup-sync.js';

function manifest(node: string, origins: Record<string, [number, number | null]>, extra: Partial<SyncManifest> = {}): SyncManifest {
  return {
    node_id: node,
    state: 'active',
    wal_last_seq: 0,
    wal_flushed_seq: 0,
    origins: Object.fromEntries(Object.entries(origins).map(([o, [watermark, first]]) => [o, { watermark, first_retained: first }])),
    catalog: { applied_index: 10, digest: 'sha256:a' },
    databases: [],
    ...extra,
  };
}

test('a lag is acted on only once it is a round old, from a source that still holds the entries', () => {
  const manifests = [manifest('a', { 'a~1': [100, 1], 'b~1': [50, 1] }), manifest('b', { 'a~1': [90, 80], 'b~1': [50, 1] }), manifest('c', { 'a~1': [100, 60], 'b~1': [40, null] })];
  const fresh = planSync(manifests, 'a', new Map());
  assert.deepEqual(fresh.lag, [
    { node: 'b', origin: 'a~1', entries: 10 },
    { node: 'c', origin: 'b~1', entries: 10 },
  ]);
  assert.deepEqual(fresh.orders, [], 'new lag: replication may still be delivering it');
  const later = planSync(manifests, 'a', new Map([[lagKey('b', 'a~1'), 10], [lagKey('c', 'b~1'), 10]]));
  assert.deepEqual(later.orders, [
    { kind: 'pull', node: 'b', origin: 'a~1', fromSeq: 91, source: 'a' },
    { kind: 'pull', node: 'c', origin: 'b~1', fromSeq: 41, source: 'a' },
  ]);
});

test('when no node still holds the missing entries, the lagging node needs a full copy from the most complete one', () => {
  const manifests = [manifest('a', { 'x~1': [500, 400] }), manifest('b', { 'x~1': [450, 300] }), manifest('c', { 'x~1': [10, null] })];
  const plan = planSync(manifests, 'a', new Map([[lagKey('c', 'x~1'), 490]]));
  assert.deepEqual(plan.orders, [{ kind: 'full', node: 'c', source: 'a', reason: 'no node still holds x~1 from 11' }]);
});

test('another catalog at the same applied index is reported, never planned around', () => {
  const plan = planSync([manifest('a', {}), manifest('b', {}, { catalog: { applied_index: 10, digest: 'sha256:b' } }), manifest('c', {}, { catalog: { applied_index: 9, digest: 'sha256:c' } })], 'a', new Map());
  assert.deepEqual(plan.catalogMismatches, ['b']);
});

test('the startup frontier takes, per origin, the peer holding the most, never this node\'s own origin', () => {
  const frontier = frontierOf(
    [
      ['p', { node_id: 'p', state: 'active', term: 1, leader: 'p', catalog_index: 1, watermarks: { 'a~1': 5, 'me~1': 99 } }],
      ['q', { node_id: 'q', state: 'active', term: 1, leader: 'p', catalog_index: 1, watermarks: { 'a~1': 9, 'b~1': 2 } }],
    ],
    'me~1',
  );
  assert.deepEqual([...frontier], [['a~1', { watermark: 9, peer: 'q' }], ['b~1', { watermark: 2, peer: 'q' }]]);
});

test('a drain hands off once every answering peer holds each origin and a majority answered', () => {
  const mine = new Map([['me~1', 10], ['x~1', 5]]);
  const lag = drainLag(mine, [['p', { 'me~1': 10, 'x~1': 4 }], ['q', null]]);
  assert.deepEqual(lag, { lagging: [{ peer: 'p', origin: 'x~1', behind: 1 }], unreachable: ['q'] });
  assert.equal(handoffComplete(2, lag), false);
  assert.equal(handoffComplete(2, drainLag(mine, [['p', { 'me~1': 10, 'x~1': 5 }], ['q', null]])), false, 'one of two answering is no majority');
  assert.equal(handoffComplete(3, drainLag(mine, [['p', { 'me~1': 10, 'x~1': 5 }], ['q', { 'me~1': 11, 'x~1': 5 }], ['r', null]])), true);
  assert.equal(handoffComplete(0, drainLag(mine, [])), true, 'nobody to wait for (the drain itself refuses to drain the last member)');
});
