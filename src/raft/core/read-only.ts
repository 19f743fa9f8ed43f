// Pending ReadIndex requests on the leader, each waiting for a quorum of heartbeat acks.
// Must never release a read before a quorum confirmed leadership after the read arrived.
import { hasQuorum } from './quorum.js';
import type { NodeId } from './types.js';

export interface PendingRead {
  readonly index: number;
  /** The node that asked (the leader itself for local reads). */
  readonly from: NodeId;
  readonly context: Uint8Array;
  readonly acks: Set<NodeId>;
}

export function contextKey(context: Uint8Array): string {
  let s = '';
  for (const b of context) s += String.fromCharCode(b);
  return s;
}

export class ReadOnly {
  private readonly pending = new Map<string, PendingRead>();
  private queue: string[] = [];

  constructor(private readonly maxPending: number) {}

  get size(): number {
    return this.queue.length;
  }

  full(): boolean {
    return this.queue.length >= this.maxPending;
  }

  /** Returns false when a read with the same context is already pending. */
  add(index: number, from: NodeId, context: Uint8Array): boolean {
    const key = contextKey(context);
    if (this.pending.has(key)) return false;
    this.pending.set(key, { index, from, context, acks: new Set() });
    this.queue.push(key);
    return true;
  }

  recvAck(id: NodeId, context: Uint8Array): ReadonlySet<NodeId> | null {
    const p = this.pending.get(contextKey(context));
    if (p === undefined) return null;
    p.acks.add(id);
    return p.acks;
  }

  /** Releases the read with `context` and every read queued before it. */
  advance(context: Uint8Array): PendingRead[] {
    const key = contextKey(context);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const released: PendingRead[] = [];
    for (const k of this.queue.slice(0, at + 1)) {
      const p = this.pending.get(k);
      if (p !== undefined) released.push(p);
      this.pending.delete(k);
    }
    this.queue = this.queue.slice(at + 1);
    return released;
  }

  lastContext(): Uint8Array | null {
    const key = this.queue[this.queue.length - 1];
    return key === undefined ? null : (this.pending.get(key)?.context ?? null);
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}

/** What the leader's ReadIndex logic needs from the core. */
export interface ReadIndexHost {
  readonly id: NodeId;
  voters(): readonly NodeId[];
  committed(): number;
  /** Has the leader committed an entry of its own term (its no-op)? */
  committedInCurrentTerm(): boolean;
  broadcastHeartbeat(context: Uint8Array): void;
  answer(from: NodeId, index: number, context: Uint8Array): void;
}

/**
 * The leader side of ReadIndex (§6.4): record the commit index, confirm leadership with a
 * heartbeat quorum, then answer. Requests wait until the leader's no-op is committed.
 */
export class ReadIndexTracker {
  private readonly readOnly: ReadOnly;
  private deferred: { from: NodeId; context: Uint8Array }[] = [];

  constructor(private readonly host: ReadIndexHost, private readonly maxPending: number) {
    this.readOnly = new ReadOnly(maxPending);
  }

  /** Returns false when the request was refused because the bounded queues are full. */
  request(from: NodeId, context: Uint8Array): boolean {
    const voters = this.host.voters();
    if (voters.length === 1 && voters[0] === this.host.id) {
      this.host.answer(from, this.host.committed(), context);
      return true;
    }
    if (!this.host.committedInCurrentTerm()) {
      // Until our no-op commits we do not know the true commit index.
      if (this.deferred.length >= this.maxPending) return false;
      this.deferred.push({ from, context });
      return true;
    }
    if (this.readOnly.full()) return false;
    if (!this.readOnly.add(this.host.committed(), from, context)) return true;
    this.readOnly.recvAck(this.host.id, context);
    this.host.broadcastHeartbeat(context);
    return true;
  }

  onHeartbeatAck(from: NodeId, context: Uint8Array): void {
    const voters = this.host.voters();
    if (!voters.includes(from)) return;
    const acks = this.readOnly.recvAck(from, context);
    if (acks === null || !hasQuorum(voters, acks)) return;
    for (const read of this.readOnly.advance(context)) this.host.answer(read.from, read.index, read.context);
  }

  /** Releases deferred requests once the leader's commit index reaches its own term. */
  onCommit(): void {
    if (this.deferred.length === 0 || !this.host.committedInCurrentTerm()) return;
    const pending = this.deferred;
    this.deferred = [];
    for (const r of pending) this.request(r.from, r.context);
  }

  lastContext(): Uint8Array | null {
    return this.readOnly.lastContext();
  }

  reset(): void {
    this.readOnly.reset();
    this.deferred = [];
  }
}
