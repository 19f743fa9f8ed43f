// The node's Raft log: the driver's stable storage plus the unstable tail, with commit and apply marks.
// Must never move committed backwards, nor overwrite a committed entry, nor apply past committed.
import { CompactedError, UnavailableError } from '../errors.js';
import { assert } from './assert.js';
import { UnstableLog } from './log-unstable.js';
import type { Entry, LogStorageReader, Snapshot } from './types.js';

/** Bytes an entry counts for in message and inflight limits. */
export function entrySizeBytes(entry: Entry): number {
  return entry.data.byteLength + 24;
}

export class RaftLog {
  readonly unstable: UnstableLog;
  committed: number;
  applied: number;

  constructor(readonly storage: LogStorageReader, applied: number) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new UnstableLog(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
    const { hardState } = storage.initialState();
    this.commitTo(hardState.commit);
    assert(applied <= this.committed, `applied ${applied} beyond committed ${this.committed}`);
    this.applied = Math.max(this.applied, applied);
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** The last index the driver has made durable. */
  stableLastIndex(): number {
    if (this.unstable.entries.length > 0) return this.unstable.offset - 1;
    return this.lastIndex();
  }

  /** Term at index; throws CompactedError / UnavailableError outside [firstIndex-1, lastIndex]. */
  term(index: number): number {
    const dummy = this.firstIndex() - 1;
    if (index < dummy) throw new CompactedError(index);
    if (index > this.lastIndex()) throw new UnavailableError(index);
    return this.unstable.maybeTerm(index) ?? this.storage.term(index);
  }

  /** Term at index, or null outside [firstIndex-1, lastIndex]; a hot path, so no exception on a miss. */
  termOrNull(index: number): number | null {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return null;
    return this.unstable.maybeTerm(index) ?? this.storage.term(index);
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  matchTerm(index: number, term: number): boolean {
    return this.termOrNull(index) === term;
  }

  /** §5.4.1: is a log ending at (index, term) at least as up-to-date as ours? */
  isUpToDate(index: number, term: number): boolean {
    const lastTerm = this.lastTerm();
    return term > lastTerm || (term === lastTerm && index >= this.lastIndex());
  }

  /** The first index at which `ents` conflicts with the log (or extends it), 0 if all present. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /** The largest index <= `index` whose term is <= `term` (fast backtracking). */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    for (; i > 0; i--) {
      const t = this.termOrNull(i);
      if (t === null || t <= term) return i;
    }
    return 0;
  }

  /** Appends after (index, logTerm) if it matches; returns the last new index or null on mismatch. */
  maybeAppend(index: number, logTerm: number, commit: number, ents: readonly Entry[]): number | null {
    if (!this.matchTerm(index, logTerm)) return null;
    const lastNew = index + ents.length;
    const conflict = this.findConflict(ents);
    if (conflict !== 0) {
      assert(conflict > this.committed, `entry ${conflict} conflicts with committed ${this.committed}`);
      this.append(ents.slice(conflict - (index + 1)));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  append(ents: readonly Entry[]): number {
    const first = ents[0];
    if (first === undefined) return this.lastIndex();
    assert(first.index - 1 >= this.committed, `append at ${first.index} would overwrite committed ${this.committed}`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    assert(index <= this.committed && index >= this.applied, `applied ${index} outside [${this.applied}, ${this.committed}]`);
    this.applied = index;
  }

  /** Entries in [lo, hi) limited by bytes (at least one); throws CompactedError below firstIndex. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo >= hi) return [];
    if (lo < this.firstIndex()) throw new CompactedError(lo);
    assert(hi <= this.lastIndex() + 1, `slice [${lo},${hi}) beyond last index ${this.lastIndex()}`);
    const off = this.unstable.offset;
    let out: Entry[] = [];
    if (lo < off) out = this.storage.entries(lo, Math.min(hi, off), maxBytes);
    if (hi > off && (out.length === 0 || out.length === Math.min(hi, off) - lo)) {
      out = out.concat(this.unstable.slice(Math.max(lo, off), hi));
    }
    let size = 0;
    for (let i = 0; i < out.length; i++) {
      size += entrySizeBytes(out[i] as Entry);
      if (size > maxBytes && i > 0) return out.slice(0, i);
    }
    return out;
  }

  hasNextCommittedEntries(): boolean {
    if (this.unstable.snapshot !== null) return false;
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  nextCommittedEntries(maxBytes: number): Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    const lo = Math.max(this.applied + 1, this.firstIndex());
    return this.slice(lo, this.committed + 1, maxBytes);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  restore(snapshot: Snapshot): void {
    this.committed = snapshot.metadata.index;
    this.unstable.restore(snapshot);
  }

  stableTo(index: number, term: number): void {
    this.unstable.stableTo(index, term);
  }

  stableSnapTo(index: number): void {
    this.unstable.stableSnapTo(index);
  }
}
