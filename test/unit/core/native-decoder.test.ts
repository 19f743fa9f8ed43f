// The Native decoder must give exactly the values JSONCompact gives, for every type it accepts:
// each query below runs through the real chDB in both formats and the answers are compared.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { decodeNative, decodeNativeYielding, UnsupportedNativeType } from '../../../src/core/store/native-decoder.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-native-'));
const session = new Session(join(dir, 'chdb'), { installSignalHandlers: false });
after(() => {
  session.close();
  rmSync(dir, { recursive: true, force: true });
});

const SETTINGS = ' SETTINGS output_format_json_quote_64bit_integers=1, output_format_json_quote_denormals=1';

async function both(sql: string): Promise<{ native: ReturnType<typeof decodeNative>; json: { meta: Array<{ name: string; type: string }>; data: unknown[][] } }> {
  const native = decodeNative((await session.queryAsync(sql + SETTINGS, { format: 'Native' })).bytes());
  const json = JSON.parse((await session.queryAsync(sql + SETTINGS, { format: 'JSONCompact' })).text());
  return { native, json };
}

const SAME_AS_JSON: ReadonlyArray<readonly [string, string]> = [
  ['small ints, Int64 and strings', "SELECT 1 AS a, toInt64(-2) AS b, 'xy' AS c"],
  ['every integer width and float edge', 'SELECT number, toInt8(number - 2), toUInt16(number * 1000), toInt32(-number), toUInt32(number * 4000000000 % 4294967295), number / 3, nan, inf, -inf, -0.0, toUInt64(18446744073709551615), toInt64(-9223372036854775808) FROM numbers(5)'],
  ['Float32 prints its shortest form', 'SELECT toFloat32(number / 10), toFloat32(0.1), toFloat32(1e-40), toFloat32(3.4e38), toFloat32(nan) FROM numbers(4)'],
  ['128- and 256-bit integers', "SELECT toInt128(-170141183460469231731687303715884105728), toUInt128('340282366920938463463374607431768211455'), toInt256(-5), toUInt256(12345678901234567890123)"],
  ['Nullable, NULL and Nothing', 'SELECT toNullable(1.5) AS a, NULL AS n, [NULL, 1] AS an, toNullable(nan) AS x, if(number % 2 = 0, NULL, number) AS m FROM numbers(3)'],
  ['arrays, tuples, Bool', "SELECT [1, 2] AS a, (1, 'x') AS t, [[1.5], []] AS aa, [(1, 'a')] AS at, true AS bo, [] AS e, groupArray(tuple(number, toString(number))) OVER () AS g FROM numbers(3)"],
  ['LowCardinality, nullable or not, over many blocks', 'SELECT toLowCardinality(toNullable(if(number % 3 = 0, NULL, toString(number % 7)))) AS lc, toLowCardinality(toString(number)) AS lc2 FROM numbers(100000)'],
  ['LowCardinality nested in Array and Tuple (its state comes before the outer data)', "SELECT groupUniqArray(toLowCardinality(toString(number % 5))) AS a, [toLowCardinality(toNullable(toString(number)))] AS an, (toLowCardinality('x'), number, [toLowCardinality('y')]) AS t, [[toLowCardinality('z')]] AS aa FROM numbers(10) GROUP BY number % 2 = 0, number ORDER BY number"],
  ['dates and times in UTC', "SELECT toDateTime64(1451606400.123456789, 9, 'UTC') AS d, toDateTime64(-1.5, 3, 'UTC') AS dn, toDate('2016-02-29') AS dd, toDate32('1950-01-01') AS d32"],
  ['UTF-8, escapes, FixedString and bytes that are not UTF-8', "SELECT toFixedString('ab', 4) AS fs, 'héllo ☃ \\t\\n\"' AS u, unhex('ff00') AS bad"],
  ['SimpleAggregateFunction columns, as field columns are stored', "SELECT CAST(toNullable(1.5), 'SimpleAggregateFunction(anyLast, Nullable(Float64))') AS f, CAST(NULL, 'SimpleAggregateFunction(anyLast, Nullable(String))') AS s, CAST(toNullable(toInt64(7)), 'SimpleAggregateFunction(anyLast, Nullable(Int64))') AS i"],
  ['a result of many blocks', 'SELECT toString(number) AS s, number * 1.5 AS f FROM numbers(200000)'],
];

for (const [name, sql] of SAME_AS_JSON) {
  test(`Native decodes like JSONCompact: ${name}`, async () => {
    const { native, json } = await both(sql);
    assert.deepEqual(native.columns, json.meta.map((m) => m.name));
    assert.deepEqual(native.types, json.meta.map((m) => m.type));
    assert.equal(native.rows.length, json.data.length);
    assert.deepEqual(native.rows, json.data);
  });
}

test('an empty result decodes to no columns and no rows', async () => {
  const bytes = (await session.queryAsync('SELECT number FROM numbers(0)', { format: 'Native' })).bytes();
  assert.deepEqual(decodeNative(bytes), { columns: [], types: [], rows: [] });
});

test('types JSONCompact writes differently are refused, so the caller reads JSONCompact', async () => {
  for (const sql of ["SELECT CAST((1, 'x'), 'Tuple(a UInt8, b String)') AS nt", "SELECT map('k', 1) AS m", "SELECT toDecimal64(1.5, 2) AS d", "SELECT toDateTime(0, 'Asia/Tokyo') AS t", "SELECT toDateTime(0, 'UTC') AS t", 'SELECT now64() AS t', 'SELECT generateUUIDv4() AS u']) {
    const bytes = (await session.queryAsync(sql, { format: 'Native' })).bytes();
    assert.throws(() => decodeNative(bytes), UnsupportedNativeType, sql);
  }
});

test('a truncated answer is an error, never short rows', async () => {
  const bytes = (await session.queryAsync("SELECT number, toString(number) FROM numbers(10)", { format: 'Native' })).bytes();
  for (const cut of [1, 5, bytes.length - 1]) assert.throws(() => decodeNative(bytes.subarray(0, cut)), RangeError);
});

test('the yielding decode gives the same rows, and other callbacks run between its blocks', async () => {
  const bytes = (await session.queryAsync('SELECT number, toString(number) AS s, number / 7 AS f FROM numbers(300000)', { format: 'Native' })).bytes();
  let turns = 0;
  const ticker = setInterval(() => turns++, 0);
  const yielding = await decodeNativeYielding(bytes);
  clearInterval(ticker);
  assert.deepEqual(yielding, decodeNative(bytes));
  assert.equal(yielding.rows.length, 300000);
  assert.ok(turns > 0, 'a timer ran while the answer was decoded');
});
