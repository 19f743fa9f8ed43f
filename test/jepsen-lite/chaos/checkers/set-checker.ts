// Set-full checker over uniquely identified points: every acknowledged id is on every remaining
// node, no id appears twice, no id appears that was never written, and a failed write left nothing.
// Unknown outcomes may be present or absent. Pure: history and final reads in, verdict out.
import type { Operation } from '../history.js';
import { duplicatesOf, sample, type CheckResult } from './check-result.js';

export interface SetCheckInput {
  readonly ops: readonly Operation[];
  readonly measurement: string;
  /** Ids read from each remaining node (with multiplicity); null when the node could not be read. */
  readonly reads: ReadonlyMap<string, readonly number[] | null>;
}

export interface NodeSetReport {
  readonly node: string;
  readonly present: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly phantoms: number;
  readonly failedPresent: number;
  readonly unknownPresent: number;
  readonly samples: { lost: number[]; duplicates: number[]; phantoms: number[]; failedPresent: number[] };
}

interface Attempts {
  readonly ok: Set<number>;
  readonly unknown: Set<number>;
  readonly failed: Set<number>;
}

function attemptsFor(ops: readonly Operation[], measurement: string): Attempts {
  const ok = new Set<number>();
  const unknown = new Set<number>();
  const failed = new Set<number>();
  for (const op of ops) {
    if (op.f !== 'write' || op.value.measurement !== measurement) continue;
    const target = op.outcome === 'ok' ? ok : op.outcome === 'unknown' ? unknown : failed;
    for (const id of op.value.ids) target.add(id);
  }
  return { ok, unknown, failed };
}

function nodeReport(node: string, ids: readonly number[], attempts: Attempts): NodeSetReport {
  const present = new Set(ids);
  const lost = [...attempts.ok].filter((id) => !present.has(id));
  const dups = [...duplicatesOf(ids).keys()];
  const phantoms = [...present].filter((id) => !attempts.ok.has(id) && !attempts.unknown.has(id) && !attempts.failed.has(id));
  const failedPresent = [...present].filter((id) => attempts.failed.has(id) && !attempts.ok.has(id) && !attempts.unknown.has(id));
  const unknownPresent = [...present].filter((id) => attempts.unknown.has(id)).length;
  return {
    node, present: present.size, lost: lost.length, duplicates: dups.length, phantoms: phantoms.length,
    failedPresent: failedPresent.length, unknownPresent,
    samples: { lost: sample(lost), duplicates: sample(dups), phantoms: sample(phantoms), failedPresent: sample(failedPresent) },
  };
}

export function checkSet(input: SetCheckInput): CheckResult {
  const attempts = attemptsFor(input.ops, input.measurement);
  const nodes: NodeSetReport[] = [];
  const unread: string[] = [];
  for (const [node, ids] of input.reads) {
    if (ids === null) unread.push(node);
    else nodes.push(nodeReport(node, ids, attempts));
  }
  const bad = nodes.filter((n) => n.lost + n.duplicates + n.phantoms + n.failedPresent > 0);
  const valid = bad.length > 0 ? false : unread.length > 0 || nodes.length === 0 ? 'unknown' : true;
  const total = (key: 'lost' | 'duplicates' | 'phantoms' | 'failedPresent'): number => nodes.reduce((s, n) => s + n[key], 0);
  const summary = `${input.measurement}: ok ${attempts.ok.size}, unknown ${attempts.unknown.size}, failed ${attempts.failed.size} ids; ` +
    `lost ${total('lost')}, duplicates ${total('duplicates')}, phantoms ${total('phantoms')}, failed-but-present ${total('failedPresent')}` +
    (unread.length > 0 ? `; unreadable: ${unread.join(',')}` : '');
  return {
    name: `set:${input.measurement}`,
    valid,
    summary,
    details: { okIds: attempts.ok.size, unknownIds: attempts.unknown.size, failedIds: attempts.failed.size, nodes, unread },
  };
}
