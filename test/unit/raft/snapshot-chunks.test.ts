// InstallSnapshot chunking: split by snapshotChunkBytes, reassembled in any order, duplicates harmless.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SnapshotAssembler, splitSnapshot } from '../../../src/raft/core/snapshot-chunks.js';
import type { Message, Snapshot } from '../../../src/raft/core/types.js';
import { Prng } from '../../../src/raft/testing/prng.js';

const snap: Snapshot = { metadata: { index: 42, term: 3, confState: { voters: ['a'], learners: [] } }, data: new Uint8Array(100).map((_, i) => i) };
const asMessages = (s: Snapshot, size: number): Message[] =>
  splitSnapshot(s, size).map((c) => ({ ...c, type: 'snapshot', from: 'a', to: 'b', term: 5 }));

test('a snapshot is split into ceil(size/chunkBytes) chunks, the last marked done', () => {
  const chunks = splitSnapshot(snap, 30);
  assert.deepEqual(chunks.map((c) => [c.snapshotOffset, c.snapshotChunk.byteLength, c.snapshotDone]), [[0, 30, false], [30, 30, false], [60, 30, false], [90, 10, true]]);
  assert.equal(splitSnapshot({ ...snap, data: new Uint8Array(0) }, 30).length, 1);
});

test('snapshot chunks are reassembled whatever their order and duplication', () => {
  const rng = new Prng(1);
  for (let round = 0; round < 20; round++) {
    const msgs = asMessages(snap, 7);
    const shuffled = [...msgs, ...msgs.slice(0, 3)].sort(() => rng.nextInt(3) - 1);
    const asm = new SnapshotAssembler(1000);
    const done = shuffled.map((m) => asm.add(m)).filter((s) => s !== null);
    assert.equal(done.length >= 1, true);
    assert.deepEqual(done[0]?.data, snap.data);
    assert.deepEqual(done[0]?.metadata, snap.metadata);
  }
});

test('a missing chunk never completes; a newer snapshot replaces a partial one', () => {
  const asm = new SnapshotAssembler(1000);
  const msgs = asMessages(snap, 10);
  for (const m of msgs) if (m.snapshotOffset !== 50) assert.equal(asm.add(m), null);
  const newer = { ...snap, metadata: { ...snap.metadata, index: 50 } };
  let got: Snapshot | null = null;
  for (const m of asMessages(newer, 10)) got = asm.add(m) ?? got;
  assert.equal(got?.metadata.index, 50);
});

test('the chunk buffer is bounded', () => {
  const asm = new SnapshotAssembler(3);
  const msgs = asMessages(snap, 10);
  for (const m of msgs.slice(0, 4)) asm.add(m);
  const rest = msgs.slice(4).map((m) => asm.add(m));
  assert.ok(rest.every((s) => s === null), 'the oversized stream was dropped');
});
