import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WalEntryCodec } from '../../../src/core/wal/entry-codec.js';
import { entryKey } from '../../../src/core/wal/wal-keys.js';
import type { WalEntry } from '../../../src/core/wal/wal-port.js';
import { makeEntry, makePoint } from './fixtures.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

test('bigint timestamps round-trip exactly, including negative, zero, null and the int64 limits', () => {
  const codec = new WalEntryCodec();
  const times = [0n, 1n, -1n, INT64_MIN, INT64_MAX, 1_700_000_000_123_456_789n, -1_700_000_000_123_456_789n, 2n ** 53n + 1n, null];
  const entry: WalEntry = { db: 'd', rp: 'r', origin: 'o', originSeq: 9, version: 2n ** 63n + 5n, catalogIndex: 4, points: times.map((t, i) => makePoint(i, t)) };
  const key = entryKey(1);
  const value = codec.encode(entry);
  codec.seal(key, value, entry.originSeq, entry.version);
  const decoded = codec.decode(key, value, 1);
  assert.deepEqual(decoded, entry);
  for (let i = 0; i < times.length; i++) {
    const t = decoded.points[i]!.timeNs;
    assert.equal(typeof t, times[i] === null ? 'object' : 'bigint');
    assert.equal(t, times[i]);
  }
});

test('each value decodes on its own with a fresh codec (records carry their own definitions)', () => {
  const writer = new WalEntryCodec();
  const values = Array.from({ length: 20 }, (_, i) => {
    const value = writer.encode(makeEntry(i, { points: 5 }));
    writer.seal(entryKey(i + 1), value, i + 1, BigInt(i) * 1000n);
    return value;
  });
  for (let i = values.length - 1; i >= 0; i--) {
    assert.deepEqual(new WalEntryCodec().decode(entryKey(i + 1), values[i]!, i + 1), makeEntry(i, { points: 5, originSeq: i + 1 }));
  }
});

test('a flipped bit, a missing seal or a value under another key fails the CRC assert', () => {
  const codec = new WalEntryCodec();
  const value = codec.encode(makeEntry(1));
  assert.throws(() => codec.decode(entryKey(1), value, 1), /CRC mismatch/);
  codec.seal(entryKey(1), value, 1, 1n);
  assert.throws(() => codec.decode(entryKey(2), value, 2), /CRC mismatch in entry 2/);
  const flipped = Buffer.from(value);
  flipped[flipped.length - 3]! ^= 0x10;
  assert.throws(() => codec.decode(entryKey(1), flipped, 1), /CRC mismatch/);
  assert.throws(() => codec.decode(entryKey(1), value.subarray(0, 4), 1), /truncated/);
});

test('originSeq and version live in the sealed header and are covered by the CRC', () => {
  const codec = new WalEntryCodec();
  const value = codec.encode(makeEntry(3));
  codec.seal(entryKey(7), value, 42, 123_456_789_012_345_678n);
  const decoded = codec.decode(entryKey(7), value, 7);
  assert.equal(decoded.originSeq, 42);
  assert.equal(decoded.version, 123_456_789_012_345_678n);
  assert.equal(decoded.catalogIndex, 3);
  const tampered = Buffer.from(value);
  tampered[11]! ^= 0x01; // the low byte of originSeq
  assert.throws(() => codec.decode(entryKey(7), tampered, 7), /CRC mismatch/);
  assert.throws(() => codec.seal(entryKey(7), value, 0, 1n), /originSeq must be a positive integer/);
});
