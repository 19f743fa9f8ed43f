// The last-value cache's bookkeeping: entries observe writes only while they exist, loads merge
// with what was observed meanwhile, forget drops, and the byte bound holds (over-budget markers,
// least recently used entries dropped to make room).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLineProtocol } from '../../../src/core/lineprotocol/index.js';
import { LastValueStore } from '../../../src/core/cache/last-value-store.js';
import type { Point } from '../../../src/core/model/point.js';

function points(text: string): Point[] {
  return parseLineProtocol(Buffer.from(text), { precision: 'ns', nowNs: 0n }).points;
}

const local = { version: 1n, replicated: false };
const always = (): boolean => true;

test('only measurements with an entry are observed; a load merges under what was observed', () => {
  const store = new LastValueStore({ depth: 2, maxBytes: 1 << 20 });
  store.observe('db', 'rp', points('m,host=a v=1 10'), local, always);
  assert.equal(store.measurements, 0);
  const token = store.begin('db', 'rp', 'm', 0)!;
  assert.equal(store.begin('db', 'rp', 'm', 0), undefined, 'one entry per measurement');
  store.observe('db', 'rp', points('m,host=a v=3 30\nm,host=b v=7 5\nother v=1 1'), { version: 2n, replicated: false }, always);
  const stored = [
    { key: 'm,host=a', tags: ['host', 'a'], fields: new Map([['v', { times: [20n, 10n], values: [2, 1], versions: [1n, 1n], complete: false }]]) },
  ];
  assert.equal(store.complete('db', 'rp', 'm', token, stored), true);
  const entry = store.entry('db', 'rp', 'm')!;
  assert.equal(entry.state, 'ready');
  assert.deepEqual(entry.series.get('m,host=a')!.fields.get('v')!.times, [30n, 20n]);
  assert.deepEqual(entry.series.get('m,host=b')!.fields.get('v')!.values, [7]);
  assert.equal(entry.series.get('m,host=b')!.fields.get('v')!.complete, true);
  assert.equal(store.series, 2);
  assert.equal(store.entry('db', 'rp', 'other'), undefined);
});

test('a load that finishes after its entry was forgotten changes nothing', () => {
  const store = new LastValueStore({ depth: 2, maxBytes: 1 << 20 });
  const token = store.begin('db', 'rp', 'm', 0)!;
  store.forget((db, _rp, m) => db === 'db' && m === 'm');
  assert.equal(store.complete('db', 'rp', 'm', token, []), false);
  assert.equal(store.entry('db', 'rp', 'm'), undefined);
  assert.equal(store.bytes, 0);
});

test('points the flush will not store as they are are not observed', () => {
  const store = new LastValueStore({ depth: 2, maxBytes: 1 << 20 });
  const token = store.begin('db', 'rp', 'm', 0)!;
  store.complete('db', 'rp', 'm', token, []);
  store.observe('db', 'rp', points('m,host=a v=1 10'), local, () => false);
  assert.equal(store.entry('db', 'rp', 'm')!.series.size, 0);
});

test('an equal-time write that cannot be ordered drops the entry', () => {
  const store = new LastValueStore({ depth: 2, maxBytes: 1 << 20 });
  const token = store.begin('db', 'rp', 'm', 0)!;
  store.complete('db', 'rp', 'm', token, []);
  store.observe('db', 'rp', points('m v=1 10'), { version: 5n, replicated: true }, always);
  store.observe('db', 'rp', points('m v=2 10'), { version: 3n, replicated: true }, always);
  assert.deepEqual(store.entry('db', 'rp', 'm')!.series.get('m')!.fields.get('v')!.values, [1], 'a lower version loses');
  store.observe('db', 'rp', points('m v=3 10'), { version: 5n, replicated: true }, always);
  assert.equal(store.entry('db', 'rp', 'm'), undefined);
  assert.equal(store.bytes, 0);
  assert.equal(store.series, 0);
});

test('past the byte bound an entry becomes an over-budget marker, and the bound holds', () => {
  const maxBytes = 64 * 1024;
  const store = new LastValueStore({ depth: 2, maxBytes });
  const token = store.begin('db', 'rp', 'm', 0)!;
  store.complete('db', 'rp', 'm', token, []);
  const lines = Array.from({ length: 1000 }, (_, i) => `m,host=h${i} v=${i} ${i}`).join('\n');
  store.observe('db', 'rp', points(lines), local, always);
  assert.equal(store.entry('db', 'rp', 'm')!.state, 'over-budget');
  assert.ok(store.bytes <= maxBytes);
  assert.equal(store.series, 0);
  store.retryOverBudget(1);
  assert.equal(store.entry('db', 'rp', 'm'), undefined, 'retried later');
});

test('growing past the bound drops the least recently used other entries first', () => {
  const store = new LastValueStore({ depth: 2, maxBytes: 7 * 1024 });
  for (const [name, usedAt] of [['a', 5], ['b', 1]] as const) {
    const token = store.begin('db', 'rp', name, usedAt)!;
    store.complete('db', 'rp', name, token, []);
    store.observe('db', 'rp', points(Array.from({ length: 6 }, (_, i) => `${name},host=h${i} v=1 1`).join('\n')), local, always);
  }
  assert.ok(store.bytes > 4 * 1024);
  const filler = store.begin('db', 'rp', 'c', 9)!;
  store.complete('db', 'rp', 'c', filler, []);
  store.observe('db', 'rp', points(Array.from({ length: 6 }, (_, i) => `c,host=h${i} v=1 1`).join('\n')), local, always);
  assert.equal(store.entry('db', 'rp', 'b'), undefined, 'the least recently used went first');
  assert.equal(store.entry('db', 'rp', 'a')?.state, 'ready');
  assert.ok(store.bytes <= 7 * 1024);
});
