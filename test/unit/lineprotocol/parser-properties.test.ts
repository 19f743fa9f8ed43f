// Property tests of the line protocol parser (fast-check): format→parse round trips, arbitrary
// input never throws, and a bad line never disturbs its neighbours. Seeded and bounded in runs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FieldType, FieldValue, Point } from '../../../src/core/model/point.js';
import {
  formatPoint,
  MAX_TIME_NS,
  MIN_TIME_NS,
  parseLineProtocol,
  type Precision,
} from '../../../src/core/lineprotocol/index.js';

const NOW = 1_700_000_000_000_000_000n;
const runs = Number(process.env['LP_PROPERTY_RUNS'] ?? 300);
const params = { numRuns: runs, seed: Number(process.env['LP_PROPERTY_SEED'] ?? 20261125) };

// Characters a 1.6.7 name can carry through escaping (no backslash, no newline).
const nameChar = fc.constantFrom(...'abcXYZ019_-.:/ ,="#\t\r\u0000é世😀'.split(/(?:)/u));
const leadChar = fc.constantFrom(...'abcXYZ019_-.:/ ,="é世😀'.split(/(?:)/u));
const name = fc
  .tuple(leadChar, fc.array(nameChar, { maxLength: 8 }))
  .map(([first, rest]) => first + rest.join(''))
  // A measurement or field key that starts with '#' or whitespace means something else.
  .filter((n) => n !== '');

const fieldValue: fc.Arbitrary<[FieldType, FieldValue]> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v): [FieldType, FieldValue] => ['float', v]),
  fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map((v): [FieldType, FieldValue] => ['integer', String(v)]),
  fc.bigInt(0n, 2n ** 64n - 1n).map((v): [FieldType, FieldValue] => ['unsigned', String(v)]),
  fc.boolean().map((v): [FieldType, FieldValue] => ['boolean', v]),
  fc.string({ unit: 'binary', maxLength: 12 }).map((v): [FieldType, FieldValue] => ['string', v]),
  fc.string({ unit: fc.constantFrom('\\', '"', '\n', ',', ' ', '=', 'a'), maxLength: 8 }).map(
    (v): [FieldType, FieldValue] => ['string', v],
  ),
);

const point: fc.Arbitrary<Point> = fc
  .record({
    measurement: name.filter((n) => !n.startsWith('#')),
    tags: fc.uniqueArray(fc.tuple(name, name), { maxLength: 4, selector: ([k]) => k }),
    fields: fc.uniqueArray(fc.tuple(name, fieldValue), { minLength: 1, maxLength: 5, selector: ([k]) => k }),
    timeNs: fc.option(fc.bigInt(MIN_TIME_NS, MAX_TIME_NS), { nil: null }),
  })
  .map(({ measurement, tags, fields, timeNs }) => ({
    measurement,
    tags: tags.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).flat(),
    fieldKeys: fields.map(([k]) => k),
    fieldTypes: fields.map(([, [t]]) => t),
    fieldValues: fields.map(([, [, v]]) => v),
    timeNs,
  }));

function plain(p: Point): unknown {
  return { ...p, fieldValues: p.fieldValues.map((v) => (Object.is(v, -0) ? '-0' : v)) };
}

