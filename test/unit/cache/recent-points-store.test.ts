// The recent-points store's bookkeeping: rows stay in time order whatever order writes come in, a
// local write at a held time overwrites the fields it carries, a load's rows never replace fields
// observed meanwhile, writes of unknown order drop the entry, and the byte bound holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldType, Point } from '../../../src/core/model/point.js';
import { RecentPointsStore, type RecentEntry, type StoredSeries } from '../../../src/core/cache/recent-points-store.js';
import { MIN_TIME_NS } from '../../../src/core/query/language/time-literal.js';
import { seriesKey } from '../../../src/core/store/insert-encoder.js';

const BASE = 1_700_000_000_000_000_000n;
const local = { replicated: false };
const replicated = { replicated: true };

function point(host: string, t: number, fields: Record<string, number | string | boolean>, types: Record<string, FieldType> = {}): Point {
  const keys = Object.keys(fields);
  return {
    measurement: 'm',
    tags: ['host', host],
    fieldKeys: keys,
    fieldTypes: keys.map((k) => types[k] ?? (typeof fields[k] === 'string' ? 'string' : typeof fields[k] === 'boolean' ? 'boolean' : 'float')),
    fieldValues: keys.map((k) => fields[k]!),
    timeNs: BASE + BigInt(t),
  };
}

function open(store: RecentPointsStore, coverFromNs: bigint = MIN_TIME_NS): RecentEntry {
  const entry = store.begin('db', 'rp', 'm', { coverFromNs, baseNs: BASE }, 0);
  assert.ok(entry !== undefined);
  return entry;
}

/** The held rows of one series as [relative time, value of `field`]. */
function rows(entry: RecentEntry, host: string, field: string): Array<[number, unknown]> {
  const series = entry.series.get(seriesKey(point(host, 0, { v: 0 })));
  if (series === undefined) return [];
  const column = series.columns.get(field);
  const out: Array<[number, unknown]> = [];
  for (let i = 0; i < series.length; i++) {
    const value = column === undefined ? null : column.num !== null ? (Number.isNaN(column.num[i]) ? null : column.num[i]) : (column.str![i] ?? null);
    out.push([series.times[i]!, value]);
  }
  return out;
}

const accepts = (): boolean => true;

test('out-of-order writes are held in time order; a local equal-time write overwrites its fields', () => {
  const store = new RecentPointsStore(1024 * 1024);
  const entry = open(store);
  store.observe('db', 'rp', [point('a', 30, { v: 3 }), point('a', 10, { v: 1, s: 'x' }), point('a', 20, { v: 2 })], local, accepts);
  store.observe('db', 'rp', [point('a', 10, { v: 9 }), point('a', 5, { s: 'y' })], local, accepts);
  assert.deepEqual(rows(entry, 'a', 'v'), [[5, null], [10, 9], [20, 2], [30, 3]]);
  assert.deepEqual(rows(entry, 'a', 's'), [[5, 'y'], [10, 'x'], [20, null], [30, null]]);
});

test('points older than the cover time are not held', () => {
  const store = new RecentPointsStore(1024 * 1024);
  const entry = open(store, BASE + 100n);
  store.observe('db', 'rp', [point('a', 50, { v: 1 }), point('a', 150, { v: 2 })], local, accepts);
  assert.deepEqual(rows(entry, 'a', 'v'), [[150, 2]]);
});

