// Example and property tests of the line protocol parser; expected reasons are InfluxDB 1.6.7's
// (checked against a real influxd by differential.test.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FieldType, FieldValue, Point } from '../../../src/core/model/point.js';
import {
  formatPartialWriteMessage,
  formatPoint,
  MAX_TIME_NS,
  MIN_TIME_NS,
  parseLineProtocol,
  precisionFromQuery,
  type ParseOptions,
  type Precision,
} from '../../../src/core/lineprotocol/index.js';

const NOW = 1_700_000_000_123_456_789n;
const opts: ParseOptions = { precision: 'ns', nowNs: NOW };

function one(line: string, o: Partial<ParseOptions> = {}): Point {
  const { points, errors } = parseLineProtocol(line, { ...opts, ...o });
  assert.deepEqual(errors, [], `unexpected errors for ${JSON.stringify(line)}`);
  assert.equal(points.length, 1);
  return points[0]!;
}

function reason(line: string, o: Partial<ParseOptions> = {}): string {
  const { points, errors } = parseLineProtocol(line, { ...opts, ...o });
  assert.equal(points.length, 0, `expected an error for ${JSON.stringify(line)}`);
  assert.equal(errors.length, 1);
  return errors[0]!.reason;
}

function fields(p: Point): Record<string, [FieldType, FieldValue]> {
  return Object.fromEntries(p.fieldKeys.map((k, f) => [k, [p.fieldTypes[f]!, p.fieldValues[f]!]]));
}

