import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataBarrier, isMajority, missingRanges, type DataBarrierDeps } from '../../../src/cluster/data-barrier.js';

test('a majority counts this node: 1 of 2 peers is enough in three, 2 of 4 in five, 0 of 2 is not', () => {
  assert.equal(isMajority(1, 2), true);
  assert.equal(isMajority(0, 2), false);
  assert.equal(isMajority(2, 4), true);
  assert.equal(isMajority(1, 4), false);
  assert.equal(isMajority(0, 0), true); // a single node holds everything it acknowledged
});

test('missing ranges: the most any peer holds per origin, never this node\'s own origin', () => {
  const local = new Map([['n1', 50], ['n2', 10]]);
  const ranges = missingRanges(
    [
      ['n2', { n1: 40, n2: 12, n3: 7 }],
      ['n3', { n1: 99, n2: 11, n3: 9 }],
    ],
    local,
    'n1',
  );
  assert.deepEqual(ranges, [
    { origin: 'n2', fromSeq: 11, toSeq: 12, source: 'n2' },
    { origin: 'n3', fromSeq: 1, toSeq: 9, source: 'n3' },
  ]);
  assert.deepEqual(missingRanges([['n2', { n2: 10 }]], local, 'n1'), []);
});

function fakeNode(local: Map<string, number>, peers: Record<string, Record<string, number> | null>): DataBarrierDeps & { pulls: string[] } {
  const pulls: string[] = [];
  return {
    pulls,
    localOrigin: 'n1',
    localWatermarks: () => local,
    peers: Object.keys(peers),
    askWatermarks: async (peer) => peers[peer] ?? null,
    pull: async (origin, fromSeq, source) => {
      pulls.push(`${origin}@${fromSeq} from ${source}`);
      const held = peers[source]?.[origin] ?? 0;
      if (fromSeq < 3 && source === 'n4') return 'truncated';
      local.set(origin, Math.max(local.get(origin) ?? 0, held));
      return 'done';
    },
  };
}

test('the barrier pulls what a majority holds and this node misses, then passes', async () => {
  const local = new Map([['n2', 4]]);
  const node = fakeNode(local, { n2: { n2: 6, n3: 2 }, n3: null });
  assert.deepEqual(await dataBarrier(node), { ok: true, pulled: 2 });
  assert.deepEqual(node.pulls, ['n2@5 from n2', 'n3@1 from n2']);
  assert.equal(local.get('n2'), 6);
});

test('the barrier fails without a majority of answers, pulling nothing', async () => {
  const node = fakeNode(new Map(), { n2: null, n3: null });
  const outcome = await dataBarrier(node);
  assert.equal(outcome.ok, false);
  assert.match(!outcome.ok ? outcome.reason : '', /0 of 2 peers answered/);
  assert.deepEqual(node.pulls, []);
});

test('the barrier fails when the source no longer holds the entries or a pull falls short', async () => {
  const truncated = await dataBarrier(fakeNode(new Map(), { n4: { n2: 5 }, n5: null, n6: { n2: 1 } }));
  assert.equal(truncated.ok, false);
  assert.match(!truncated.ok ? truncated.reason : '', /no longer holds n2 from 1/);

  const local = new Map<string, number>();
  const short: DataBarrierDeps = {
    ...fakeNode(local, { n2: { n3: 8 }, n3: null }),
    pull: async () => {
      local.set('n3', 5);
      return 'done';
    },
  };
  const outcome = await dataBarrier(short);
  assert.equal(outcome.ok, false);
  assert.match(!outcome.ok ? outcome.reason : '', /up to 5 of 8/);
});
