// A lone percentile() picks among equal values as influxd 1.6.7 does: points in the series merge
// order, Go 1.19's unstable sort by value, then the rank. Expected times were read from influxd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentileIndex, pickPercentilePoint } from '../../../src/core/query/execute/percentile-pick.js';
import { corpusDatasetLines } from '../../support/dataset.js';

/** The corpus cpu points of one field as [series key, time, value], sorted by series key then time. */
function cpuPoints(field: string): Array<[string, bigint, unknown]> {
  const out: Array<[string, bigint, unknown]> = [];
  for (const line of corpusDatasetLines()) {
    if (!line.startsWith('cpu,')) continue;
    const [key = '', fields = '', time = '0'] = line.split(' ');
    const raw = fields.split(',').find((f) => f.startsWith(`${field}=`))?.slice(field.length + 1);
    if (raw === undefined) continue;
    out.push([key, BigInt(time), raw.endsWith('i') ? BigInt(raw.slice(0, -1)) : Number(raw)]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
}

const at = (hms: string): bigint => BigInt(Date.parse(`2023-03-01T${hms}Z`)) * 1_000_000n;

test('tied usage_user values (clamped at 99.9) pick the point influxd picks', () => {
  const points = cpuPoints('usage_user');
  const pick = (percent: number) => pickPercentilePoint(points, { percent, auxCompareOrder: [] });
  assert.deepEqual([pick(100)?.t, pick(100)?.value], [at('01:46:50'), 99.9]);
  assert.deepEqual([pick(99.9)?.t, pick(99.9)?.value], [at('01:55:30'), 99.9]);
  assert.deepEqual([pick(99)?.t, pick(99)?.value], [at('01:08:40'), 99.9]);
  assert.deepEqual([pick(50)?.t, pick(50)?.value], [at('00:16:20'), 59.974]);
});

test('integer values with thousands of ties (cores)', () => {
  const points = cpuPoints('cores');
  const pick = (percent: number) => pickPercentilePoint(points, { percent, auxCompareOrder: [] });
  assert.deepEqual([pick(100)?.t, pick(100)?.value], [at('00:00:00'), 16n]);
  assert.deepEqual([pick(50)?.t, pick(50)?.value], [at('01:24:40'), 4n]);
  assert.deepEqual([pick(90)?.t, pick(90)?.value], [at('01:47:50'), 16n]);
  assert.deepEqual([pick(10)?.t, pick(10)?.value], [at('01:06:00'), 2n]);
});

test('the rank is floor(n * p / 100 + 0.5) - 1; outside the points there is none', () => {
  assert.equal(percentileIndex(10, 50), 4);
  assert.equal(percentileIndex(10, 100), 9);
  assert.equal(percentileIndex(10, 0), -1);
  assert.equal(pickPercentilePoint([['s', 0n, 1]], { percent: 0, auxCompareOrder: [] }), undefined);
});