describe('parseLineProtocol: structure and escaping', () => {
  test('measurement, sorted tags, fields and timestamp', () => {
    const p = one('cpu,region=b,host=a,az=c value=1.5,n=2i 123');
    assert.equal(p.measurement, 'cpu');
    assert.deepEqual(p.tags, ['az', 'c', 'host', 'a', 'region', 'b']);
    assert.deepEqual(fields(p), { value: ['float', 1.5], n: ['integer', '2'] });
    assert.equal(p.timeNs, 123n);
  });

  const cases: [string, string, Partial<Point>][] = [
    ['measurement escapes , space = "', 'c\\,p\\ u\\=x\\"y v=1', { measurement: 'c,p u=x"y' }],
    ['measurement keeps other backslashes', 'c\\pu\\\\x v=1', { measurement: 'c\\pu\\\\x' }],
    ['measurement may contain = and "', 'c=p"u v=1', { measurement: 'c=p"u' }],
    ['tag escapes , space =', 'cpu,t\\,a\\ g\\=k=v\\,a\\ l\\=ue v=1', { tags: ['t,a g=k', 'v,a l=ue'] }],
    ['tag keeps \\" and \\\\', 'cpu,k\\"x=a\\\\b v=1', { tags: ['k\\"x', 'a\\\\b'] }],
    ['tag value may start with =', 'cpu,tag==x v=1', { tags: ['tag', '=x'] }],
    ['tag value of one escaped space', 'cpu,tag=\\  v=1', { tags: ['tag', ' '] }],
    ['backslash pairs in tag value', 'cpu,tag=a\\\\\\ b v=1', { tags: ['tag', 'a\\\\ b'] }],
    ['field key escapes , space = "', 'cpu f\\,i\\ e\\=l\\"d=1', { fieldKeys: ['f,i e=l"d'] }],
    ['unicode', 'mésure,ключ=値 поле="文字列"', { measurement: 'mésure', tags: ['ключ', '値'], fieldKeys: ['поле'] }],
  ];
  for (const [name, line, expected] of cases) {
    test(name, () => {
      const p = one(line);
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(p[k as keyof Point], v, k);
    });
  }

  test('string fields: \\" and \\\\ unescaped, other backslashes kept, newlines allowed', () => {
    assert.deepEqual(fields(one('cpu s="a\\"b\\\\c\\d"')), { s: ['string', 'a"b\\c\\d'] });
    assert.deepEqual(fields(one('cpu s="a, b=c d"')), { s: ['string', 'a, b=c d'] });
    assert.deepEqual(fields(one('cpu s="line1\nline2" 5')), { s: ['string', 'line1\nline2'] });
    assert.deepEqual(fields(one('cpu s=""')), { s: ['string', ''] });
  });

  test('1.6.7 quirks kept: text after a closing quote, CRLF after a string, `\\\\=` in field keys', () => {
    assert.deepEqual(fields(one('cpu s="a"b')), { s: ['string', 'a"'] });
    assert.deepEqual(fields(one('cpu s="x"\r\n')), { s: ['string', 'x"'] });
    assert.deepEqual(fields(one('cpu a\\\\=1,b=2 1')), { 'a\\=1,b': ['float', 2] });
    assert.deepEqual(fields(one('cpu a="x"=1,b,c=2 1')), { a: ['string', 'x"='], 'b,c': ['float', 2] });
    assert.deepEqual(fields(one('cpu \t=1,b=2')), { '': ['float', 1], b: ['float', 2] });
  });

  test('duplicate field keys: the last one wins', () => {
    const p = one('cpu a=1,b=2,a="x"');
    assert.deepEqual(p.fieldKeys, ['a', 'b']);
    assert.deepEqual(fields(p), { a: ['string', 'x'], b: ['float', 2] });
  });

  test('whitespace: leading, trailing, repeated separators, NUL and tab at line start', () => {
    assert.equal(one('   \tcpu v=1 7').timeNs, 7n);
    assert.equal(one('cpu v=1 7   ').timeNs, 7n);
    assert.equal(one('cpu  v=1   7').timeNs, 7n);
    assert.equal(one('\u0000cpu v=1 7').timeNs, 7n);
    assert.equal(one('cpu v=1 \t').timeNs, NOW);
  });

  test('blank lines, whitespace-only lines and comments are skipped; line numbers count them', () => {
    const { points, errors } = parseLineProtocol('# c\n\n  \n\t\ncpu v=1 1\n  # x\ncpu v=\n', opts);
    assert.equal(points.length, 1);
    assert.deepEqual(errors, [{ lineNumber: 7, line: 'cpu v=', reason: 'missing field value' }]);
  });

  test('line numbers account for newlines inside strings; Buffer and string agree', () => {
    const body = 'cpu s="a\nb\nc" 1\ncpu v=\nmem v=1 2';
    const fromString = parseLineProtocol(body, opts);
    assert.equal(fromString.errors[0]!.lineNumber, 4);
    assert.deepEqual(parseLineProtocol(Buffer.from(body), opts), fromString);
  });

  test('empty body and comment-only body give nothing', () => {
    assert.deepEqual(parseLineProtocol('', opts), { points: [], errors: [] });
    assert.deepEqual(parseLineProtocol(Buffer.alloc(0), opts), { points: [], errors: [] });
    assert.deepEqual(parseLineProtocol('# only\n\n', opts), { points: [], errors: [] });
  });

  test('points of one series share tags; field arrays are reused only when keys match', () => {
    const { points } = parseLineProtocol('cpu,h=a x=1,y=2 1\ncpu,h=a x=3,y=4 2\ncpu,h=a y=5 3\ncpu,h=a x="s",y=1 4', opts);
    assert.equal(points[0]!.tags, points[1]!.tags);
    assert.equal(points[0]!.fieldKeys, points[1]!.fieldKeys);
    assert.deepEqual(points.map(fields), [
      { x: ['float', 1], y: ['float', 2] },
      { x: ['float', 3], y: ['float', 4] },
      { y: ['float', 5] },
      { x: ['string', 's'], y: ['float', 1] },
    ]);
  });
});