describe('parser properties', () => {
  test('formatPoint → parseLineProtocol returns the same points (string and Buffer input)', () => {
    fc.assert(
      fc.property(fc.array(point, { minLength: 1, maxLength: 5 }), (points) => {
        const body = points.map(formatPoint).join('\n');
        for (const input of [body, Buffer.from(body)]) {
          const parsed = parseLineProtocol(input, { precision: 'ns', nowNs: NOW, allowUnsigned: true });
          assert.deepEqual(parsed.errors, []);
          assert.deepEqual(
            parsed.points.map(plain),
            points.map((p) => plain({ ...p, timeNs: p.timeNs ?? NOW })),
          );
        }
      }),
      params,
    );
  });

  test('timestamps scale by precision or fail with the 1.6.7 range error', () => {
    const precisions: Precision[] = ['ns', 'u', 'ms', 's', 'm', 'h'];
    const mult = [1n, 1_000n, 1_000_000n, 1_000_000_000n, 60_000_000_000n, 3_600_000_000_000n];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), (k, ts) => {
        const { points, errors } = parseLineProtocol(`cpu v=1 ${ts}`, { precision: precisions[k]!, nowNs: NOW });
        const ns = ts * mult[k]!;
        if (ns >= MIN_TIME_NS && ns <= MAX_TIME_NS) assert.equal(points[0]?.timeNs, ns);
        else assert.equal(errors[0]?.reason, 'time outside range -9223372036854775806 - 9223372036854775806');
      }),
      params,
    );
  });

  const token = fc.constantFrom(
    'cpu', 'a', 'é', ',', '=', ' ', '  ', '\t', '\\', '"', '\n', '\r\n', '#', '1', '-', '.', 'e', 'E+', 'i',
    'u', 't', 'F', 'true', 'NaN', '9223372036854775808', '0', '\u0000', '😀',
  );
  const lpish = fc.array(token, { maxLength: 40 }).map((t) => t.join(''));

  test('arbitrary input never throws and every result is well formed', () => {
    fc.assert(
      fc.property(fc.oneof(lpish, fc.string({ unit: 'binary', maxLength: 60 })), fc.uint8Array({ maxLength: 60 }), (text, bytes) => {
        for (const input of [text, Buffer.from(text), Buffer.from(bytes)]) {
          const { points, errors } = parseLineProtocol(input, { precision: 'ms', nowNs: NOW, allowUnsigned: false });
          for (const e of errors) {
            assert.ok(e.lineNumber >= 1 && e.reason.length > 0);
            assert.ok(!e.line.startsWith(' ') && !e.line.endsWith('\n'));
          }
          for (const p of points) {
            assert.ok(p.measurement.length > 0 && p.fieldKeys.length > 0);
            assert.equal(p.fieldKeys.length, new Set(p.fieldKeys).size);
            assert.equal(p.fieldKeys.length, p.fieldValues.length);
            assert.equal(p.tags.length % 2, 0);
            for (let t = 2; t < p.tags.length; t += 2) assert.ok(p.tags[t - 2]! < p.tags[t]!);
            assert.ok(p.timeNs !== null && p.timeNs >= MIN_TIME_NS && p.timeNs <= MAX_TIME_NS);
          }
        }
      }),
      { ...params, numRuns: runs * 5 },
    );
  });

  test('a bad line is reported with its number and does not disturb its neighbours', () => {
    const badLine = fc.constantFrom('cpu value=', 'cpu', 'cpu,a=1,a=2 v=1', 'cpu v=1 x', 'cpu v=tru', ',x v=1');
    fc.assert(
      fc.property(fc.array(point, { minLength: 1, maxLength: 4 }), badLine, fc.nat(), (points, bad, at) => {
        const lines = points.map(formatPoint).filter((l) => !l.includes('\n'));
        const index = at % (lines.length + 1);
        lines.splice(index, 0, bad);
        const parsed = parseLineProtocol(lines.join('\n'), { precision: 'ns', nowNs: NOW, allowUnsigned: true });
        assert.equal(parsed.errors.length, 1);
        assert.equal(parsed.errors[0]!.lineNumber, index + 1);
        assert.equal(parsed.errors[0]!.line, bad);
        assert.equal(parsed.points.length, lines.length - 1);
      }),
      params,
    );
  });
});

describe('a line parses the same inside a batch as alone (series cache and line-end fast paths)', () => {
  // Lines from a few keys, some with escapes or a stray quote in the key, some broken; repeated
  // so that the series cache of one parse call is hit by a key seen earlier in the body.
  const keyPart = fc.constantFrom('cpu', 'cpu,host=a', 'cpu,host=a\\ b', 'cp\\,u,host=a', 'cpu,host="a', 'cpu,host=a,host=b', 'cpu,host=', 'cpu,b=2,a=1', ',x=1');
  const fieldPart = fc.constantFrom(' v=1', ' v=1i', ' v=1,w=2', '  v=1', ' v', ' v=tru', ' w=3 1700000000000000000', ' v=1 123abc', '', ' v=1 -5 ', ' s="a b"', ' s="a\\"b",v=2');
  const line = fc.tuple(keyPart, fieldPart).map(([key, fields]) => key + fields);

  test('points and reasons equal those of each line parsed on its own', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), (lines) => {
        const opts = { precision: 'ns' as const, nowNs: NOW };
        const whole = parseLineProtocol(lines.join('\n'), opts);
        const alone = lines.map((l) => parseLineProtocol(l, opts));
        assert.deepEqual(whole.points, alone.flatMap((r) => r.points));
        assert.deepEqual(
          whole.errors.map((e) => [e.line, e.reason]),
          alone.flatMap((r) => r.errors.map((e) => [e.line, e.reason])),
        );
      }),
      params,
    );
  });
});
