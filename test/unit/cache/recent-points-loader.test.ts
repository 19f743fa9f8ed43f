// The recent-points loader's pure parts: which window a load holds, how it cuts the table into
// ranges of series that cover every key, and the RowBinary decoding of its answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inTimeOrder, loadCover, readRecentSeries, seriesSlices } from '../../../src/core/cache/recent-points-loader.js';
import { MIN_TIME_NS } from '../../../src/core/query/language/time-literal.js';
import type { MeasurementView } from '../../../src/core/meta/schema-view.js';

const H = 3_600_000_000_000n;

test('a load holds the window before the newest point, or the whole table when it is shorter', () => {
  const newest = 1_000n * H;
  assert.deepEqual(loadCover({ oldestNs: newest - 30n * H, newestNs: newest, rows: 10 }, 24n * H, 0n), { coverFromNs: newest - 24n * H, baseNs: newest });
  assert.deepEqual(loadCover({ oldestNs: newest - 2n * H, newestNs: newest, rows: 10 }, 24n * H, 0n), { coverFromNs: MIN_TIME_NS, baseNs: newest });
  // An empty table is held whole from now on; a huge window is cut to what doubles hold exactly.
  assert.deepEqual(loadCover(undefined, 24n * H, 5n), { coverFromNs: MIN_TIME_NS, baseNs: 5n });
  assert.equal(loadCover({ oldestNs: 0n, newestNs: newest, rows: 1 }, 100_000n * H, 0n).coverFromNs, newest - BigInt(2 ** 51));
});

test('series ranges hold about the asked rows each and cover every key, open at both ends', () => {
  const counts = { columns: [], types: [], rows: [['a', 40], ['b', 70], ['c', 10], ['d', 200], ['e', 5]] };
  assert.deepEqual(seriesSlices(counts, 100), [{ through: 'b' }, { after: 'b', through: 'd' }, { after: 'd' }]);
  assert.deepEqual(seriesSlices(counts, 1_000), [{}]);
  assert.deepEqual(seriesSlices({ columns: [], types: [], rows: [] }, 100), [{}]);
});

/** RowBinary of one series row: strings and arrays prefixed by their LEB128 length. */
function rowBinary(parts: ReadonlyArray<{ s: string } | { f: readonly number[] } | { ss: readonly string[] } | { u8: readonly number[] }>): Buffer {
  const out: Buffer[] = [];
  const len = (n: number): Buffer => {
    const bytes: number[] = [];
    do {
      let b = n & 0x7f;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      bytes.push(b);
    } while (n > 0);
    return Buffer.from(bytes);
  };
  const str = (s: string): Buffer => Buffer.concat([len(Buffer.byteLength(s)), Buffer.from(s)]);
  for (const p of parts) {
    if ('s' in p) out.push(str(p.s));
    else if ('ss' in p) out.push(len(p.ss.length), ...p.ss.map(str));
    else if ('u8' in p) out.push(len(p.u8.length), Buffer.from(p.u8));
    else {
      const f = Buffer.alloc(8 * p.f.length);
      p.f.forEach((v, i) => f.writeDoubleLE(v, 8 * i));
      out.push(len(p.f.length), f);
    }
  }
  return Buffer.concat(out);
}

test('the RowBinary answer decodes into sorted tags and columns aligned with the times', () => {
  const view: MeasurementView = { name: 'm', tagKeys: ['region', 'host'], fieldTypes: new Map([['v', 'float'], ['i', 'integer'], ['b', 'boolean'], ['s', 'string'], ['empty', 'float']]) };
  // Fields come sorted: b, empty, i, s, v.
  const answer = rowBinary([
    { s: 'm,host=a,region=west' }, { s: 'west' }, { s: 'a' },
    { f: [-10, 0, 10] },
    { u8: [1, 2, 0] },
    { f: [NaN, NaN, NaN] },
    { ss: ['7', '', '-9007199254740991'] },
    { ss: ['x', '', ''] }, { u8: [1, 0, 1] },
    { f: [1.5, NaN, 2.5] },
  ]);
  const [series] = readRecentSeries(answer, view);
  assert.ok(series !== undefined);
  assert.deepEqual(series.tags, ['host', 'a', 'region', 'west']);
  assert.deepEqual([...series.times], [-10, 0, 10]);
  assert.deepEqual([...series.columns.keys()], ['b', 'i', 's', 'v'], 'a field with no value in the series takes no column');
  assert.deepEqual([...series.columns.get('b')!.num!], [1, NaN, 0]);
  assert.deepEqual([...series.columns.get('i')!.num!], [7, NaN, -9007199254740991]);
  assert.deepEqual(series.columns.get('s')!.str, ['x', undefined, '']);
  assert.deepEqual([...series.columns.get('v')!.num!], [1.5, NaN, 2.5]);
  assert.throws(() => readRecentSeries(answer.subarray(0, answer.length - 3), view), /truncated/);
  const tooLarge = rowBinary([{ s: 'k' }, { s: '' }, { s: '' }, { f: [0] }, { u8: [2] }, { f: [NaN] }, { ss: ['9007199254740993'] }, { ss: [''] }, { u8: [0] }, { f: [NaN] }]);
  assert.throws(() => readRecentSeries(tooLarge, view), /beyond/);
});

test('rows a group hands over out of time order are sorted, every column with its time', () => {
  const sorted = inTimeOrder({
    key: 'k',
    tags: [],
    times: Float64Array.of(30, 10, 20),
    columns: new Map([
      ['v', { type: 'float', num: Float64Array.of(3, 1, 2), str: null }],
      ['s', { type: 'string', num: null, str: ['c', undefined, 'b'] }],
    ]),
  });
  assert.deepEqual([...sorted.times], [10, 20, 30]);
  assert.deepEqual([...sorted.columns.get('v')!.num!], [1, 2, 3]);
  assert.deepEqual(sorted.columns.get('s')!.str, [undefined, 'b', 'c']);
  assert.throws(() => inTimeOrder({ key: 'k', tags: [], times: Float64Array.of(2, 1, 2), columns: new Map() }), /two rows at one time/);
  // A time written far from the base after the load chose it is refused, not held rounded.
  assert.throws(() => inTimeOrder({ key: 'k', tags: [], times: Float64Array.of(1, 2 ** 53), columns: new Map() }), /too far/);
});