describe('parseLineProtocol: field types', () => {
  test('floats', () => {
    const p = one('cpu a=1,b=-1.5,c=.5,d=5.,e=1e3,f=1.5E-3,g=-2e+2,h=-0,i=0.1234567890123456789,j=1e-400');
    assert.deepEqual(p.fieldValues, [1, -1.5, 0.5, 5, 1000, 0.0015, -200, -0, 0.1234567890123456789, 0]);
    assert.ok(Object.is(p.fieldValues[7], -0));
    assert.equal(one('cpu a=123456789012345678901234567890').fieldValues[0], 1.2345678901234568e29);
  });

  test('integers as canonical decimal text over the full int64 range', () => {
    const p = one('cpu a=1i,b=-42i,c=007i,d=-0i,e=9223372036854775807i,f=-9223372036854775808i,g=00000000000000000000001i');
    assert.deepEqual(p.fieldValues, ['1', '-42', '7', '0', '9223372036854775807', '-9223372036854775808', '1']);
    assert.ok(p.fieldTypes.every((t) => t === 'integer'));
  });

  test('unsigned: rejected like 1.6.7 by default; canonical text over uint64 when enabled', () => {
    const unsigned = { allowUnsigned: true };
    const p = one('cpu a=0u,b=18446744073709551615u,c=0018u', unsigned);
    assert.deepEqual(p.fieldValues, ['0', '18446744073709551615', '18']);
    assert.ok(p.fieldTypes.every((t) => t === 'unsigned'));
    assert.equal(
      reason('cpu a=18446744073709551616u', unsigned),
      'unable to parse unsigned 18446744073709551616: strconv.ParseUint: parsing "18446744073709551616": value out of range',
    );
    assert.equal(reason('cpu a=-1u', unsigned), 'invalid number');
    assert.equal(reason('cpu a=1u'), 'invalid number');
    assert.equal(reason('cpu a=1i,b=2u'), 'invalid number');
    assert.equal(reason('cpu a=18446744073709551615u'), 'invalid number');
  });

  test('booleans', () => {
    const p = one('cpu a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE');
    assert.deepEqual(p.fieldValues, [true, true, true, true, true, false, false, false, false, false]);
    assert.ok(p.fieldTypes.every((t) => t === 'boolean'));
  });
});

describe('parseLineProtocol: timestamps and precision', () => {
  const table: [Precision, bigint][] = [
    ['n', 1n], ['ns', 1n], ['u', 1_000n], ['µ', 1_000n], ['ms', 1_000_000n],
    ['s', 1_000_000_000n], ['m', 60_000_000_000n], ['h', 3_600_000_000_000n],
  ];
  for (const [precision, multiplier] of table) {
    test(`precision ${precision}: timestamp × ${multiplier}, server time truncated`, () => {
      assert.equal(one('cpu v=1 3', { precision }).timeNs, 3n * multiplier);
      assert.equal(one('cpu v=1 -3', { precision }).timeNs, -3n * multiplier);
      assert.equal(one('cpu v=1', { precision }).timeNs, NOW - (NOW % multiplier));
    });
  }

  test('range is [-2^63+2, 2^63-2] ns after scaling', () => {
    assert.equal(one(`cpu v=1 ${MAX_TIME_NS}`).timeNs, MAX_TIME_NS);
    assert.equal(one(`cpu v=1 ${MIN_TIME_NS}`).timeNs, MIN_TIME_NS);
    const outside = 'time outside range -9223372036854775806 - 9223372036854775806';
    assert.equal(reason('cpu v=1 9223372036854775807'), outside);
    assert.equal(reason('cpu v=1 -9223372036854775807'), outside);
    assert.equal(one('cpu v=1 2562047', { precision: 'h' }).timeNs, 9223369200000000000n);
    assert.equal(reason('cpu v=1 2562048', { precision: 'h' }), outside);
    assert.equal(reason('cpu v=1 99999999999999999999'), 'strconv.ParseInt: parsing "99999999999999999999": value out of range');
    assert.equal(reason('cpu v=1 -'), 'strconv.ParseInt: parsing "-": invalid syntax');
  });

  test('precisionFromQuery reads like 1.6.7: unknown or absent means ns', () => {
    assert.equal(precisionFromQuery(undefined), 'ns');
    assert.equal(precisionFromQuery(null), 'ns');
    assert.equal(precisionFromQuery('rfc3339'), 'ns');
    assert.equal(precisionFromQuery('ms'), 'ms');
    assert.equal(precisionFromQuery('µ'), 'µ');
  });
});

