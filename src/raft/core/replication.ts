// The leader's replication engine: one Progress per member, appends, snapshots and heartbeats.
// Must never send to a paused follower, nor exceed the per-message entry and byte limits.
import { assert } from './assert.js';
import { entrySizeBytes, type RaftLog } from './log.js';
import { Progress } from './progress.js';
import { hasQuorum } from './quorum.js';
import { splitSnapshot } from './snapshot-chunks.js';
import type { ConfState, Entry, Message, NodeId, RaftConfig } from './types.js';

/** A message before the core stamps `from` and (unless given) `term`. */
export type Outgoing = Omit<Message, 'from' | 'term'> & { readonly term?: number };

export class Replicator {
  readonly prs = new Map<NodeId, Progress>();

  constructor(
    private readonly id: NodeId,
    private readonly config: RaftConfig,
    private readonly log: RaftLog,
    private readonly send: (m: Outgoing) => void,
  ) {}

  progress(id: NodeId): Progress {
    const pr = this.prs.get(id);
    assert(pr !== undefined, `no progress for ${id}`);
    return pr;
  }

  /** Keeps exactly one Progress per member of `conf`. */
  syncMembers(conf: ConfState): void {
    const members = new Set([...conf.voters, ...conf.learners]);
    for (const id of [...this.prs.keys()]) if (!members.has(id)) this.prs.delete(id);
    for (const id of [...members].sort()) {
      if (this.prs.has(id)) continue;
      const pr = new Progress({
        next: this.log.lastIndex() + 1,
        maxInflightMessages: this.config.maxInflightMessages,
        maxInflightBytes: this.config.maxInflightBytes,
      });
      pr.recentActive = true; // a new member gets one election timeout to show up
      this.prs.set(id, pr);
    }
  }

  /** On a term or role change: every follower is probed again from the end of our log. */
  resetAll(): void {
    const last = this.log.lastIndex();
    for (const [id, pr] of this.prs) {
      pr.match = 0;
      pr.becomeProbe();
      pr.next = last + 1;
      pr.recentActive = id === this.id;
    }
  }

  /** Check-quorum: were a majority of voters heard from since the last call? */
  quorumActive(voters: readonly NodeId[]): boolean {
    const active = new Set<NodeId>();
    for (const [id, pr] of this.prs) {
      if (id === this.id || pr.recentActive) active.add(id);
      if (id !== this.id) pr.recentActive = false;
    }
    return hasQuorum(voters, active);
  }

  /** A lost chunk never completes a snapshot: give up after a bound and probe again. */
  tickSnapshots(): void {
    for (const [id, pr] of this.prs) {
      if (pr.state !== 'snapshot' || id === this.id) continue;
      if (++pr.snapshotElapsedTicks >= 2 * this.config.electionTicks) {
        pr.pendingSnapshot = 0;
        pr.becomeProbe();
      }
    }
  }

  bcastAppend(): void {
    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id);
  }

  bcastHeartbeat(context: Uint8Array | null): void {
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      const commit = Math.min(pr.match, this.log.committed);
      this.send({ type: 'heartbeat', to: id, commit, ...(context !== null ? { context } : {}) });
    }
  }

  /** Sends entries (or a snapshot) to `to` unless its window is paused; returns whether it sent. */
  sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.prs.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.termOrNull(prevIndex);
    if (prevTerm === null) {
      assert(prevIndex < this.log.firstIndex(), `progress next ${pr.next} beyond last index ${this.log.lastIndex()}`);
      return this.sendSnapshot(to, pr);
    }
    let entries: Entry[];
    try {
      const hi = Math.min(this.log.lastIndex() + 1, pr.next + this.config.maxEntriesPerMessage);
      entries = this.log.slice(pr.next, hi, this.config.maxBytesPerMessage);
    } catch {
      return this.sendSnapshot(to, pr); // compacted between term() and slice()
    }
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: 'append', to, index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed });
    const last = entries[entries.length - 1];
    if (pr.state === 'replicate' && last !== undefined) {
      pr.optimisticUpdate(last.index);
      pr.inflights.add(last.index, entries.reduce((n, e) => n + entrySizeBytes(e), 0));
    } else if (pr.state === 'probe') {
      pr.probeSent = true;
    }
    return true;
  }

  /** Streams the latest snapshot in chunks of snapshotChunkBytes (InstallSnapshot). */
  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) return false; // do not stream a snapshot into the void
    const snap = this.log.snapshot();
    assert(snap.metadata.index >= this.log.firstIndex() - 1, 'snapshot must cover the compacted prefix');
    pr.becomeSnapshot(snap.metadata.index);
    for (const chunk of splitSnapshot(snap, this.config.snapshotChunkBytes)) this.send({ ...chunk, type: 'snapshot', to });
    return true;
  }
}
