import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeriesIndex, hash53 } from '../../../src/core/meta/series-index.js';
import type { Point } from '../../../src/core/model/point.js';

function point(measurement: string, tags: string[]): Point {
  return { measurement, tags, fieldKeys: ['v'], fieldTypes: ['float'], fieldValues: [1], timeNs: 1n };
}

const limits = { maxSeriesPerDatabase: 3, maxValuesPerTag: 2 };

test('new series are admitted up to max-series-per-database, with InfluxDB 1.x wording beyond', () => {
  const index = new SeriesIndex();
  const result = index.admit('db', 'autogen', [point('m', ['h', '1']), point('m', ['h', '1']), point('n', []), point('o', []), point('p', [])], limits);
  assert.equal(result.accepted.length, 4, 'the repeated series costs nothing');
  assert.equal(result.dropped, 1);
  assert.equal(result.firstReason, 'max-series-per-database limit exceeded: (3)');
  assert.equal(index.seriesCount('db'), 3);
  assert.equal(index.admit('db', 'autogen', [point('m', ['h', '1'])], limits).dropped, 0, 'an existing series is always admitted');
  assert.equal(index.admit('other', 'autogen', [point('m', [])], limits).dropped, 0, 'databases count apart');
});

test('a tag key of a measurement takes at most max-values-per-tag values', () => {
  const index = new SeriesIndex();
  const result = index.admit('db', 'autogen', [point('m', ['h', 'a']), point('m', ['h', 'b']), point('m', ['h', 'c']), point('m', ['h', 'a', 'z', 'q'])], { maxSeriesPerDatabase: 100, maxValuesPerTag: 2 });
  assert.equal(result.accepted.length, 3);
  assert.equal(result.firstReason, 'max-values-per-tag limit exceeded (2/2): measurement="m" tag="h" value="c"');
});

test('release forgets what a failed write added; observe records without limits; forget drops', () => {
  const index = new SeriesIndex();
  const admitted = index.admit('db', 'autogen', [point('m', ['h', 'a']), point('m', ['h', 'b'])], limits);
  admitted.release();
  assert.equal(index.seriesCount('db'), 0);
  index.observe('db', 'autogen', [point('m', ['h', 'a']), point('m', ['h', 'b']), point('m', ['h', 'c']), point('n', [])]);
  assert.equal(index.seriesCount('db'), 4, 'replicated writes are never refused');
  index.forget('db', 'autogen', 'm');
  assert.equal(index.seriesCount('db'), 1);
  index.forget('db');
  assert.equal(index.seriesCount('db'), 0);
});

test('while a database loads, limits wait', () => {
  const index = new SeriesIndex();
  index.setLoading('db', true);
  assert.equal(index.admit('db', 'autogen', [point('a', []), point('b', []), point('c', []), point('d', [])], limits).dropped, 0);
  index.setLoading('db', false);
  assert.equal(index.admit('db', 'autogen', [point('e', [])], limits).dropped, 1);
});

test('hash53 is stable, spreads and stays within 53 bits', () => {
  assert.equal(hash53('cpu\u0000host\u0000a'), hash53('cpu\u0000host\u0000a'));
  const seen = new Set<number>();
  for (let i = 0; i < 100_000; i++) {
    const h = hash53(`m\u0000host\u0000h${i}`);
    assert.ok(Number.isSafeInteger(h) && h >= 0);
    seen.add(h);
  }
  assert.equal(seen.size, 100_000);
});
