// mode() tie breaks against InfluxDB 1.6.7's answers (values from its ModeReduceSlice).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickModeValue } from '../../../src/core/query/execute/mode-pick.js';

const S = 1_000_000_000n;

test('ties go to the run that reaches the count first in value order (1.6.7: mode(i) = 3, mode(s) = y)', () => {
  // m,h=a: i 1,2,-7 at 1,2,6 ns; m,h=b: i 3,3,2 at 3,4,5 ns.
  const ints = [['m,h=a', 1n, 1n], ['m,h=a', 2n, 2n], ['m,h=a', 6n, -7n], ['m,h=b', 3n, 3n], ['m,h=b', 4n, 3n], ['m,h=b', 5n, 2n]];
  assert.equal(pickModeValue(ints), 3n);
  const strings = [['m,h=a', 1n, 'x'], ['m,h=a', 2n, 'y'], ['m,h=a', 6n, 'z'], ['m,h=b', 3n, 'y'], ['m,h=b', 4n, 'x'], ['m,h=b', 5n, 'z']];
  assert.equal(pickModeValue(strings), 'y');
});

test('past 12 points Go 1.19 sorts unstably, and the scrambled order decides (1.6.7: -2)', () => {
  const points: unknown[][] = [];
  const hosts = ['a', 'b', 'c'];
  for (let i = 0; i < 24; i++) points.push([`cpu,host=${hosts[i % 3]}`, BigInt(i) * 10n * S, BigInt((i * 5) % 9) - 2n]);
  points.sort((p, q) => (String(p[0]) < String(q[0]) ? -1 : String(p[0]) > String(q[0]) ? 1 : Number((p[1] as bigint) - (q[1] as bigint))));
  assert.equal(pickModeValue(points), -2n);
});

test('all values distinct: the smallest; one point: itself', () => {
  assert.equal(pickModeValue([['s', 1n, 5], ['s', 2n, 3], ['s', 3n, 4]]), 3);
  assert.equal(pickModeValue([['s', 1n, 'only']]), 'only');
  assert.equal(pickModeValue([]), null);
});