test('a load keeps the fields observed meanwhile and merges its rows in time order', () => {
  const store = new RecentPointsStore(1024 * 1024);
  const entry = open(store);
  store.observe('db', 'rp', [point('a', 20, { v: 200 }), point('a', 40, { v: 4 })], local, accepts);
  const key = seriesKey(point('a', 0, { v: 0 }));
  const read: StoredSeries = {
    key,
    tags: ['host', 'a'],
    times: Float64Array.of(10, 20, 30),
    columns: new Map([
      ['v', { type: 'float', num: Float64Array.of(1, 2, 3), str: null }],
      ['s', { type: 'string', num: null, str: [undefined, 'old', undefined] }],
    ]),
  };
  assert.equal(store.mergeStored('db', 'rp', 'm', entry, [read]), true);
  assert.equal(store.complete('db', 'rp', 'm', entry), true);
  assert.deepEqual(rows(entry, 'a', 'v'), [[10, 1], [20, 200], [30, 3], [40, 4]]);
  assert.deepEqual(rows(entry, 'a', 's'), [[10, null], [20, 'old'], [30, null], [40, null]]);
});

test('writes whose order against held points is unknown drop the entry', () => {
  const key = seriesKey(point('a', 0, { v: 0 }));
  // A replicated write at a time the load reads.
  let store = new RecentPointsStore(1024 * 1024);
  let entry = open(store);
  store.observe('db', 'rp', [point('a', 10, { v: 5 })], replicated, accepts);
  const read: StoredSeries = { key, tags: ['host', 'a'], times: Float64Array.of(10), columns: new Map([['v', { type: 'float', num: Float64Array.of(1), str: null }]]) };
  assert.equal(store.mergeStored('db', 'rp', 'm', entry, [read]), false);
  assert.equal(store.entry('db', 'rp', 'm'), undefined);
  // A replicated write at a held time once ready.
  store = new RecentPointsStore(1024 * 1024);
  entry = open(store);
  store.complete('db', 'rp', 'm', entry);
  store.observe('db', 'rp', [point('a', 10, { v: 1 })], local, accepts);
  store.observe('db', 'rp', [point('a', 10, { v: 2 })], replicated, accepts);
  assert.equal(store.entry('db', 'rp', 'm'), undefined);
  // An integer a double cannot hold, and a time too far from the base.
  for (const p of [point('a', 1, { i: '9007199254740993' }, { i: 'integer' }), { ...point('a', 0, { v: 1 }), timeNs: BASE + 2n ** 53n }]) {
    store = new RecentPointsStore(1024 * 1024);
    entry = open(store);
    store.observe('db', 'rp', [p], local, accepts);
    assert.equal(store.entry('db', 'rp', 'm'), undefined);
  }
});

test('past the byte bound the entry is marked over budget and frees its memory', () => {
  const store = new RecentPointsStore(1024 * 1024);
  open(store);
  const points: Point[] = [];
  for (let i = 0; i < 40_000; i++) points.push(point(`h${i % 10}`, i, { a: i, b: i, c: i }));
  store.observe('db', 'rp', points, local, accepts);
  assert.equal(store.entry('db', 'rp', 'm')?.state, 'over-budget');
  assert.ok(store.bytes <= 1024);
});

test('past the byte bound a live entry first gives up the points older than its window', () => {
  const store = new RecentPointsStore(256 * 1024, 1_000n);
  const entry = open(store);
  for (let t = 0; t < 20_000; t += 100) {
    const points: Point[] = [];
    for (let i = 0; i < 100; i++) points.push(point(`h${i % 4}`, t + i, { a: t + i }));
    store.observe('db', 'rp', points, local, accepts);
  }
  const held = store.entry('db', 'rp', 'm');
  assert.equal(held, entry, 'still the same entry, not an over-budget marker');
  assert.equal(held?.state, 'loading');
  assert.ok(store.bytes <= 256 * 1024);
  assert.ok(entry.coverFromNs > BASE + 10_000n && entry.coverFromNs <= BASE + 18_999n, String(entry.coverFromNs - BASE));
  // Every point at or after the cover time is still held, in order, and nothing before it.
  const cover = Number(entry.coverFromNs - BASE);
  const times = rows(entry, 'h1', 'a').map(([t]) => t);
  assert.deepEqual(times, Array.from({ length: 20_000 }, (_, t) => t).filter((t) => t % 4 === 1 && t >= cover));
});
