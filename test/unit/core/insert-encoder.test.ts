import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeInsert, seriesKey } from '../../../src/core/store/insert-encoder.js';
import type { FieldType, Point } from '../../../src/core/model/point.js';

const types = new Map<string, FieldType>([
  ['v', 'float'],
  ['s', 'string'],
  ['b', 'boolean'],
  ['i', 'integer'],
]);

function p(tags: string[], keys: string[], values: Array<number | string | boolean>, timeNs: bigint): Point {
  return { measurement: 'cpu', tags, fieldKeys: keys, fieldTypes: keys.map((k) => types.get(k)!), fieldValues: values, timeNs };
}

/** Reads RowBinary back for the structure `encodeInsert` declares (enough types for these tests). */
function decode(payload: Buffer, structure: string): unknown[][] {
  const types = structure.split(', ').map((column) => column.slice(column.indexOf(' ') + 1));
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
  while (o < payload.length) {
    const row: unknown[] = [];
    for (const type of types) {
      if (type.startsWith('Nullable(') && payload[o++] === 1) {
        row.push(null);
        continue;
      }
      const base = type.replace(/^Nullable\((.*)\)$/, '$1');
      if (base === 'Int64') row.push(payload.readBigInt64LE((o += 8) - 8));
      else if (base === 'Float64') row.push(payload.readDoubleLE((o += 8) - 8));
      else if (base === 'Bool') row.push(payload[o++] === 1);
      else row.push(str());
    }
    rows.push(row);
  }
  return rows;
}

test('series key escapes like line protocol', () => {
  assert.equal(seriesKey(p(['a b', 'x,y=z'], ['v'], [1], 0n)), 'cpu,a\\ b=x\\,y\\=z');
});

test('duplicate points merge per field, last write wins', () => {
  const encoded = encodeInsert(
    [p(['host', 'a'], ['v', 's'], [1, 'x'], 5n), p(['host', 'a'], ['v', 'b'], [2, true], 5n), p(['host', 'b'], ['v'], [3], 5n)],
    [1n, 2n, 3n],
    types,
  );
  assert.equal(encoded.rows, 2);
  assert.deepEqual(encoded.columns, ['_ns', '_series', 't_host', 'f_b', 'f_s', 'f_v']);
  assert.equal(encoded.structure, '_ns Int64, _series String, t_host String, f_b Nullable(Bool), f_s Nullable(String), f_v Nullable(Float64)');
  assert.deepEqual(decode(encoded.payload, encoded.structure), [
    [5n, 'cpu,host=a', 'a', true, 'x', 2],
    [5n, 'cpu,host=b', 'b', null, null, 3],
  ]);
});

test('strings of any length and content round-trip; missing tags are empty; int64 extremes are exact', () => {
  const long = 'é'.repeat(300) + '\t\n\\';
  const encoded = encodeInsert([p([], ['s', 'i'], [long, '-9223372036854775808'], -1n), p(['host', 'h'], ['i'], ['9223372036854775807'], 2n)], [1n, 1n], types);
  assert.deepEqual(decode(encoded.payload, encoded.structure), [
    [-1n, 'cpu', '', -9223372036854775808n, long],
    [2n, 'cpu,host=h', 'h', 9223372036854775807n, null],
  ]);
});