describe('parseLineProtocol: 1.6.7 error reasons', () => {
  const bad: [string, string][] = [
    ['cpu value=', 'missing field value'],
    ['cpu value=,b=1', 'missing field value'],
    ['cpu', 'missing fields'],
    ['cpu,host=a', 'missing fields'],
    ['cpu\\ value=1', 'missing fields'],
    ['cpu ', 'invalid field format'],
    [',cpu value=1', 'missing measurement'],
    ['cpu,=a value=1', 'missing tag key'],
    ['cpu, value=1', 'missing tag key'],
    ['cpu,tag= value=1', 'missing tag value'],
    ['cpu,tag value=1', 'missing tag value'],
    ['cpu,tag=a=b value=1', 'invalid tag format'],
    ['cpu,tag=a\\ value=1', 'invalid tag format'],
    ['cpu,a=1,a=2 value=1', 'duplicate tags'],
    ['cpu,b=1,a=2,b=3 value=1', 'duplicate tags'],
    ['cpu,a=1,a=2 value=', 'duplicate tags'],
    ['cpu =1', 'missing field key'],
    ['cpu value=1,=2', 'missing field key'],
    ['cpu value=1,', 'invalid field format'],
    ['cpu value=1,,b=2', 'invalid field format'],
    ['cpu value', 'invalid field format'],
    ['cpu ,value=1', 'invalid field format'],
    ['cpu value="unterminated', 'unbalanced quotes'],
    ['cpu value="x\\"', 'unbalanced quotes'],
    ['cpu value=-', 'invalid number'],
    ['cpu value=1.2.3', 'invalid number'],
    ['cpu value=0x10', 'invalid number'],
    ['cpu value=NaN', 'invalid number'],
    ['cpu value=n', 'invalid number'],
    ['cpu value=1.0i', 'invalid number'],
    ['cpu value=1ii', 'invalid number'],
    ['cpu value=1i2', 'invalid number'],
    ['cpu value=1e5i', 'invalid number'],
    ['cpu value=1\r', 'invalid number'],
    ['cpu value=1\t1', 'invalid number'],
    ['cpu value=Inf', 'invalid boolean'],
    ['cpu value=+1', 'invalid boolean'],
    ['cpu value=tru', 'invalid boolean'],
    ['cpu value=tRUE', 'invalid boolean'],
    ['cpu value=true\r', 'invalid boolean'],
    ['cpu value=1e', 'invalid float'],
    ['cpu value=1e+', 'invalid float'],
    ['cpu value=1e400', 'invalid float'],
    [`cpu value=${'9'.repeat(400)}`, 'invalid float'],
    ['cpu value=9223372036854775808i', 'unable to parse integer 9223372036854775808: strconv.ParseInt: parsing "9223372036854775808": value out of range'],
    ['cpu value=-9223372036854775809i', 'unable to parse integer -9223372036854775809: strconv.ParseInt: parsing "-9223372036854775809": value out of range'],
    ['cpu value=1 12a', 'bad timestamp'],
    ['cpu value=1 1.5', 'bad timestamp'],
    ['cpu value=1 1\r', 'bad timestamp'],
    ['cpu value=1 1 2', 'point is invalid'],
    ['cpu value=1 1 \t', 'point is invalid'],
    ['cpu\tvalue=1', 'missing fields'],
    ['cpu a\\\\=1', 'invalid value: field-key=a\\\\=1'],
    [`${'m'.repeat(65536)} v=1`, 'max key length exceeded: 65536 > 65535'],
  ];
  for (const [line, expected] of bad) {
    test(`${JSON.stringify(line.length > 60 ? `${line.slice(0, 40)}…` : line)} → ${expected.slice(0, 60)}`, () => {
      assert.equal(reason(line), expected);
    });
  }

  test('series key size counts measurement + tags + 4 + field key bytes', () => {
    assert.equal(one(`${'m'.repeat(65530)} v=1`).measurement.length, 65530);
    assert.equal(reason(`${'m'.repeat(65531)} v=1`), 'max key length exceeded: 65536 > 65535');
    assert.equal(reason(`${'m'.repeat(65000)},t=${'é'.repeat(300)} v=1`), 'max key length exceeded: 65603 > 65535');
  });
});

describe('formatPartialWriteMessage', () => {
  test('only bad lines: the list joined by newlines', () => {
    const { points, errors } = parseLineProtocol('cpu value=\ncpu x=', opts);
    assert.equal(
      formatPartialWriteMessage(errors, { parsedPoints: points.length }),
      "unable to parse 'cpu value=': missing field value\nunable to parse 'cpu x=': missing field value",
    );
  });

  test('some good lines: partial write … dropped=0', () => {
    const { points, errors } = parseLineProtocol('cpu value=\ncpu value=1\n  mem,x foo=1\r', opts);
    assert.equal(
      formatPartialWriteMessage(errors, { parsedPoints: points.length }),
      "partial write: unable to parse 'cpu value=': missing field value\nunable to parse 'mem,x foo=1\r': missing tag value dropped=0",
    );
  });
});
