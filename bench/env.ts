// Benchmark knobs read from the environment, with a clear error for a bad value.

/** A whole-number knob: `fallback` when unset or empty, otherwise an integer of at least `min` (1). */
export function envInt(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be an integer of at least ${min}, got ${raw}`);
  return n;
}
