// Election safety: at most one leader per term. Evidence is every sample in which a node claims
// to lead a term, or names the leader it follows in a term. Pure over samples.
import type { CheckResult } from './check-result.js';

export interface LeaderSample {
  readonly atMs: number;
  /** The node that reported. */
  readonly node: string;
  readonly term: number;
  /** The leader the node believes in for that term (itself when it leads); null when none. */
  readonly leader: string | null;
}

export function checkLeaders(samples: readonly LeaderSample[]): CheckResult {
  const byTerm = new Map<number, Map<string, string[]>>();
  for (const s of samples) {
    if (s.leader === null) continue;
    let leaders = byTerm.get(s.term);
    if (!leaders) byTerm.set(s.term, (leaders = new Map()));
    const witnesses = leaders.get(s.leader) ?? [];
    if (!witnesses.includes(s.node)) witnesses.push(s.node);
    leaders.set(s.leader, witnesses);
  }
  const conflicts = [...byTerm]
    .filter(([, leaders]) => leaders.size > 1)
    .map(([term, leaders]) => ({ term, leaders: Object.fromEntries(leaders) }));
  const terms = [...byTerm.keys()].sort((a, b) => a - b);
  return {
    name: 'leaders',
    valid: conflicts.length > 0 ? false : samples.length === 0 ? 'unknown' : true,
    summary: `${samples.length} samples over ${terms.length} terms with a leader; ${conflicts.length} terms with two leaders`,
    details: { terms, conflicts: conflicts.slice(0, 20) },
  };
}
