// Bounded window of append messages in flight to one follower (count and bytes).
// Must never grow past its limits: a full window pauses replication to that follower.
import { assert } from './assert.js';

export class Inflights {
  private readonly indexes: number[] = [];
  private readonly sizes: number[] = [];
  private bytes = 0;

  constructor(readonly maxCount: number, readonly maxBytes: number) {
    assert(maxCount > 0 && maxBytes > 0, 'inflight limits must be positive');
  }

  get count(): number {
    return this.indexes.length;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  full(): boolean {
    return this.indexes.length >= this.maxCount || this.bytes >= this.maxBytes;
  }

  add(lastIndex: number, sizeBytes: number): void {
    assert(!this.full(), 'inflights: add on a full window');
    const last = this.indexes[this.indexes.length - 1];
    assert(last === undefined || lastIndex > last, 'inflights: indexes must increase');
    this.indexes.push(lastIndex);
    this.sizes.push(sizeBytes);
    this.bytes += sizeBytes;
  }

  /** Frees every message whose last index is <= index (acknowledged). */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.indexes.length && (this.indexes[n] ?? Infinity) <= index) n++;
    this.drop(n);
  }

  freeFirstOne(): void {
    this.drop(Math.min(1, this.indexes.length));
  }

  reset(): void {
    this.drop(this.indexes.length);
  }

  private drop(n: number): void {
    if (n === 0) return;
    const freed = this.sizes.splice(0, n);
    this.indexes.splice(0, n);
    for (const s of freed) this.bytes -= s;
  }
}
