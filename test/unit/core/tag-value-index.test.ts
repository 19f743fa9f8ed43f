// The in-memory tag value index: observes writes from begin(), answers only once loaded, gives up past its bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareUtf8, TagValueIndex } from '../../../src/core/meta/tag-value-index.js';
import type { Point } from '../../../src/core/model/point.js';

function point(measurement: string, tags: readonly string[]): Point {
  return { measurement, tags, fieldKeys: ['v'], fieldTypes: ['float'], fieldValues: [1], timeNs: 1n } as unknown as Point;
}

test('a measurement answers only after its stored values are merged, including writes seen while loading', () => {
  const index = new TagValueIndex({ maxValuesPerMeasurement: 100 });
  index.observe('db', 'rp', [point('cpu', ['host', 'early'])]);
  assert.equal(index.values('db', 'rp', 'cpu', ['host']), undefined);
  const token = index.begin('db', 'rp', 'cpu')!;
  assert.equal(index.begin('db', 'rp', 'cpu'), undefined, 'one load at a time');
  index.observe('db', 'rp', [point('cpu', ['host', 'b', 'region', 'eu']), point('mem', ['host', 'x'])]);
  assert.equal(index.values('db', 'rp', 'cpu', ['host']), undefined);
  index.complete('db', 'rp', 'cpu', token, [['host', 'a'], ['host', 'b']]);
  assert.deepEqual(index.values('db', 'rp', 'cpu', ['host', 'region']), [['host', 'a'], ['host', 'b'], ['region', 'eu']]);
  index.observe('db', 'rp', [point('cpu', ['host', 'c'])]);
  assert.deepEqual(index.values('db', 'rp', 'cpu', ['host']), [['host', 'a'], ['host', 'b'], ['host', 'c']]);
  assert.equal(index.values('db', 'rp', 'mem', ['host']), undefined);
});

test('a load finishing after its entry was forgotten (a delete ran) is dropped', () => {
  const index = new TagValueIndex({ maxValuesPerMeasurement: 100 });
  const token = index.begin('db', 'rp', 'cpu')!;
  index.forget((db) => db === 'db');
  index.complete('db', 'rp', 'cpu', token, [['host', 'deleted']]);
  assert.equal(index.values('db', 'rp', 'cpu', ['host']), undefined);
  const again = index.begin('db', 'rp', 'cpu')!;
  index.abandon('db', 'rp', 'cpu', token);
  index.complete('db', 'rp', 'cpu', again, []);
  assert.deepEqual(index.values('db', 'rp', 'cpu', ['host']), []);
});

test('past its bound a measurement is never answered from memory', () => {
  const index = new TagValueIndex({ maxValuesPerMeasurement: 3 });
  const token = index.begin('db', 'rp', 'cpu')!;
  index.complete('db', 'rp', 'cpu', token, [['host', 'a'], ['host', 'b']]);
  assert.equal(index.values('db', 'rp', 'cpu', ['host'])?.length, 2);
  index.observe('db', 'rp', [point('cpu', ['host', 'c']), point('cpu', ['host', 'd'])]);
  assert.equal(index.values('db', 'rp', 'cpu', ['host']), undefined);
  assert.equal(index.begin('db', 'rp', 'cpu'), undefined);
});

test('values sort in UTF-8 byte order like ClickHouse', () => {
  const values = ['\u{1F600}', '\uFF21', 'b', 'a'].sort(compareUtf8);
  assert.deepEqual(values, ['a', 'b', '\uFF21', '\u{1F600}']);
});

test('compareUtf8 orders any two strings as their UTF-8 bytes compare', () => {
  const unit = fc.oneof(fc.constantFrom('a', 'b', '\u00e9', '\ud7ff', '\ue000', '\uffff', '\u{10000}', '\u{1F600}', '\u{10FFFF}'), fc.string({ unit: 'grapheme', maxLength: 1 }));
  const text = fc.array(unit, { maxLength: 6 }).map((parts) => parts.join(''));
  fc.assert(
    fc.property(text, text, (a, b) => Math.sign(compareUtf8(a, b)) === Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')))),
    { numRuns: 5000 },
  );
});

test('a value observed after a sorted answer shows in the next answer', () => {
  const index = new TagValueIndex({ maxValuesPerMeasurement: 100 });
  const token = index.begin('db', 'rp', 'cpu')!;
  index.complete('db', 'rp', 'cpu', token, [['host', 'b']]);
  assert.deepEqual(index.values('db', 'rp', 'cpu', ['host']), [['host', 'b']]);
  index.observe('db', 'rp', [point('cpu', ['host', 'a'])]);
  assert.deepEqual(index.values('db', 'rp', 'cpu', ['host']), [['host', 'a'], ['host', 'b']]);
});
