// The chaos checkers over hand-made histories, and mutation tests: a planted loss, duplicate,
// phantom, resurrected delete, illegal catalog, split leadership or late convergence must be caught.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkCatalog, allowedStates } from '../../jepsen-lite/chaos/checkers/catalog-checker.js';
import { verdict } from '../../jepsen-lite/chaos/checkers/check-result.js';
import { checkConvergence } from '../../jepsen-lite/chaos/checkers/convergence-checker.js';
import { checkDeletes } from '../../jepsen-lite/chaos/checkers/delete-checker.js';
import { checkDrains } from '../../jepsen-lite/chaos/checkers/drain-checker.js';
import { manifestDigest } from '../../jepsen-lite/chaos/cluster-probe.js';
import { checkLeaders } from '../../jepsen-lite/chaos/checkers/leader-checker.js';
import { checkSet } from '../../jepsen-lite/chaos/checkers/set-checker.js';
import { pairOperations, type HistoryEntry, type OpBody, type Outcome } from '../../jepsen-lite/chaos/history.js';

/** Builds a history: each op is an invoke and, unless `open`, its completion. */
function history(ops: Array<{ body: OpBody; outcome: Outcome | 'open'; process?: number; node?: string }>): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  let t = 0;
  for (const [i, op] of ops.entries()) {
    const base = { ...op.body, process: op.process ?? i, node: op.node ?? 'n1' };
    entries.push({ ...base, index: entries.length, timeMs: t++, type: 'invoke' } as HistoryEntry);
    if (op.outcome !== 'open') entries.push({ ...base, index: entries.length, timeMs: t++, type: op.outcome } as HistoryEntry);
  }
  return entries;
}

const write = (ids: number[], measurement = 'chaos', group?: string): OpBody =>
  ({ f: 'write', value: { measurement, ids, ...(group !== undefined ? { group } : {}) } });

const writes = pairOperations(history([
  { body: write([1, 2, 3]), outcome: 'ok' },
  { body: write([4]), outcome: 'ok' },
  { body: write([5, 6]), outcome: 'unknown' },
  { body: write([7]), outcome: 'fail' },
  { body: write([8]), outcome: 'open' },
]));

const reads = (...perNode: Array<number[] | null>): Map<string, number[] | null> =>
  new Map(perNode.map((ids, i) => [`n${i + 1}`, ids]));

describe('history pairing', () => {
  it('pairs invokes with completions per process and treats a missing completion as unknown', () => {
    assert.deepEqual(writes.map((o) => o.outcome), ['ok', 'ok', 'unknown', 'fail', 'unknown']);
    assert.equal(writes[4]!.completeMs, null);
  });

  it('refuses a completion without an invoke', () => {
    const bad = [{ f: 'write', value: { measurement: 'chaos', ids: [1] }, process: 9, node: 'n1', index: 0, timeMs: 0, type: 'ok' }] as HistoryEntry[];
    assert.throws(() => pairOperations(bad), /without an invoke/);
  });
});

describe('set checker', () => {
  it('passes when every acked id is on every node, unknown ids either way', () => {
    const result = checkSet({ ops: writes, measurement: 'chaos', reads: reads([1, 2, 3, 4, 5], [1, 2, 3, 4, 6, 8]) });
    assert.equal(result.valid, true, result.summary);
  });

  it('catches a planted loss on one node', () => {
    const result = checkSet({ ops: writes, measurement: 'chaos', reads: reads([1, 2, 3, 4], [1, 3, 4]) });
    assert.equal(result.valid, false);
    assert.match(result.summary, /lost 1,/);
    const nodes = result.details['nodes'] as Array<{ node: string; samples: { lost: number[] } }>;
    assert.deepEqual(nodes.find((n) => n.node === 'n2')?.samples.lost, [2]);
  });

  it('catches a planted duplicate', () => {
    const result = checkSet({ ops: writes, measurement: 'chaos', reads: reads([1, 2, 3, 4, 4]) });
    assert.equal(result.valid, false);
    assert.match(result.summary, /duplicates 1,/);
  });

  it('catches a planted phantom (an id never written)', () => {
    const result = checkSet({ ops: writes, measurement: 'chaos', reads: reads([1, 2, 3, 4, 99]) });
    assert.equal(result.valid, false);
    assert.match(result.summary, /phantoms 1,/);
  });

  it('catches a point of a failed write', () => {
    const result = checkSet({ ops: writes, measurement: 'chaos', reads: reads([1, 2, 3, 4, 7]) });
    assert.equal(result.valid, false);
    assert.match(result.summary, /failed-but-present 1/);
  });

  it('ignores other measurements and says unknown when a node could not be read', () => {
    const other = checkSet({ ops: writes, measurement: 'chaos_del', reads: reads([]) });
    assert.equal(other.valid, true);
    const unread = checkSet({ ops: writes, measurement: 'chaos', reads: reads([1, 2, 3, 4], null) });
    assert.equal(unread.valid, 'unknown');
    const lostAndUnread = checkSet({ ops: writes, measurement: 'chaos', reads: reads([1, 2, 3], null) });
    assert.equal(lostAndUnread.valid, false, 'a proven loss is not hidden by an unreadable node');
  });
});

