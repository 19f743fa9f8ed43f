import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ENTRY_KEY_END,
  ENTRY_KEY_MIN,
  ORIGIN_KEY_END,
  ORIGIN_KEY_MIN,
  entryKey,
  originKey,
  originOfKey,
  readU64,
  seqOfEntryKey,
  u64Value,
} from '../../../src/core/wal/wal-keys.js';

test('entry keys round-trip and sort in seq order across the 32-bit boundary', () => {
  const seqs = [0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];
  for (const seq of seqs) assert.equal(seqOfEntryKey(entryKey(seq)), seq);
  const keys = seqs.map(entryKey);
  const sorted = [...keys].sort(Buffer.compare);
  assert.deepEqual(sorted.map(seqOfEntryKey), seqs);
  for (const key of keys) {
    assert.ok(Buffer.compare(key, ENTRY_KEY_MIN) >= 0 && Buffer.compare(key, ENTRY_KEY_END) < 0);
  }
});

test('seqs outside the safe integer range are refused', () => {
  assert.throws(() => entryKey(-1), /non-negative safe integer/);
  assert.throws(() => entryKey(2 ** 53), /non-negative safe integer/);
  assert.throws(() => entryKey(1.5), /non-negative safe integer/);
  const tooBig = Buffer.alloc(8, 0xff);
  assert.throws(() => readU64(tooBig, 0), /beyond 2\^53/);
});

test('origin keys round-trip unicode and stay inside their range', () => {
  for (const origin of ['node-a', '', 'nœud-1', '10.0.0.1:8086']) {
    const key = originKey(origin);
    assert.equal(originOfKey(key), origin);
    assert.ok(Buffer.compare(key, ORIGIN_KEY_MIN) >= 0 && Buffer.compare(key, ORIGIN_KEY_END) < 0);
    assert.ok(Buffer.compare(key, ENTRY_KEY_END) >= 0 || Buffer.compare(key, ENTRY_KEY_MIN) < 0);
  }
  assert.equal(readU64(u64Value(123456789012), 0), 123456789012);
});
