// DDL: every node ends with the same catalog, and each managed database exists exactly when the
// history allows it: the effect of its last acknowledged create/drop, or of any unknown one
// (an unknown op may take effect at any time after its invocation). Pure.
import type { Operation } from '../history.js';
import type { CheckResult } from './check-result.js';

export interface CatalogCheckInput {
  readonly ops: readonly Operation[];
  /** Only databases with this prefix are judged against the history; all are compared across nodes. */
  readonly managedPrefix: string;
  /** Database names per remaining node; null when the node could not be read. */
  readonly catalogs: ReadonlyMap<string, readonly string[] | null>;
}

/** The states (exists or not) a managed database may legally end in. */
export function allowedStates(ops: readonly Operation[], db: string): Set<boolean> {
  let lastOk: boolean | null = null;
  let lastOkAt = -Infinity;
  const unknownEffects = new Set<boolean>();
  for (const op of ops) {
    if (op.f !== 'ddl' || op.value.db !== db) continue;
    const effect = op.value.action === 'create';
    if (op.outcome === 'ok' && op.invokeMs >= lastOkAt) {
      lastOk = effect;
      lastOkAt = op.invokeMs;
    } else if (op.outcome === 'unknown') {
      unknownEffects.add(effect);
    }
  }
  return new Set([lastOk ?? false, ...unknownEffects]);
}

export function checkCatalog(input: CatalogCheckInput): CheckResult {
  const managed = new Set<string>();
  for (const op of input.ops) if (op.f === 'ddl') managed.add(op.value.db);
  const violations: Array<{ node: string; db: string; exists: boolean; allowed: boolean[] }> = [];
  const unread: string[] = [];
  const digests = new Map<string, string>();
  for (const [node, dbs] of input.catalogs) {
    if (dbs === null) {
      unread.push(node);
      continue;
    }
    digests.set(node, [...dbs].sort().join(','));
    const present = new Set(dbs);
    for (const db of new Set([...managed, ...dbs.filter((d) => d.startsWith(input.managedPrefix))])) {
      const allowed = allowedStates(input.ops, db);
      if (!allowed.has(present.has(db))) violations.push({ node, db, exists: present.has(db), allowed: [...allowed] });
    }
  }
  const distinct = new Set(digests.values());
  const identical = distinct.size <= 1;
  const valid = violations.length > 0 || !identical ? false : unread.length > 0 || digests.size === 0 ? 'unknown' : true;
  return {
    name: 'catalog',
    valid,
    summary: `${managed.size} managed databases; ${violations.length} states the history does not allow; ` +
      `catalogs ${identical ? 'identical' : 'DIFFER'} on ${digests.size} nodes` + (unread.length > 0 ? `; unreadable: ${unread.join(',')}` : ''),
    details: { violations: violations.slice(0, 20), catalogs: Object.fromEntries(digests), unread },
  };
}