describe('delete checker', () => {
  const ops = pairOperations(history([
    { body: write([10, 11], 'chaos_del', 'a'), outcome: 'ok', process: 0 },
    { body: { f: 'delete', value: { measurement: 'chaos_del', group: 'a' } }, outcome: 'ok', process: 0 },
    { body: write([20], 'chaos_del', 'b'), outcome: 'ok', process: 1 },
    { body: { f: 'delete', value: { measurement: 'chaos_del', group: 'b' } }, outcome: 'fail', process: 1 },
    { body: write([30], 'chaos_del', 'c'), outcome: 'unknown', process: 2 },
    { body: { f: 'delete', value: { measurement: 'chaos_del', group: 'c' } }, outcome: 'ok', process: 3 },
    { body: write([40], 'chaos_del', 'd'), outcome: 'ok', process: 4 },
    { body: { f: 'delete', value: { measurement: 'chaos_del', group: 'd' } }, outcome: 'unknown', process: 4 },
  ]));

  it('passes: deleted groups gone, undeleted kept, late unknown writes and unknown deletes either way', () => {
    assert.equal(checkDeletes({ ops, measurement: 'chaos_del', reads: reads([20, 30], [20, 40]) }).valid, true);
  });

  it('catches a resurrected point of an acknowledged delete', () => {
    const result = checkDeletes({ ops, measurement: 'chaos_del', reads: reads([11, 20]) });
    assert.equal(result.valid, false);
    assert.match(result.summary, /resurrected 1/);
  });

  it('catches a lost point of a group whose delete failed, and phantoms', () => {
    assert.match(checkDeletes({ ops, measurement: 'chaos_del', reads: reads([]) }).summary, /lost 1/);
    assert.equal(checkDeletes({ ops, measurement: 'chaos_del', reads: reads([20, 77]) }).valid, false);
  });
});

describe('catalog checker', () => {
  const ddl = (action: 'create' | 'drop', db: string): OpBody => ({ f: 'ddl', value: { action, db } });
  const ops = pairOperations(history([
    { body: ddl('create', 'chaos_ddl_0_0'), outcome: 'ok', process: 0 },
    { body: ddl('drop', 'chaos_ddl_0_0'), outcome: 'ok', process: 0 },
    { body: ddl('create', 'chaos_ddl_0_1'), outcome: 'ok', process: 0 },
    { body: ddl('create', 'chaos_ddl_1_0'), outcome: 'fail', process: 1 },
    { body: ddl('create', 'chaos_ddl_2_0'), outcome: 'ok', process: 2 },
    { body: ddl('drop', 'chaos_ddl_2_0'), outcome: 'unknown', process: 2 },
  ]));

  it('derives the allowed final states from acknowledged and unknown ops', () => {
    assert.deepEqual([...allowedStates(ops, 'chaos_ddl_0_0')], [false]);
    assert.deepEqual([...allowedStates(ops, 'chaos_ddl_0_1')], [true]);
    assert.deepEqual([...allowedStates(ops, 'chaos_ddl_1_0')], [false]);
    assert.deepEqual([...allowedStates(ops, 'chaos_ddl_2_0')].sort(), [false, true]);
  });

  it('passes identical, allowed catalogs', () => {
    const catalogs = new Map([['n1', ['chaos', 'chaos_ddl_0_1']], ['n2', ['chaos_ddl_0_1', 'chaos']]]);
    assert.equal(checkCatalog({ ops, managedPrefix: 'chaos_ddl_', catalogs }).valid, true);
  });

  it('catches a DDL applied twice (a dropped database back), a failed create that took effect, and diverged catalogs', () => {
    const resurrected = new Map([['n1', ['chaos', 'chaos_ddl_0_0', 'chaos_ddl_0_1']]]);
    assert.equal(checkCatalog({ ops, managedPrefix: 'chaos_ddl_', catalogs: resurrected }).valid, false);
    const failedApplied = new Map([['n1', ['chaos', 'chaos_ddl_0_1', 'chaos_ddl_1_0']]]);
    assert.equal(checkCatalog({ ops, managedPrefix: 'chaos_ddl_', catalogs: failedApplied }).valid, false);
    const diverged = new Map([['n1', ['chaos', 'chaos_ddl_0_1', 'chaos_ddl_2_0']], ['n2', ['chaos', 'chaos_ddl_0_1']]]);
    const result = checkCatalog({ ops, managedPrefix: 'chaos_ddl_', catalogs: diverged });
    assert.equal(result.valid, false);
    assert.match(result.summary, /DIFFER/);
  });
});

