import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetainedLog } from '../../../src/core/wal/retained-log.js';
import { VersionClock } from '../../../src/core/wal/version-clock.js';

test('the truncation point honours the wanted seq, the ceiling, the size and the age bounds', () => {
  const log = new RetainedLog();
  for (let seq = 1; seq <= 10; seq++) log.add(seq, 100, seq * 1000);
  assert.equal(log.bytes(), 1000);
  assert.equal(log.bytesAfter(4), 600);
  assert.deepEqual(log.truncationPoint(3, 8, 10_000, 0), { seq: 3, boundBy: null });
  assert.deepEqual(log.truncationPoint(9, 8, 10_000, 0), { seq: 8, boundBy: null }, 'never past the ceiling');
  assert.deepEqual(log.truncationPoint(2, 8, 500, 0), { seq: 5, boundBy: 'size' }, 'keeps at most 500 bytes');
  assert.deepEqual(log.truncationPoint(0, 3, 100, 0), { seq: 3, boundBy: 'size' }, 'bounds never pass the ceiling');
  assert.deepEqual(log.truncationPoint(0, 10, 10_000, 4500), { seq: 4, boundBy: 'age' });
  log.truncate(4);
  assert.equal(log.bytes(), 600);
  assert.equal(log.truncatedThrough(), 4);
  log.truncate(2);
  assert.equal(log.truncatedThrough(), 4, 'truncation never moves back');
});

test('the account stays bounded by coarsening and never undercounts', () => {
  const log = new RetainedLog();
  for (let seq = 1; seq <= 200_000; seq++) log.add(seq, 10, seq);
  assert.equal(log.bytes(), 2_000_000);
  assert.ok(log.bytesAfter(100_000) >= 1_000_000);
  log.truncate(150_000);
  assert.ok(log.bytes() >= 500_000 && log.bytes() <= 500_010);
  assert.throws(() => log.add(5, 1, 0), /after/);
});

test('the version clock never repeats or goes back, and follows observed versions', () => {
  let now = 1_000;
  const clock = new VersionClock(() => now);
  const a = clock.next();
  const b = clock.next();
  assert.ok(b > a);
  assert.equal(a >> 20n, 1000n);
  now = 500;
  const c = clock.next();
  assert.ok(c > b, 'a wall clock going back does not');
  clock.observe(9_000n << 20n);
  assert.ok(clock.next() > 9_000n << 20n);
  clock.observe(1n);
  now = 20_000;
  assert.equal(clock.next(), 20_000n << 20n);
  assert.equal(new VersionClock(() => 0, 77n).next(), 78n, 'a floor from disk');
});
