// MemoryStorage: the in-memory stable log (append with truncation, snapshots, compaction, errors).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStorage } from '../../../src/raft/storage/memory-storage.js';
import { CompactedError, UnavailableError } from '../../../src/raft/errors.js';
import { bytes, entry } from './harness.js';

const conf = { voters: ['a', 'b', 'c'], learners: [] };

test('a fresh storage bootstraps the configuration at index 0 with an empty log', () => {
  const s = new MemoryStorage({ confState: conf });
  assert.deepEqual(s.initialState(), { hardState: { term: 0, vote: null, commit: 0 }, confState: conf });
  assert.equal(s.firstIndex(), 1);
  assert.equal(s.lastIndex(), 0);
  assert.equal(s.term(0), 0);
});

test('append truncates a conflicting suffix before adding entries', () => {
  const s = new MemoryStorage({ confState: conf, entries: [entry(1, 1), entry(2, 1), entry(3, 1)] });
  s.append([entry(2, 2)]);
  assert.equal(s.lastIndex(), 2);
  assert.equal(s.term(2), 2);
  assert.throws(() => s.append([entry(5, 2)]), /gap/);
});

test('entries() returns [lo, hi) within maxBytes but always at least one entry', () => {
  const s = new MemoryStorage({ confState: conf, entries: [entry(1, 1, 'aaaa'), entry(2, 1, 'bbbb'), entry(3, 1, 'cccc')] });
  assert.equal(s.entries(1, 4, 1 << 20).length, 3);
  assert.equal(s.entries(1, 4, 1).length, 1);
  assert.equal(s.entries(1, 4, 60).length, 2);
  assert.throws(() => s.entries(1, 5, 100), UnavailableError);
});

test('createSnapshot + compact discard the prefix; reads below it throw CompactedError', () => {
  const s = new MemoryStorage({ confState: conf, entries: [entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)] });
  const snap = s.createSnapshot(3, conf, bytes('state'));
  assert.deepEqual(snap.metadata, { index: 3, term: 2, confState: conf });
  s.compact(3);
  assert.equal(s.firstIndex(), 4);
  assert.equal(s.term(3), 2, 'the snapshot index keeps its term');
  assert.throws(() => s.term(2), CompactedError);
  assert.throws(() => s.entries(3, 4, 100), CompactedError);
  assert.throws(() => s.compact(4), /beyond snapshot/);
  assert.equal(s.createSnapshot(2, conf, bytes('old')), snap, 'an older snapshot request returns the current one');
});

test('applySnapshot replaces the log; an out-of-date snapshot is ignored', () => {
  const s = new MemoryStorage({ confState: conf, entries: [entry(1, 1), entry(2, 1)] });
  const snap = { metadata: { index: 10, term: 3, confState: conf }, data: bytes('x') };
  s.applySnapshot(snap);
  assert.equal(s.firstIndex(), 11);
  assert.equal(s.lastIndex(), 10);
  assert.equal(s.term(10), 3);
  s.applySnapshot({ metadata: { index: 5, term: 2, confState: conf }, data: bytes('y') });
  assert.equal(s.snapshot(), snap);
  s.append([entry(9, 3), entry(10, 3), entry(11, 3)]);
  assert.equal(s.lastIndex(), 11, 'entries covered by the snapshot are skipped');
});