describe('convergence checker', () => {
  const rounds = [
    { atMs: 1_000, digests: { n1: 'a', n2: 'b' } },
    { atMs: 2_000, digests: { n1: 'a', n2: null } },
    { atMs: 3_500, digests: { n1: 'c', n2: 'c' } },
  ];

  it('reports the time to converge after heal', () => {
    const result = checkConvergence({ rounds, healedAtMs: 500, deadlineMs: 60_000, nodes: ['n1', 'n2'] });
    assert.equal(result.valid, true);
    assert.equal(result.details['afterHealMs'], 3_000);
  });

  it('fails when nodes converge only after the deadline or never', () => {
    assert.equal(checkConvergence({ rounds, healedAtMs: 500, deadlineMs: 2_000, nodes: ['n1', 'n2'] }).valid, false);
    const never = rounds.slice(0, 2);
    assert.equal(checkConvergence({ rounds: never, healedAtMs: 0, deadlineMs: 1_500, nodes: ['n1', 'n2'] }).valid, false);
    assert.equal(checkConvergence({ rounds: never, healedAtMs: 0, deadlineMs: 60_000, nodes: ['n1', 'n2'] }).valid, 'unknown');
  });
});

describe('leader checker', () => {
  it('accepts one leader per term, seen by itself and its followers', () => {
    const result = checkLeaders([
      { atMs: 0, node: 'n1', term: 2, leader: 'n1' },
      { atMs: 0, node: 'n2', term: 2, leader: 'n1' },
      { atMs: 5, node: 'n3', term: 3, leader: null },
      { atMs: 9, node: 'n3', term: 4, leader: 'n3' },
    ]);
    assert.equal(result.valid, true, result.summary);
  });

  it('catches two leaders in one term, from self-claims or from followers', () => {
    const result = checkLeaders([
      { atMs: 0, node: 'n1', term: 5, leader: 'n1' },
      { atMs: 1, node: 'n3', term: 5, leader: 'n2' },
    ]);
    assert.equal(result.valid, false);
    assert.deepEqual(result.details['conflicts'], [{ term: 5, leaders: { n1: ['n1'], n2: ['n3'] } }]);
  });

  it('is unknown without samples', () => {
    assert.equal(checkLeaders([]).valid, 'unknown');
  });
});

describe('verdict', () => {
  it('false beats unknown beats true; nothing checked is unknown', () => {
    const r = (valid: true | false | 'unknown') => ({ name: 'x', valid, summary: '', details: {} });
    assert.equal(verdict([r(true), r('unknown'), r(false)]), false);
    assert.equal(verdict([r(true), r('unknown')]), 'unknown');
    assert.equal(verdict([r(true)]), true);
    assert.equal(verdict([]), 'unknown');
  });
});

describe('drain checker', () => {
  const ops = pairOperations(history([
    { body: write([1, 2]), outcome: 'ok', node: 'n3' },
    { body: write([3]), outcome: 'ok', node: 'n1' },
    { body: write([4]), outcome: 'unknown', node: 'n3' },
    { body: write([5]), outcome: 'fail', node: 'n3' },
  ]));

  it('passes when the remaining nodes hold every point the drained node acknowledged', () => {
    const result = checkDrains({ ops, measurement: 'chaos', drained: ['n3'], reads: reads([1, 2, 3], [1, 2, 3, 4]) });
    assert.equal(result.valid, true, result.summary);
    assert.deepEqual(result.details['acknowledged'], { n3: 2 });
  });

  it('catches a point the drain did not hand over, and is unknown when a node cannot be read', () => {
    const lost = checkDrains({ ops, measurement: 'chaos', drained: ['n3'], reads: reads([1, 2, 3], [1, 3]) });
    assert.equal(lost.valid, false);
    assert.match(lost.summary, /1 missing/);
    assert.equal(checkDrains({ ops, measurement: 'chaos', drained: ['n3'], reads: reads([1, 2, 3], null) }).valid, 'unknown');
  });
});

describe('cluster manifest digest', () => {
  const manifest = {
    origins: { 'n2~b': { watermark: 7 }, 'n1~a': { watermark: 5 } },
    catalog: { applied_index: 12, digest: 'sha256:00112233445566778899aabbccdd' },
    data_digest: [
      { db: 'chaos', rp: 'autogen', measurement: 'chaos', rows: 3, hash: '42' },
      { db: 'chaos', rp: 'autogen', measurement: 'chaos_del', rows: 0, hash: '0' },
    ],
  };

  it('is equal for equal watermarks, catalog and tables, whatever their order; an empty table equals none', () => {
    const reordered = { ...manifest, origins: { 'n1~a': { watermark: 5 }, 'n2~b': { watermark: 7 } }, data_digest: [manifest.data_digest[0]!] };
    assert.equal(manifestDigest(reordered), manifestDigest(manifest));
    assert.match(manifestDigest(manifest), /^wm n1~a=5,n2~b=7 \| catalog 12:/);
  });

  it('differs when a watermark, the catalog or a table differs, and refuses a manifest without data digests', () => {
    const base = manifestDigest(manifest);
    assert.notEqual(manifestDigest({ ...manifest, origins: { ...manifest.origins, 'n1~a': { watermark: 6 } } }), base);
    assert.notEqual(manifestDigest({ ...manifest, catalog: { ...manifest.catalog, applied_index: 13 } }), base);
    assert.notEqual(manifestDigest({ ...manifest, data_digest: [{ ...manifest.data_digest[0]!, hash: '43' }] }), base);
    assert.throws(() => manifestDigest({ origins: manifest.origins, catalog: manifest.catalog }), /data_digest/);
  });
});
