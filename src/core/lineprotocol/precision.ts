// Timestamp precisions of the v1 write API and their nanosecond multipliers.
// Pure; never reads the clock (the caller passes server time in).

export type Precision = 'n' | 'ns' | 'u' | 'µ' | 'ms' | 's' | 'm' | 'h';

const PRECISIONS: readonly Precision[] = ['n', 'ns', 'u', 'µ', 'ms', 's', 'm', 'h'];

export function isPrecision(value: string): value is Precision {
  return (PRECISIONS as readonly string[]).includes(value);
}

/** Nanoseconds per unit of `precision`. */
export function precisionMultiplierNs(precision: Precision): bigint {
  switch (precision) {
    case 'n':
    case 'ns':
      return 1n;
    case 'u':
    case 'µ':
      return 1_000n;
    case 'ms':
      return 1_000_000n;
    case 's':
      return 1_000_000_000n;
    case 'm':
      return 60_000_000_000n;
    case 'h':
      return 3_600_000_000_000n;
  }
}

/**
 * The `precision` query parameter of `/write` as InfluxDB 1.6.7 reads it: it never rejects a value,
 * and anything it does not know (including absent, `""`, `rfc3339`) means nanoseconds.
 * Deliberate difference: 1.6.7 reads `µ` as nanoseconds too; we read it as microseconds.
 */
export function precisionFromQuery(value: string | null | undefined): Precision {
  if (value === null || value === undefined) return 'ns';
  return isPrecision(value) ? value : 'ns';
}
