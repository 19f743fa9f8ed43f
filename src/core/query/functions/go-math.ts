// Go's float64 math.Frexp, math.Ldexp and math.Pow, step for step, where V8's answer may differ
// in the last bit. Pure; holt_winters needs Go's exact rounding to land on InfluxDB's fitted values.

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
// Index of the word holding sign, exponent and the top of the mantissa.
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const SMALLEST_NORMAL = 2.2250738585072014e-308;

/** 2^e for -1022 ≤ e ≤ 1023, built from its bits. */
function powerOfTwo(e: number): number {
  words[HIGH] = (e + 1023) << 20;
  words[1 - HIGH] = 0;
  return bits[0] as number;
}

// frexp's results for the allocation-free hot path of powWhole.
let frexpFrac = 0;
let frexpExp = 0;

function frexpInPlace(x: number): void {
  if (x === 0 || !Number.isFinite(x)) {
    frexpFrac = x;
    frexpExp = 0;
    return;
  }
  let exp = 0;
  bits[0] = x;
  if (Math.abs(x) < SMALLEST_NORMAL) {
    bits[0] = x * 2 ** 52;
    exp = -52;
  }
  const high = words[HIGH] as number;
  frexpExp = exp + ((high >>> 20) & 0x7ff) - 1022;
  words[HIGH] = ((high & 0x800fffff) | (1022 << 20)) >>> 0;
  frexpFrac = bits[0] as number;
}

/** x = frac × 2^exp with |frac| in [0.5, 1) (Go's math.Frexp). */
export function frexp(x: number): { frac: number; exp: number } {
  frexpInPlace(x);
  return { frac: frexpFrac, exp: frexpExp };
}

/** frac × 2^exp, rounding once when the result is subnormal (Go's math.Ldexp). */
export function ldexp(frac: number, exp: number): number {
  if (frac === 0 || !Number.isFinite(frac)) return frac;
  frexpInPlace(frac);
  // Go normalizes to a mantissa in [1, 2): one less in the exponent.
  let e = exp + frexpExp - 1;
  const mantissa = frexpFrac * 2;
  if (e < -1075) return frac < 0 ? -0 : 0;
  if (e > 1023) return frac < 0 ? -Infinity : Infinity;
  if (e < -1022) {
    e += 53;
    return (mantissa * powerOfTwo(e)) * 2 ** -53;
  }
  return mantissa * powerOfTwo(e);
}

/**
 * Go's math.Pow for a whole exponent n ≥ 0: repeated squaring of the mantissa, so each step
 * rounds where Go's does (V8's Math.pow rounds differently).
 */
export function powWhole(x: number, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`powWhole needs a whole exponent ≥ 0, got ${n}`);
  if (n === 0 || x === 1) return 1;
  if (n === 1) return x;
  if (Number.isNaN(x)) return NaN;
  if (x === 0) return n % 2 === 1 ? x : 0;
  if (x === Infinity) return Infinity;
  if (x === -Infinity) return n % 2 === 1 ? -Infinity : Infinity;
  let a1 = 1;
  let ae = 0;
  frexpInPlace(x);
  let x1 = frexpFrac;
  let xe = frexpExp;
  for (let i = n; i !== 0; i = Math.floor(i / 2)) {
    if (xe < -(1 << 12) || 1 << 12 < xe) {
      // Catastrophic overflow: Go lets Ldexp saturate.
      ae += xe;
      break;
    }
    if (i % 2 === 1) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe *= 2;
    if (x1 < 0.5) {
      x1 += x1;
      xe--;
    }
  }
  return ldexp(a1, ae);
}
