import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeInsert, seriesKey } from '../../../src/core/store/insert-encoder.js';
import type { Point } from '../../../src/core/model/point.js';

const types = new Map([
  ['v', 'float'],
  ['s', 'string'],
  ['b', 'boolean'],
  ['i', 'integer'],
] as const);

function p(tags: string[], keys: string[], values: Array<number | string | boolean>, timeNs: bigint): Point {
  return { measurement: 'cpu', tags, fieldKeys: keys, fieldTypes: keys.map((k) => types.get(k as 'v')!), fieldValues: values, timeNs };
}

test('series key escapes like line protocol', () => {
  assert.equal(seriesKey(p(['a b', 'x,y=z'], ['v'], [1], 0n)), 'cpu,a\\ b=x\\,y\\=z');
});

test('duplicate points merge per field, last write wins', () => {
  const encoded = encodeInsert(
    [p(['host', 'a'], ['v', 's'], [1, 'x'], 5n), p(['host', 'a'], ['v', 'b'], [2, true], 5n), p(['host', 'b'], ['v'], [3], 5n)],
    types,
  );
  assert.equal(encoded.rows, 2);
  assert.deepEqual(encoded.columns, ['_ns', '_series', 't_host', 'f_b', 'f_s', 'f_v']);
  assert.equal(encoded.payload.toString(), '5\tcpu,host=a\ta\ttrue\tx\t2\n5\tcpu,host=b\tb\t\\N\t\\N\t3\n');
});

test('strings are TSV-escaped and missing tags are empty', () => {
  const encoded = encodeInsert([p([], ['s', 'i'], ['a\tb\\c\nd', '-9223372036854775808'], -1n)], types);
  assert.equal(encoded.payload.toString(), '-1\tcpu\t-9223372036854775808\ta\\tb\\\\c\\nd\n');
});
