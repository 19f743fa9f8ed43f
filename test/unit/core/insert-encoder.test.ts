import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareFieldValues, encodeInsert, seriesKey, type InsertRows } from '../../../src/core/store/insert-encoder.js';
import type { FieldType, Point } from '../../../src/core/model/point.js';

const types = new Map<string, FieldType>([
  ['v', 'float'],
  ['s', 'string'],
  ['b', 'boolean'],
  ['i', 'integer'],
  ['u', 'unsigned'],
]);

function p(tags: string[], keys: string[], values: Array<number | string | boolean>, timeNs: bigint): Point {
  return { measurement: 'cpu', tags, fieldKeys: keys, fieldTypes: keys.map((k) => types.get(k)!), fieldValues: values, timeNs };
}

/** Writes as the WAL holds them: each write's points with its version, in order. */
function writes(...list: Array<[version: bigint, points: Point[]]>): InsertRows {
  const rows = { points: [] as Point[], versions: [] as bigint[], entryEnds: [] as number[] };
  for (const [version, points] of list) {
    for (const point of points) {
      rows.points.push(point);
      rows.versions.push(version);
    }
    rows.entryEnds.push(rows.points.length);
  }
  return rows;
}

/** Reads RowBinary back for the structure `encodeInsert` declares (enough types for these tests). */
function decode(payload: Buffer, structure: string): unknown[][] {
  const columnTypes = structure.split(/, (?=[a-z_][A-Za-z0-9_]* )/).map((column) => column.slice(column.indexOf(' ') + 1));
  const rows: unknown[][] = [];
  let o = 0;
  const str = (): string => {
    let length = 0;
    let shift = 0;
    for (;;) {
      const b = payload[o++]!;
      length |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    const text = payload.toString('utf8', o, o + length);
    o += length;
    return text;
  };
  const value = (type: string): unknown => {
    const tuple = /^Tuple\(UInt64, (.*)\)$/.exec(type);
    if (tuple) {
      const version = payload.readBigUInt64LE((o += 8) - 8);
      return [version, value(tuple[1]!)];
    }
    if (type.startsWith('Nullable(') && payload[o++] === 1) return null;
    const base = type.replace(/^Nullable\((.*)\)$/, '$1');
    if (base === 'Int64') return payload.readBigInt64LE((o += 8) - 8);
    if (base === 'UInt64') return payload.readBigUInt64LE((o += 8) - 8);
    if (base === 'Float64') return payload.readDoubleLE((o += 8) - 8);
    if (base === 'Bool') return payload[o++] === 1;
    return str();
  };
  while (o < payload.length) rows.push(columnTypes.map(value));
  return rows;
}

test('series key escapes like line protocol', () => {
  assert.equal(seriesKey(p(['a b', 'x,y=z'], ['v'], [1], 0n)), 'cpu,a\\ b=x\\,y\\=z');
});

test('fields are stored as (version, value) tuples; a field a row lacks is (0, NULL)', () => {
  const encoded = encodeInsert(writes([7n, [p(['host', 'a'], ['v', 's'], [1, 'x'], 5n)]], [9n, [p(['host', 'b'], ['b'], [true], 5n)]]), types);
  assert.deepEqual(encoded.columns, ['_ns', '_series', 't_host', 'v_b', 'v_s', 'v_v']);
  assert.equal(
    encoded.structure,
    '_ns Int64, _series String, t_host String, v_b Tuple(UInt64, Nullable(Bool)), v_s Tuple(UInt64, Nullable(String)), v_v Tuple(UInt64, Nullable(Float64))',
  );
  assert.deepEqual(decode(encoded.payload, encoded.structure), [
    [5n, 'cpu,host=a', 'a', [0n, null], [7n, 'x'], [7n, 1]],
    [5n, 'cpu,host=b', 'b', [9n, true], [0n, null], [0n, null]],
  ]);
});

test('duplicate points of one write merge per field, its last point winning (InfluxDB), whatever the values', () => {
  const encoded = encodeInsert(
    writes([3n, [p(['host', 'a'], ['v', 's'], [9, 'x'], 5n), p(['host', 'a'], ['v', 'b'], [2, true], 5n), p(['host', 'b'], ['v'], [3], 5n), p(['host', 'a'], ['v'], [1], 5n)]]),
    types,
  );
  assert.equal(encoded.rows, 2);
  assert.deepEqual(decode(encoded.payload, encoded.structure), [
    [5n, 'cpu,host=a', 'a', [3n, true], [3n, 'x'], [3n, 1]],
    [5n, 'cpu,host=b', 'b', [0n, null], [0n, null], [3n, 3]],
  ]);
});

test('between writes the higher version wins per field, whatever order the writes come in', () => {
  const older: [bigint, Point[]] = [10n, [p(['host', 'a'], ['v', 's'], [100, 'old'], 5n)]];
  const newer: [bigint, Point[]] = [20n, [p(['host', 'a'], ['v'], [1], 5n)]];
  const expected = [[5n, 'cpu,host=a', 'a', [10n, 'old'], [20n, 1]]];
  for (const order of [
    [older, newer],
    [newer, older],
  ]) {
    const encoded = encodeInsert(writes(...order), types);
    assert.deepEqual(decode(encoded.payload, encoded.structure), expected);
  }
});

test('equal versions from two writes: the higher value wins, as ClickHouse compares them', () => {
  const cases: Array<[string, unknown, unknown, unknown]> = [
    ['v', 1.5, -2, 1.5],
    ['v', Number.NaN, -Infinity, -Infinity],
    ['s', 'z', 'é', 'é'], // bytes: 0xC3 > 'z', though UTF-16 would say otherwise for some pairs
    ['s', '\u{1F600}', '\uFFFD', '\u{1F600}'], // UTF-16 puts the surrogate first; UTF-8 bytes do not
    ['b', true, false, true],
    ['i', '-5', '2', 2n],
    ['i', '10', '9', 10n],
    ['u', '18446744073709551615', '2', 18446744073709551615n],
  ];
  for (const [field, a, b, winner] of cases) {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ]) {
      const encoded = encodeInsert(writes([4n, [p([], [field], [x as never], 1n)]], [4n, [p([], [field], [y as never], 1n)]]), types);
      const [[, , cell]] = decode(encoded.payload, encoded.structure) as [[unknown, unknown, [bigint, unknown]]];
      assert.deepEqual(cell, [4n, winner], `${field}: ${String(x)} then ${String(y)}`);
    }
  }
});

