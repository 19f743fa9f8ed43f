// The duplicate tracker's bookkeeping: when reads may skip FINAL, and when a read must be redone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuplicateTracker, EMPTY_TABLE_MAX_TIME_NS, type PartsProbeResult, type TableRef } from '../../../src/core/store/duplicate-tracker.js';
import { probeResult } from '../../../src/core/store/parts-probe.js';

const cpu: TableRef = { db: 'db', rp: 'autogen', measurement: 'cpu' };
const mem: TableRef = { db: 'db', rp: 'autogen', measurement: 'mem' };

/** A probe answering from a queue, with control over when each answer arrives. */
function scriptedProbe(answers: PartsProbeResult[]) {
  const waiting: Array<() => void> = [];
  let calls = 0;
  const probe = (): Promise<PartsProbeResult> => {
    calls++;
    const answer = answers.shift() ?? { mayHoldDuplicates: true, maxTimeNs: 0n };
    return new Promise((resolve) => waiting.push(() => resolve(answer)));
  };
  return {
    probe,
    calls: () => calls,
    async answerAll(): Promise<void> {
      while (waiting.length > 0) waiting.shift()!();
      await new Promise((r) => setImmediate(r));
    },
  };
}

const empty: PartsProbeResult = { mayHoldDuplicates: false, maxTimeNs: EMPTY_TABLE_MAX_TIME_NS };

async function cleanTracker(): Promise<DuplicateTracker> {
  const probe = scriptedProbe([empty, empty]);
  const tracker = new DuplicateTracker(probe.probe);
  const learning = tracker.learn(cpu);
  await probe.answerAll();
  await learning;
  assert.equal(tracker.isClean(cpu), true);
  return tracker;
}

test('an unknown table is read with FINAL while a probe learns its state', async () => {
  const probe = scriptedProbe([{ mayHoldDuplicates: false, maxTimeNs: 100n }]);
  const tracker = new DuplicateTracker(probe.probe);
  assert.equal(tracker.readScope(false).needsFinal(cpu), true);
  assert.equal(probe.calls(), 1);
  await probe.answerAll();
  assert.equal(tracker.readScope(false).needsFinal(cpu), false);
});

test('appending newer rows keeps a table clean; rows at or before its newest time make it dirty', async () => {
  const tracker = await cleanTracker();
  tracker.beforeInsert(cpu, 10n);
  tracker.afterInsert(cpu, 20n);
  assert.equal(tracker.isClean(cpu), true);
  tracker.beforeInsert(cpu, 21n);
  tracker.afterInsert(cpu, 30n);
  assert.equal(tracker.isClean(cpu), true);
  tracker.beforeInsert(cpu, 30n);
  tracker.afterInsert(cpu, 40n);
  assert.equal(tracker.isClean(cpu), false);
  assert.equal(tracker.readScope(false).needsFinal(cpu), true);
  assert.deepEqual(tracker.uncleanTables(10), [cpu]);
});

test('a read without FINAL is invalidated by an overlapping insert that starts before it ends', async () => {
  const tracker = await cleanTracker();
  tracker.beforeInsert(cpu, 10n);
  tracker.afterInsert(cpu, 20n);
  const scope = tracker.readScope(false);
  assert.equal(scope.needsFinal(cpu), false);
  tracker.beforeInsert(cpu, 25n); // newer rows only: still valid
  tracker.afterInsert(cpu, 26n);
  assert.equal(scope.stillValid(), true);
  tracker.beforeInsert(cpu, 15n); // may duplicate a row the read saw
  assert.equal(scope.stillValid(), false);
  tracker.afterInsert(cpu, 15n);
  assert.equal(tracker.readScope(true).needsFinal(cpu), true);
});

test('a scope that read only FINAL tables stays valid whatever is inserted', async () => {
  const tracker = await cleanTracker();
  tracker.beforeInsert(cpu, 0n);
  tracker.afterInsert(cpu, 0n);
  tracker.beforeInsert(cpu, 0n);
  tracker.afterInsert(cpu, 0n);
  const scope = tracker.readScope(false);
  assert.equal(scope.needsFinal(cpu), true);
  tracker.beforeInsert(cpu, 0n);
  assert.equal(scope.stillValid(), true);
});

test('a probe answer is dropped when an insert started or ran while it looked', async () => {
  const probe = scriptedProbe([empty, empty, { mayHoldDuplicates: false, maxTimeNs: 50n }]);
  const tracker = new DuplicateTracker(probe.probe);
  const first = tracker.refresh(cpu);
  tracker.beforeInsert(cpu, 0n); // unknown table: dirty until a probe says otherwise
  await probe.answerAll();
  await first;
  assert.equal(tracker.isClean(cpu), false, 'answer taken although an insert started meanwhile');
  assert.equal(probe.calls(), 1);
  await tracker.refresh(cpu); // insert still running: no probe
  assert.equal(probe.calls(), 1);
  tracker.afterInsert(cpu, 0n);
  const second = tracker.refresh(cpu);
  await probe.answerAll();
  await second;
  assert.equal(tracker.isClean(cpu), true);
});

test('forgetting a dropped table invalidates reads of it and makes it unknown again', async () => {
  const tracker = await cleanTracker();
  const scope = tracker.readScope(false);
  assert.equal(scope.needsFinal(cpu), false);
  tracker.forget((t) => t.measurement === 'cpu');
  assert.equal(scope.stillValid(), false);
  assert.equal(tracker.isClean(cpu), false);
  assert.equal(tracker.isClean(mem), false);
});

test('probe rows: empty tables, untrusted partitions and the newest second as an upper bound', () => {
  assert.deepEqual(probeResult(['0', 0, '0', '0']), { mayHoldDuplicates: false, maxTimeNs: EMPTY_TABLE_MAX_TIME_NS });
  assert.deepEqual(probeResult(['1', 0, '2', '5']), { mayHoldDuplicates: true, maxTimeNs: 2n ** 63n - 1n });
  assert.deepEqual(probeResult(['0', 1, '2', '5']), { mayHoldDuplicates: true, maxTimeNs: 5_999_999_999n });
  assert.deepEqual(probeResult(['0', 0, '3', '5']), { mayHoldDuplicates: false, maxTimeNs: 5_999_999_999n });
});

test('re-probes go round the unclean tables, least recently probed first, a bounded number at a time', async () => {
  const tracker = new DuplicateTracker(async () => ({ mayHoldDuplicates: true, maxTimeNs: 0n }));
  const tables = ['a', 'b', 'c'].map((measurement) => ({ db: 'db', rp: 'autogen', measurement }));
  for (const t of tables) await tracker.refresh(t);
  assert.deepEqual(tracker.uncleanTables(2).map((t) => t.measurement), ['a', 'b']);
  await tracker.refresh(tables[0]!);
  assert.deepEqual(tracker.uncleanTables(2).map((t) => t.measurement), ['b', 'c']);
});
