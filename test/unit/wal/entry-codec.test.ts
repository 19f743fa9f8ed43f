import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr, Unpackr, unpack } from 'msgpackr';
import { VALUE_HEADER_BYTES, WalEntryCodec, toStoredEntry } from '../../../src/core/wal/entry-codec.js';
import { ENTRY_FORMAT } from '../../../src/core/wal/entry-binary.js';
import type { Point } from '../../../src/core/model/point.js';
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

/** A value as releases before the binary layout wrote it: msgpackr records of the StoredEntry. */
function legacyValue(entry: WalEntry): Buffer {
  const payload = new Packr({ useRecords: true, int64AsType: 'bigint' }).pack(toStoredEntry(entry));
  return Buffer.concat([Buffer.alloc(VALUE_HEADER_BYTES), payload]);
}

test('values written by older releases (msgpackr payload) still decode, sealed or shipped', () => {
  const codec = new WalEntryCodec();
  const times = [0n, -1n, INT64_MIN, INT64_MAX, 1_700_000_000_123_456_789n, null];
  const entry: WalEntry = { db: 'd', rp: 'r', origin: 'o', originSeq: 3, version: 77n, catalogIndex: 2, points: times.map((t, i) => makePoint(i, t)) };
  const value = legacyValue(entry);
  assert.equal(Array.isArray(unpack(value.subarray(VALUE_HEADER_BYTES))), false, 'an older record, not this format\'s array');
  codec.seal(entryKey(5), value, entry.originSeq, entry.version);
  assert.deepEqual(codec.decode(entryKey(5), value, 5), entry);
  assert.deepEqual(codec.decodeShipped(value), entry);
});

test('the binary layout round-trips every field type, unicode, shared series and the float edge values', () => {
  const codec = new WalEntryCodec();
  const tagsA = ['host', 'ä😀', 'region', ''];
  const tagsB = ['host', 'b'];
  const keys = ['f', 'i', 'u', 's', 'b'];
  const types: Point['fieldTypes'] = ['float', 'integer', 'unsigned', 'string', 'boolean'];
  const floats = [0, -0, 1.5e-308, Number.MAX_VALUE, -Number.MIN_VALUE, 0.1 + 0.2, 2 ** 53 + 2, -123456789.125];
  const points: Point[] = floats.map((f, i) => ({
    measurement: i % 2 === 0 ? 'cpu' : 'mem ö',
    tags: i % 3 === 0 ? tagsA : tagsB,
    fieldKeys: keys,
    fieldTypes: types,
    fieldValues: [f, i % 2 === 0 ? '-9223372036854775808' : '42', '18446744073709551615', i === 0 ? '' : `text "ü" ${'x'.repeat(i * 50)}`, i % 2 === 1],
    timeNs: i === 3 ? null : BigInt(i) * -1_000_000_007n,
  }));
  points.push({ measurement: 'empty', tags: [], fieldKeys: ['only'], fieldTypes: ['boolean'], fieldValues: [false], timeNs: 1n });
  const entry: WalEntry = { db: 'datenbank ß', rp: 'rp😀', origin: 'node-z~0000000a', originSeq: 12, version: 2n ** 64n - 1n, catalogIndex: 2 ** 40, points };
  const value = codec.encode(entry);
  const document = new Unpackr({ int64AsType: 'bigint' }).unpack(value.subarray(VALUE_HEADER_BYTES)) as unknown[];
  assert.equal(document[0], ENTRY_FORMAT, 'a msgpackr document of this format');
  codec.seal(entryKey(9), value, entry.originSeq, entry.version);
  const decoded = codec.decode(entryKey(9), value, 9);
  assert.deepEqual(decoded, entry);
  assert.ok(Object.is(decoded.points[1]!.fieldValues[0], -0), '-0 keeps its sign');
  // Points of one series share their arrays after decoding, as the parser's points do.
  assert.equal(decoded.points[0]!.tags, decoded.points[3]!.tags);
  assert.equal(decoded.points[0]!.fieldKeys, decoded.points[1]!.fieldKeys);
  assert.deepEqual(codec.decodeShipped(value), entry);
});

test('a payload cut short, with trailing bytes in its point column or an unknown format fails an assert', () => {
  const codec = new WalEntryCodec();
  const value = codec.encode(makeEntry(4, { points: 6 }));
  assert.throws(() => codec.decodeShipped(value.subarray(0, value.length - 3)));
  const document = new Unpackr({ int64AsType: 'bigint' }).unpack(value.subarray(VALUE_HEADER_BYTES)) as unknown[];
  const repacked = (doc: unknown[]): Buffer => Buffer.concat([Buffer.alloc(VALUE_HEADER_BYTES), new Packr({ useRecords: false }).pack(doc)]);
  const column = document[9] as Uint8Array;
  assert.throws(() => codec.decodeShipped(repacked([...document.slice(0, 9), Buffer.concat([column, Buffer.from([0])])])), /trailing bytes/);
  assert.throws(() => codec.decodeShipped(repacked([...document.slice(0, 9), column.subarray(0, column.length - 2)])), /ends early|count exceeds|missing table row/);
  assert.throws(() => codec.decodeShipped(repacked([3, ...document.slice(1)])), /unknown entry format 3/);
  assert.throws(() => codec.decodeShipped(repacked([...document.slice(0, 5), [1], ...document.slice(6)])), /malformed tables/);
});