test("a write's own last value is what it offers against other writes, whatever their order", () => {
  // Write B (same version as A) holds 5 then 1 for one point: it offers 1, which loses to A's 3.
  const a: [bigint, Point[]] = [4n, [p([], ['v'], [3], 1n)]];
  const b: [bigint, Point[]] = [4n, [p([], ['v'], [5], 1n), p([], ['v'], [1], 1n)]];
  for (const order of [
    [a, b],
    [b, a],
  ]) {
    const encoded = encodeInsert(writes(...order), types);
    assert.deepEqual(decode(encoded.payload, encoded.structure), [[1n, 'cpu', [4n, 3]]]);
  }
});

test('compareFieldValues orders NaN below every number and compares integers exactly', () => {
  assert.equal(compareFieldValues('float', Number.NaN, Number.NaN), 0);
  assert.ok(compareFieldValues('float', Number.NaN, -Infinity) < 0);
  assert.ok(compareFieldValues('float', 0, Number.NaN) > 0);
  assert.ok(compareFieldValues('integer', '9223372036854775807', '9223372036854775806') > 0);
  assert.ok(compareFieldValues('unsigned', '9007199254740993', '9007199254740992') > 0);
});

test('strings of any length and content round-trip; missing tags are empty; int64 extremes are exact', () => {
  const long = 'é'.repeat(300) + '\t\n\\';
  const encoded = encodeInsert(writes([1n, [p([], ['s', 'i'], [long, '-9223372036854775808'], -1n), p(['host', 'h'], ['i'], ['9223372036854775807'], 2n)]]), types);
  assert.deepEqual(decode(encoded.payload, encoded.structure), [
    [-1n, 'cpu', '', [1n, -9223372036854775808n], [1n, long]],
    [2n, 'cpu,host=h', 'h', [1n, 9223372036854775807n], [0n, null]],
  ]);
});

test('versions use all 64 bits; inputs that do not line up are refused', () => {
  const top = (1n << 64n) - 1n;
  const encoded = encodeInsert(writes([top, [p([], ['v'], [1], 1n)]]), types);
  assert.deepEqual(decode(encoded.payload, encoded.structure), [[1n, 'cpu', [top, 1]]]);
  assert.throws(() => encodeInsert({ points: [p([], ['v'], [1], 1n)], versions: [], entryEnds: [1] }, types), /versions/);
  assert.throws(() => encodeInsert({ points: [p([], ['v'], [1], 1n)], versions: [1n], entryEnds: [] }, types), /writes/);
  assert.throws(() => encodeInsert({ points: [p([], ['v'], [1], 1n)], versions: [1n << 64n], entryEnds: [1] }, types), RangeError);
});

