// Deletes: a group of points whose delete was acknowledged is gone from every remaining node
// (only points of writes with unknown outcome may still appear); a group whose delete failed or
// was never issued keeps every acknowledged point; no phantoms or duplicates. Pure.
import type { Operation } from '../history.js';
import { duplicatesOf, sample, type CheckResult } from './check-result.js';

export interface DeleteCheckInput {
  readonly ops: readonly Operation[];
  readonly measurement: string;
  readonly reads: ReadonlyMap<string, readonly number[] | null>;
}

interface Group {
  readonly ok: Set<number>;
  readonly unknown: Set<number>;
  deleted: 'ok' | 'unknown' | 'none';
}

function groupsOf(ops: readonly Operation[], measurement: string): { groups: Map<string, Group>; owner: Map<number, string> } {
  const groups = new Map<string, Group>();
  const owner = new Map<number, string>();
  const group = (name: string): Group => {
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { ok: new Set(), unknown: new Set(), deleted: 'none' }));
    return g;
  };
  for (const op of ops) {
    if (op.f === 'write' && op.value.measurement === measurement && op.value.group !== undefined) {
      const g = group(op.value.group);
      for (const id of op.value.ids) {
        owner.set(id, op.value.group);
        if (op.outcome === 'ok') g.ok.add(id);
        else if (op.outcome === 'unknown') g.unknown.add(id);
      }
    } else if (op.f === 'delete' && op.value.measurement === measurement) {
      const g = group(op.value.group);
      if (op.outcome === 'ok') g.deleted = 'ok';
      else if (op.outcome === 'unknown' && g.deleted === 'none') g.deleted = 'unknown';
    }
  }
  return { groups, owner };
}

export function checkDeletes(input: DeleteCheckInput): CheckResult {
  const { groups, owner } = groupsOf(input.ops, input.measurement);
  const nodes: Array<{ node: string; resurrected: number[]; lost: number[]; phantoms: number[]; duplicates: number[] }> = [];
  const unread: string[] = [];
  for (const [node, ids] of input.reads) {
    if (ids === null) {
      unread.push(node);
      continue;
    }
    const present = new Set(ids);
    const resurrected: number[] = [];
    const lost: number[] = [];
    const phantoms = [...present].filter((id) => !owner.has(id));
    for (const g of groups.values()) {
      if (g.deleted === 'ok') resurrected.push(...[...g.ok].filter((id) => present.has(id)));
      if (g.deleted === 'none') lost.push(...[...g.ok].filter((id) => !present.has(id)));
    }
    nodes.push({ node, resurrected, lost, phantoms, duplicates: [...duplicatesOf(ids).keys()] });
  }
  const count = (key: 'resurrected' | 'lost' | 'phantoms' | 'duplicates'): number => nodes.reduce((s, n) => s + n[key].length, 0);
  const violations = count('resurrected') + count('lost') + count('phantoms') + count('duplicates');
  const deletedOk = [...groups.values()].filter((g) => g.deleted === 'ok').length;
  return {
    name: `deletes:${input.measurement}`,
    valid: violations > 0 ? false : unread.length > 0 || nodes.length === 0 ? 'unknown' : true,
    summary: `${groups.size} groups, ${deletedOk} deleted with ack; resurrected ${count('resurrected')}, lost ${count('lost')}, ` +
      `phantoms ${count('phantoms')}, duplicates ${count('duplicates')}` + (unread.length > 0 ? `; unreadable: ${unread.join(',')}` : ''),
    details: {
      unread,
      nodes: nodes.map((n) => ({
        node: n.node, resurrected: sample(n.resurrected), lost: sample(n.lost), phantoms: sample(n.phantoms), duplicates: sample(n.duplicates),
      })),
    },
  };
}
