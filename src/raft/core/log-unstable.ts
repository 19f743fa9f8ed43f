// Entries and a snapshot the core produced or received that the driver has not yet persisted.
// Must never drop an entry before the driver confirmed it durable (stableTo).
import { assert } from './assert.js';
import type { Entry, Snapshot } from './types.js';

export class UnstableLog {
  snapshot: Snapshot | null = null;
  entries: Entry[] = [];
  /** Index of entries[0]. */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  /** The first index if only a snapshot is unstable. */
  maybeFirstIndex(): number | null {
    return this.snapshot === null ? null : this.snapshot.metadata.index + 1;
  }

  maybeLastIndex(): number | null {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot === null ? null : this.snapshot.metadata.index;
  }

  maybeTerm(index: number): number | null {
    if (index < this.offset) {
      if (this.snapshot !== null && this.snapshot.metadata.index === index) return this.snapshot.metadata.term;
      return null;
    }
    const e = this.entries[index - this.offset];
    return e === undefined ? null : e.term;
  }

  stableTo(index: number, term: number): void {
    const t = this.maybeTerm(index);
    if (t === null || t !== term || index < this.offset) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }

  stableSnapTo(index: number): void {
    if (this.snapshot !== null && this.snapshot.metadata.index === index) this.snapshot = null;
  }

  restore(snapshot: Snapshot): void {
    this.offset = snapshot.metadata.index + 1;
    this.entries = [];
    this.snapshot = snapshot;
  }

  truncateAndAppend(ents: readonly Entry[]): void {
    const first = ents[0];
    if (first === undefined) return;
    const after = first.index;
    if (after === this.offset + this.entries.length) {
      this.entries.push(...ents);
    } else if (after <= this.offset) {
      // The new entries replace everything unstable; storage truncates its suffix on append.
      this.offset = after;
      this.entries = [...ents];
    } else {
      this.entries = [...this.entries.slice(0, after - this.offset), ...ents];
    }
    assert(this.entries.every((e, i) => e.index === this.offset + i), 'unstable log: indexes must be contiguous');
  }

  slice(lo: number, hi: number): Entry[] {
    assert(lo >= this.offset && hi <= this.offset + this.entries.length, `unstable slice [${lo},${hi}) out of bounds`);
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