test("rows come in the table's sort key order: series by UTF-8 bytes, then time, whatever order the points came in", () => {
  // Time-major, as collectors send them, with one point out of order and one duplicate.
  const encoded = encodeInsert(
    writes(
      [1n, [p(['host', 'b'], ['v'], [1], 10n), p(['host', 'a'], ['v'], [2], 10n), p(['host', '\u{1F600}'], ['v'], [3], 10n), p(['host', '\uFFFD'], ['v'], [4], 10n)]],
      [2n, [p(['host', 'b'], ['v'], [5], 20n), p(['host', 'a'], ['v'], [6], 20n), p(['host', 'a'], ['v'], [7], 5n), p(['host', 'b'], ['v'], [8], 10n)]],
    ),
    types,
  );
  assert.deepEqual(
    decode(encoded.payload, encoded.structure).map(([time, series, , v]) => [series, time, v]),
    [
      ['cpu,host=a', 5n, [2n, 7]],
      ['cpu,host=a', 10n, [1n, 2]],
      ['cpu,host=a', 20n, [2n, 6]],
      ['cpu,host=b', 10n, [2n, 8]],
      ['cpu,host=b', 20n, [2n, 5]],
      // UTF-16 puts the surrogate pair of U+1F600 before U+FFFD; their UTF-8 bytes (F0 … > EF …) do not.
      ['cpu,host=\uFFFD', 10n, [1n, 4]],
      ['cpu,host=\u{1F600}', 10n, [1n, 3]],
    ],
  );
});

test('any writes encode to one row per (series, time), strictly in sort key order (the insert relies on both)', () => {
  const hosts = ['a', 'b', 'é', '\u{1F600}', '\uFFFD', 'a,b'];
  const point = fc.record({ host: fc.constantFrom(...hosts), time: fc.bigInt({ min: -3n, max: 6n }), value: fc.integer({ min: -9, max: 9 }) });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 4n }), fc.array(point, { minLength: 1, maxLength: 12 })), { minLength: 1, maxLength: 5 }), (list) => {
      const encoded = encodeInsert(writes(...list.map(([version, points]): [bigint, Point[]] => [version, points.map((x) => p(['host', x.host], ['v'], [x.value], x.time))])), types);
      const keys = decode(encoded.payload, encoded.structure).map(([time, series]) => [Buffer.from(series as string, 'utf8'), time as bigint] as const);
      const distinct = new Set(list.flatMap(([, points]) => points.map((x) => `${x.host}\u0000${x.time}`)));
      assert.equal(keys.length, distinct.size);
      for (let i = 1; i < keys.length; i++) {
        const order = Buffer.compare(keys[i - 1]![0], keys[i]![0]);
        assert.ok(order < 0 || (order === 0 && keys[i - 1]![1] < keys[i]![1]), `row ${i} is not after row ${i - 1}`);
      }
    }),
    { numRuns: 300 },
  );
});

test('integer fields of any decimal text encode exactly as BigInt reads them (short texts skip the BigInt)', () => {
  const signedText = fc.oneof(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map(String), fc.integer({ min: -1e6, max: 1e6 }).map(String), fc.maxSafeInteger().map(String));
  const unsignedText = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(String), fc.nat().map(String));
  const edges = ['0', '-0', '007', '-000000000000001', '999999999999999', '-999999999999999', '1000000000000000', '4294967295', '4294967296', '-4294967296', '-4294967297', '2147483648', '-2147483649', '', ' 5', '+5', '0x10'];
  const cell = (field: string, text: string): unknown => {
    const encoded = encodeInsert(writes([1n, [p([], [field], [text], 1n)]]), types);
    return (decode(encoded.payload, encoded.structure) as [[unknown, unknown, [bigint, unknown]]])[0][2][1];
  };
  fc.assert(fc.property(signedText, (text) => assert.equal(cell('i', text), BigInt(text))), { numRuns: 400 });
  fc.assert(fc.property(unsignedText, (text) => assert.equal(cell('u', text), BigInt(text))), { numRuns: 400 });
  for (const text of edges) {
    assert.equal(cell('i', text), BigInt(text), `integer ${JSON.stringify(text)}`);
    if (BigInt(text) >= 0n) assert.equal(cell('u', text), BigInt(text), `unsigned ${JSON.stringify(text)}`);
    else assert.throws(() => cell('u', text), RangeError, `unsigned ${JSON.stringify(text)}`);
  }
  for (const text of ['1e3', '1.5', '5i', '-']) assert.throws(() => cell('i', text), SyntaxError, `integer ${JSON.stringify(text)}`);
});
