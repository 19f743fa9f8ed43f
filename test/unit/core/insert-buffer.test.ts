// The insert buffer kept between flush rounds: bounded, dropped on demand, and a payload encoded
// into it is byte for byte the one encoded into fresh memory, whatever a previous, larger round
// left in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InsertBuffer } from '../../../src/core/store/insert-buffer.js';
import { encodeInsert, type InsertRows } from '../../../src/core/store/insert-encoder.js';
import type { FieldType, Point } from '../../../src/core/model/point.js';

const types = new Map<string, FieldType>([
  ['f', 'float'],
  ['s', 'string'],
  ['b', 'boolean'],
  ['i', 'integer'],
  ['u', 'unsigned'],
]);
const fieldKeys = [...types.keys()];

/** `count` points of `series` series, each with the fields that `mask` picks (the rest are NULL in its row). */
function rows(count: number, series: number, seed: number): InsertRows {
  const points: Point[] = [];
  const versions: bigint[] = [];
  const entryEnds: number[] = [];
  for (let i = 0; i < count; i++) {
    const mask = ((i * 7 + seed) % 31) + 1;
    const keys = fieldKeys.filter((_, k) => (mask >> k) & 1);
    const values = keys.map((key) => {
      switch (types.get(key)!) {
        case 'float':
          return i / 3 + seed;
        case 'string':
          return 'é'.repeat((i + seed) % 9) + String(i);
        case 'boolean':
          return (i + seed) % 2 === 0;
        case 'integer':
          return String(-(i * 1_000_003) - seed);
        case 'unsigned':
          return String(BigInt(i) * 4_000_000_007n);
      }
    });
    points.push({ measurement: 'm', tags: ['host', `h${(i + seed) % series}`, 'region', i % 3 === 0 ? 'eu' : 'us'], fieldKeys: keys, fieldTypes: keys.map((k) => types.get(k)!), fieldValues: values, timeNs: BigInt(i >> 1) });
    versions.push(BigInt(1 + Math.floor(i / 5)));
    if (i % 5 === 4 || i === count - 1) entryEnds.push(i + 1);
  }
  return { points, versions, entryEnds };
}

test('rounds of different sizes through one kept buffer encode byte for byte as into fresh memory', () => {
  const buffer = new InsertBuffer(64 << 20);
  for (const [count, series, seed] of [
    [20_000, 500, 1],
    [300, 7, 2], // far smaller: the larger round's bytes lie past its end
    [5_000, 50, 3],
    [1, 1, 4],
    [12_000, 3_000, 5],
  ] as const) {
    // Whatever the last round left, and bytes no encoding writes alike by chance.
    buffer.take(0).fill(0xa5);
    const input = rows(count, series, seed);
    const fresh = encodeInsert(input, types);
    const reused = encodeInsert(input, types, buffer);
    assert.equal(reused.payload.buffer, buffer.take(0).buffer, 'the payload lies in the kept buffer');
    assert.equal(reused.payload.length, fresh.payload.length, `${count} points: payload length`);
    assert.ok(reused.payload.equals(fresh.payload), `${count} points: payload bytes`);
    assert.deepEqual({ ...reused, payload: null }, { ...fresh, payload: null });
  }
});

test('any sequence of inserts through one kept buffer matches fresh encodes', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 99 })), { minLength: 2, maxLength: 6 }), (rounds) => {
      const buffer = new InsertBuffer(1 << 20);
      for (const [count, series, seed] of rounds) {
        buffer.take(0).fill(seed);
        const input = rows(count, series, seed);
        assert.ok(encodeInsert(input, types, buffer).payload.equals(encodeInsert(input, types).payload));
      }
    }),
    { numRuns: 50 },
  );
});

test('the kept buffer grows by powers of two up to its limit; a larger payload gets a buffer of its own', () => {
  const buffer = new InsertBuffer(8 << 20);
  assert.equal(buffer.keptBytes, 0);
  const small = buffer.take(1000);
  assert.equal(small.length, 1 << 20, 'at least a MiB');
  assert.equal(buffer.take(1 << 20), small, 'reused while large enough');
  const grown = buffer.take((1 << 20) + 1);
  assert.equal(grown.length, 2 << 20);
  assert.equal(buffer.keptBytes, 2 << 20, 'the smaller buffer was let go');
  assert.equal(buffer.take((6 << 20) + 1).length, 8 << 20, 'rounded up no further than the limit');
  const huge = buffer.take((8 << 20) + 1);
  assert.equal(huge.length, (8 << 20) + 1);
  assert.equal(buffer.keptBytes, 0, 'a payload above the limit is not kept');
  assert.notEqual(buffer.take(10), huge);
  buffer.drop();
  assert.equal(buffer.keptBytes, 0);
  assert.throws(() => new InsertBuffer(-1), RangeError);
});
