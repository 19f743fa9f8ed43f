// InfluxQL duration literals (`10s`, `1h30m`, `2w`) and Go-style duration text (`168h0m0s`).
// Pure bigint nanosecond arithmetic; never touches clocks.

export const NS_PER = {
  ns: 1n,
  u: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
} as const;

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

/** influxql.ParseDuration: returns nanoseconds or undefined when the text is not a duration. */
export function parseDuration(text: string): bigint | undefined {
  if (text.length < 2) return undefined;
  let total = 0n;
  let i = 0;
  while (i < text.length) {
    const start = i;
    while (isDigit(text[i])) i++;
    if (i >= text.length || i === start) return undefined;
    const n = BigInt(text.slice(start, i));
    const unit = text[i];
    if (unit === 'n') {
      if (text[i + 1] !== 's') return undefined;
      total += n;
      i += 2;
      continue;
    }
    if (unit === 'm' && text[i + 1] === 's') {
      total += n * NS_PER.ms;
      i += 2;
      continue;
    }
    switch (unit) {
      case 'u':
      case 'µ':
        total += n * NS_PER.u;
        break;
      case 'm':
        total += n * NS_PER.m;
        break;
      case 's':
        total += n * NS_PER.s;
        break;
      case 'h':
        total += n * NS_PER.h;
        break;
      case 'd':
        total += n * NS_PER.d;
        break;
      case 'w':
        total += n * NS_PER.w;
        break;
      default:
        return undefined;
    }
    i++;
  }
  return total;
}

/** Go's time.Duration.String() for a nanosecond count ("0s", "1h0m0s", "1.5s", "500ms"). */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < NS_PER.s) {
    let unitNs: bigint;
    let unit: string;
    if (u < NS_PER.u) {
      return (neg ? '-' : '') + u.toString() + 'ns';
    } else if (u < NS_PER.ms) {
      unitNs = NS_PER.u;
      unit = 'µs';
    } else {
      unitNs = NS_PER.ms;
      unit = 'ms';
    }
    out = fraction(u, unitNs) + unit;
  } else {
    const h = u / NS_PER.h;
    u -= h * NS_PER.h;
    const m = u / NS_PER.m;
    u -= m * NS_PER.m;
    const secText = fraction(u, NS_PER.s) + 's';
    out = h > 0n ? `${h}h${m}m${secText}` : m > 0n ? `${m}m${secText}` : secText;
  }
  return (neg ? '-' : '') + out;
}

function fraction(value: bigint, unitNs: bigint): string {
  const whole = value / unitNs;
  const rest = value % unitNs;
  if (rest === 0n) return whole.toString();
  const digits = unitNs.toString().length - 1;
  const frac = rest.toString().padStart(digits, '0').replace(/0+$/, '');
  return `${whole}.${frac}`;
}

/** influxql's Duration literal text for printing ASTs back (`1h`, `90s`, `0s`). */
export function formatInfluxDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const units: Array<[bigint, string]> = [
    [NS_PER.w, 'w'], [NS_PER.d, 'd'], [NS_PER.h, 'h'], [NS_PER.m, 'm'], [NS_PER.s, 's'], [NS_PER.ms, 'ms'], [NS_PER.u, 'u'],
  ];
  for (const [size, unit] of units) if (ns % size === 0n) return `${ns / size}${unit}`;
  return `${ns}ns`;
}
