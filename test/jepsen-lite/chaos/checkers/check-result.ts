// The shape every chaos checker returns and the rule that folds them into one verdict.
// A checker that could not decide says 'unknown'; it never rounds 'unknown' up to a pass.

export type Validity = true | false | 'unknown';

export interface CheckResult {
  readonly name: string;
  readonly valid: Validity;
  /** One line for the summary table. */
  readonly summary: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** false beats 'unknown' beats true; no results at all is 'unknown' (nothing was proven). */
export function verdict(results: readonly CheckResult[]): Validity {
  if (results.length === 0) return 'unknown';
  if (results.some((r) => r.valid === false)) return false;
  if (results.some((r) => r.valid === 'unknown')) return 'unknown';
  return true;
}

/** At most `limit` items, for reports that must stay readable. */
export function sample<T>(items: Iterable<T>, limit = 20): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (out.length >= limit) break;
    out.push(item);
  }
  return out;
}

/** Count of each value that occurs more than once. */
export function duplicatesOf(values: readonly number[]): Map<number, number> {
  const seen = new Map<number, number>();
  for (const v of values) seen.set(v, (seen.get(v) ?? 0) + 1);
  const dups = new Map<number, number>();
  for (const [v, n] of seen) if (n > 1) dups.set(v, n);
  return dups;
}
