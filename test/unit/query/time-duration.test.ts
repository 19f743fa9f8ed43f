import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, parseDuration } from '../../../src/core/query/language/duration.js';
import { formatRfc3339Nano, parseTimeString } from '../../../src/core/query/language/time-literal.js';
import { zoneOffsetSeconds } from '../../../src/core/query/language/time-zone.js';

test('durations parse like influxql.ParseDuration', () => {
  assert.equal(parseDuration('10s'), 10_000_000_000n);
  assert.equal(parseDuration('1h30m'), 5_400_000_000_000n);
  assert.equal(parseDuration('5ms'), 5_000_000n);
  assert.equal(parseDuration('3µ'), 3_000n);
  assert.equal(parseDuration('2w'), 1_209_600_000_000_000n);
  assert.equal(parseDuration('7ns'), 7n);
  assert.equal(parseDuration('5x'), undefined);
  assert.equal(parseDuration('s'), undefined);
});

test("durations print like Go's time.Duration", () => {
  assert.equal(formatGoDuration(0n), '0s');
  assert.equal(formatGoDuration(604_800_000_000_000n), '168h0m0s');
  assert.equal(formatGoDuration(90_000_000_000n), '1m30s');
  assert.equal(formatGoDuration(1_500_000_000n), '1.5s');
  assert.equal(formatGoDuration(2_000_000n), '2ms');
});

test('time strings parse to ns and print as RFC3339Nano', () => {
  assert.equal(parseTimeString('1970-01-01T00:00:01.5Z'), 1_500_000_000n);
  assert.equal(parseTimeString('2020-01-01'), 1_577_836_800_000_000_000n);
  assert.equal(parseTimeString('2020-01-01 00:00:01'), 1_577_836_801_000_000_000n);
  assert.equal(parseTimeString('2020-01-01T01:00:00+01:00'), 1_577_836_800_000_000_000n);
  assert.equal(parseTimeString('2020-13-01T00:00:00Z'), undefined);
  assert.equal(formatRfc3339Nano(1_500_000_000n), '1970-01-01T00:00:01.5Z');
  assert.equal(formatRfc3339Nano(-1n), '1969-12-31T23:59:59.999999999Z');
  assert.equal(formatRfc3339Nano(1_577_836_800_000_000_000n, -21600), '2019-12-31T18:00:00-06:00');
});

test('zone offsets follow DST', () => {
  assert.equal(zoneOffsetSeconds('America/Chicago', 1_577_836_800_000_000_000n), -21600);
  assert.equal(zoneOffsetSeconds('America/Chicago', 1_593_561_600_000_000_000n), -18000);
  assert.equal(zoneOffsetSeconds('Asia/Kolkata', 0n), 19800);
});
