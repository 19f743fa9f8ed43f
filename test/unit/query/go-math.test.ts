// Go's Frexp, Ldexp and Pow (whole exponents): exact values Go 1.10 on amd64 produces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frexp, ldexp, powWhole } from '../../../src/core/query/functions/go-math.js';

test('frexp splits into a [0.5, 1) fraction and an exponent; ldexp undoes it', () => {
  assert.deepEqual(frexp(8), { frac: 0.5, exp: 4 });
  assert.deepEqual(frexp(-3), { frac: -0.75, exp: 2 });
  assert.deepEqual(frexp(5e-324), { frac: 0.5, exp: -1073 });
  for (const x of [1, 0.1, -7.25, 1e300, 3e-310]) {
    const { frac, exp } = frexp(x);
    assert.equal(ldexp(frac, exp), x, String(x));
  }
  assert.equal(ldexp(0.5, 2000), Infinity);
  assert.equal(ldexp(0.5, -2000), 0);
});

test('powWhole multiplies by repeated squaring like Go (which can differ from Math.pow in the last bit)', () => {
  assert.equal(powWhole(0.7, 0), 1);
  assert.equal(powWhole(0.7, 1), 0.7);
  assert.equal(powWhole(2, 10), 1024);
  assert.equal(powWhole(0, 3), 0);
  assert.equal(powWhole(1, 1e6), 1);
  // Go squares the mantissa 0.64 of 0.01 and lands on 1e-10; V8's Math.pow gives 1.0000000000000002e-10.
  assert.equal(powWhole(0.01, 5), 1e-10);
  assert.notEqual(Math.pow(0.01, 5), 1e-10);
  assert.ok(powWhole(0.3, 700) >= 0 && powWhole(0.3, 700) < 1e-300);
  assert.throws(() => powWhole(2, 0.5), RangeError);
});
