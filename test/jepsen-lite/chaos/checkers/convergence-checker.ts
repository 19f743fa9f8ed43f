// Convergence: after the final heal, every remaining node reports the same digest (data,
// watermarks, catalog: whatever the probe folds in) within the deadline. Pure over samples.
import type { CheckResult } from './check-result.js';

export interface DigestRound {
  /** Milliseconds since the run started. */
  readonly atMs: number;
  /** Digest per remaining node; null when the node did not answer. */
  readonly digests: Readonly<Record<string, string | null>>;
}

export interface ConvergenceInput {
  readonly rounds: readonly DigestRound[];
  readonly healedAtMs: number;
  readonly deadlineMs: number;
  readonly nodes: readonly string[];
}

export function convergedRound(rounds: readonly DigestRound[], nodes: readonly string[]): DigestRound | null {
  for (const round of rounds) {
    const values = nodes.map((n) => round.digests[n] ?? null);
    if (values.every((v) => v !== null) && new Set(values).size === 1) return round;
  }
  return null;
}

export function checkConvergence(input: ConvergenceInput): CheckResult {
  const round = convergedRound(input.rounds, input.nodes);
  const last = input.rounds.at(-1);
  if (round === null) {
    const sampledLongEnough = last !== undefined && last.atMs - input.healedAtMs >= input.deadlineMs;
    return {
      name: 'convergence',
      valid: sampledLongEnough ? false : 'unknown',
      summary: `${input.nodes.length} nodes did not converge in ${input.rounds.length} rounds` +
        (sampledLongEnough ? ` (deadline ${input.deadlineMs} ms)` : ' (sampling ended before the deadline)'),
      details: { last: last?.digests ?? null },
    };
  }
  const afterHealMs = Math.max(0, round.atMs - input.healedAtMs);
  return {
    name: 'convergence',
    valid: afterHealMs <= input.deadlineMs,
    summary: `${input.nodes.length} nodes converged ${Math.round(afterHealMs)} ms after heal (deadline ${input.deadlineMs} ms)`,
    details: { afterHealMs, digest: round.digests[input.nodes[0] ?? ''] ?? null },
  };
}
