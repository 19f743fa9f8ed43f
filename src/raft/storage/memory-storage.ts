// In-memory stable log (etcd's MemoryStorage): the core's synchronous view of what the driver made durable.
// Must never hold a gap: entries are contiguous after the snapshot index, which is kept as a dummy entry.
import { assert } from '../core/assert.js';
import type { ConfState, Entry, HardState, MemoryLogStorage, Snapshot } from '../core/types.js';
import { CompactedError, UnavailableError } from '../errors.js';
import { entrySizeBytes } from '../core/log.js';

const EMPTY = new Uint8Array(0);

export class MemoryStorage implements MemoryLogStorage {
  private hardState: HardState = { term: 0, vote: null, commit: 0 };
  private snap: Snapshot;
  /** ents[0] is a dummy holding the snapshot's index and term. */
  private ents: Entry[];

  constructor(init?: { confState?: ConfState; hardState?: HardState; snapshot?: Snapshot; entries?: Entry[] }) {
    const confState = init?.confState ?? { voters: [], learners: [] };
    this.snap = { metadata: { index: 0, term: 0, confState }, data: EMPTY };
    this.ents = [{ term: 0, index: 0, type: 'normal', data: EMPTY }];
    if (init?.snapshot !== undefined) this.applySnapshot(init.snapshot);
    if (init?.entries !== undefined) this.append(init.entries);
    if (init?.hardState !== undefined) this.setHardState(init.hardState);
  }

  initialState(): { readonly hardState: HardState; readonly confState: ConfState } {
    return { hardState: this.hardState, confState: this.snap.metadata.confState };
  }

  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  private get offset(): number {
    return (this.ents[0] as Entry).index;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length - 1;
  }

  term(index: number): number {
    if (index < this.offset) throw new CompactedError(index);
    const e = this.ents[index - this.offset];
    if (e === undefined) throw new UnavailableError(index);
    return e.term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo <= this.offset) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1);
    const out: Entry[] = [];
    let size = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.ents[i - this.offset] as Entry;
      size += entrySizeBytes(e);
      if (size > maxBytes && out.length > 0) break;
      out.push(e);
    }
    return out;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    entries.forEach((e, i) => assert(e.index === first.index + i, 'storage append: entries must be contiguous'));
    assert(first.index <= this.lastIndex() + 1, `storage append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    // Entries at or below the snapshot index are already covered: skip them.
    const skip = Math.max(0, this.firstIndex() - first.index);
    if (skip >= entries.length) return;
    const kept = entries.slice(skip);
    const at = (kept[0] as Entry).index - this.offset;
    this.ents = this.ents.slice(0, at).concat(kept);
  }

  applySnapshot(snapshot: Snapshot): void {
    // A snapshot older than what we hold is out of date; keep ours.
    if (snapshot.metadata.index < this.snap.metadata.index) return;
    this.snap = snapshot;
    this.ents = [{ term: snapshot.metadata.term, index: snapshot.metadata.index, type: 'normal', data: EMPTY }];
  }

  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    assert(index <= this.lastIndex(), `snapshot index ${index} beyond last index ${this.lastIndex()}`);
    if (index <= this.snap.metadata.index) return this.snap;
    this.snap = { metadata: { index, term: this.term(index), confState }, data };
    return this.snap;
  }

  /**
   * Discards the entries up to and including `index`; index becomes the dummy entry, so term(index)
   * stays readable and firstIndex() becomes index + 1. `index` must be covered by the snapshot.
   */
  compact(index: number): void {
    if (index <= this.offset) return;
    assert(index <= this.snap.metadata.index, `compact ${index} beyond snapshot ${this.snap.metadata.index}`);
    assert(index <= this.lastIndex(), `compact ${index} beyond last index ${this.lastIndex()}`);
    const dummy = this.ents[index - this.offset] as Entry;
    this.ents = [{ term: dummy.term, index: dummy.index, type: 'normal', data: EMPTY }, ...this.ents.slice(index - this.offset + 1)];
  }
}
