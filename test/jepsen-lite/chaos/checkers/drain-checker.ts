// A drain lost nothing: every point a drained node acknowledged (it coordinated the write) is on
// every node that remains. The set checker covers all acknowledged points; this one names the
// drained node's share, so a summary says what the drain itself handed over. Pure.
import type { Operation } from '../history.js';
import { sample, type CheckResult } from './check-result.js';

export interface DrainCheckInput {
  readonly ops: readonly Operation[];
  readonly measurement: string;
  /** Nodes that completed a drain (they left the cluster). */
  readonly drained: readonly string[];
  /** Ids read from each remaining node; null when the node could not be read. */
  readonly reads: ReadonlyMap<string, readonly number[] | null>;
}

export function checkDrains(input: DrainCheckInput): CheckResult {
  const acked = new Map<string, Set<number>>(input.drained.map((n) => [n, new Set<number>()]));
  for (const op of input.ops) {
    if (op.f !== 'write' || op.outcome !== 'ok' || op.value.measurement !== input.measurement) continue;
    for (const id of op.value.ids) acked.get(op.node)?.add(id);
  }
  const lost: Array<{ drained: string; node: string; count: number; ids: number[] }> = [];
  const unread: string[] = [];
  for (const [node, ids] of input.reads) {
    if (ids === null) {
      unread.push(node);
      continue;
    }
    const present = new Set(ids);
    for (const [drained, mine] of acked) {
      const missing = [...mine].filter((id) => !present.has(id));
      if (missing.length > 0) lost.push({ drained, node, count: missing.length, ids: sample(missing) });
    }
  }
  const total = [...acked.values()].reduce((n, s) => n + s.size, 0);
  return {
    name: 'drain',
    valid: lost.length > 0 ? false : unread.length > 0 || input.reads.size === 0 ? 'unknown' : true,
    summary: `${input.drained.join(',')} drained; ${total} ids they acknowledged, ${lost.reduce((n, l) => n + l.count, 0)} missing on the ${input.reads.size} remaining nodes` +
      (unread.length > 0 ? `; unreadable: ${unread.join(',')}` : ''),
    details: { acknowledged: Object.fromEntries([...acked].map(([n, s]) => [n, s.size])), lost, unread },
  };
}
