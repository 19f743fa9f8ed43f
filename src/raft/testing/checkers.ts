// Safety invariants the simulator checks after every event: election safety, log matching,
// leader completeness, state-machine safety, durability of acknowledged writes, linearizable reads.
// Must never mutate a node: checkers only read what nodes report.
import type { NodeId } from '../core/types.js';

/** A read-only view of one node's log, for cross-node checks. */
export interface LogView {
  readonly id: NodeId;
  readonly firstIndex: number;
  readonly lastIndex: number;
  termAt(index: number): number | null;
}

interface CommittedEntry {
  readonly term: number;
  /** The lowest term in which any node knew this index as committed. */
  commitTerm: number;
}

interface AppliedEntry {
  readonly term: number;
  readonly key: string;
  readonly digest: number;
  readonly by: NodeId;
}

export class SafetyChecker {
  readonly violations: string[] = [];
  private readonly leaders = new Map<number, NodeId>();
  private readonly committed: (CommittedEntry | undefined)[] = [];
  private readonly applied: (AppliedEntry | undefined)[] = [];
  private readonly acked = new Map<string, number>();
  maxCommitted = 0;
  maxAcked = 0;
  now = 0;

  constructor(private readonly maxViolations = 20) {}

  get ok(): boolean {
    return this.violations.length === 0;
  }

  fail(message: string): void {
    if (this.violations.length < this.maxViolations) this.violations.push(`t=${this.now}ms ${message}`);
  }

  /** Election safety: at most one leader per term. */
  onLeader(id: NodeId, term: number): void {
    const prev = this.leaders.get(term);
    if (prev !== undefined && prev !== id) this.fail(`election safety: ${prev} and ${id} both leaders in term ${term}`);
    this.leaders.set(term, id);
  }

  get leaderCount(): number {
    return this.leaders.size;
  }

  /** Committed entries are immutable: every node agrees on the term at each committed index. */
  onCommit(id: NodeId, nodeTerm: number, from: number, to: number, termAt: (index: number) => number | null): void {
    for (let i = from + 1; i <= to; i++) {
      const t = termAt(i);
      if (t === null) continue;
      const c = this.committed[i];
      if (c === undefined) this.committed[i] = { term: t, commitTerm: nodeTerm };
      else if (c.term !== t) this.fail(`log matching: ${id} committed index ${i} with term ${t}, others with ${c.term}`);
      else if (nodeTerm < c.commitTerm) c.commitTerm = nodeTerm;
    }
    if (to > this.maxCommitted) this.maxCommitted = to;
  }

  /** Leader completeness: a new leader of term T holds every entry committed in a term below T. */
  onBecomeLeader(id: NodeId, term: number, log: LogView): void {
    this.onLeader(id, term);
    const first = Math.max(1, log.firstIndex);
    for (let i = first; i < this.committed.length; i++) {
      const c = this.committed[i];
      if (c === undefined || c.commitTerm >= term) continue;
      const t = i <= log.lastIndex ? log.termAt(i) : null;
      if (t !== c.term) {
        this.fail(`leader completeness: ${id} leader of term ${term} has term ${String(t)} at ${i}, committed term ${c.term}`);
        return;
      }
    }
  }

  /** State-machine safety: no two nodes apply different entries (or reach different states) at one index. */
  onApply(id: NodeId, index: number, term: number, key: string, digest: number): void {
    const a = this.applied[index];
    if (a === undefined) {
      this.applied[index] = { term, key, digest, by: id };
      return;
    }
    if (a.term !== term || a.key !== key || a.digest !== digest) {
      this.fail(`state-machine safety: ${id} applied ${key}@${term} (digest ${digest}) at ${index}; ${a.by} applied ${a.key}@${a.term} (digest ${a.digest})`);
    }
  }

  /** A restored snapshot must equal the state every node reached at that index. */
  onRestore(id: NodeId, index: number, digest: number): void {
    const a = this.applied[index];
    if (a !== undefined && a.digest !== digest) this.fail(`state-machine safety: ${id} restored digest ${digest} at ${index}, expected ${a.digest}`);
  }

  /** A write the client was told is committed. */
  onAck(key: string, index: number): void {
    this.acked.set(key, index);
    if (index > this.maxAcked) this.maxAcked = index;
  }

  get ackedCount(): number {
    return this.acked.size;
  }

  /** Linearizable reads: the read index covers everything committed before the read was requested. */
  onReadIndex(id: NodeId, readIndex: number, committedAtRequest: number): void {
    if (readIndex < committedAtRequest) {
      this.fail(`linearizable read: ${id} got read index ${readIndex} below ${committedAtRequest} committed before the request`);
    }
  }

  /** The state a read is served from must include the read index and all that was committed before the request. */
  onReadServed(id: NodeId, appliedIndex: number, readIndex: number, committedAtRequest: number): void {
    if (appliedIndex < readIndex) this.fail(`linearizable read: ${id} served at applied ${appliedIndex} < read index ${readIndex}`);
    else if (appliedIndex < committedAtRequest) this.fail(`linearizable read: ${id} served at applied ${appliedIndex} < ${committedAtRequest} committed before the request`);
  }

  /** Durability: every acknowledged write is applied at its index (call after the liveness phase). */
  checkAckedDurable(): void {
    for (const [key, index] of this.acked) {
      const a = this.applied[index];
      if (a === undefined || a.key !== key) this.fail(`durability: acknowledged write ${key} at ${index} lost (found ${a?.key ?? 'nothing'})`);
    }
  }

  /** Log matching: if two logs hold an entry with the same index and term, they agree on all before it. */
  checkLogMatching(views: readonly LogView[]): void {
    for (let x = 0; x < views.length; x++) {
      for (let y = x + 1; y < views.length; y++) this.checkPair(views[x] as LogView, views[y] as LogView);
    }
  }

  private checkPair(a: LogView, b: LogView): void {
    const lo = Math.max(a.firstIndex, b.firstIndex);
    let i = Math.min(a.lastIndex, b.lastIndex);
    while (i >= lo && a.termAt(i) !== b.termAt(i)) i--;
    for (; i >= lo; i--) {
      const ta = a.termAt(i);
      if (ta !== b.termAt(i)) {
        this.fail(`log matching: ${a.id} and ${b.id} agree at a later index but differ at ${i}`);
        return;
      }
    }
  }
}
