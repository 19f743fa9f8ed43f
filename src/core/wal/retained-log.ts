// In-memory account of the stored WAL entries: their bytes and when they were written, in seq
// order, so the log can tell how much a truncation point keeps. Pure; bounded by coarsening.

interface Span {
  /** Highest seq in the span (spans cover consecutive seqs). */
  lastSeq: number;
  bytes: number;
  /** When the span's newest entry was written. */
  atMs: number;
}

/** Spans kept before adjacent ones are merged two by two (the account grows coarser, never larger). */
const MAX_SPANS = 65_536;

export class RetainedLog {
  private spans: Span[] = [];
  private head = 0;
  private total = 0;
  /** Seq the stored entries start after (everything <= it is gone). */
  private truncated = 0;

  constructor(truncatedThrough = 0) {
    this.truncated = truncatedThrough;
  }

  /** Records entries up to `lastSeq` (above every seq recorded before). */
  add(lastSeq: number, bytes: number, atMs: number): void {
    const tail = this.spans[this.spans.length - 1];
    if (tail !== undefined && this.spans.length > this.head && tail.lastSeq >= lastSeq) throw new RangeError(`retained log: seq ${lastSeq} after ${tail.lastSeq}`);
    this.spans.push({ lastSeq, bytes, atMs });
    this.total += bytes;
    if (this.spans.length - this.head > MAX_SPANS) this.coarsen();
  }

  bytes(): number {
    return this.total;
  }

  truncatedThrough(): number {
    return this.truncated;
  }

  /** Bytes stored in seqs above `seq`. */
  bytesAfter(seq: number): number {
    let bytes = this.total;
    for (let i = this.head; i < this.spans.length && this.spans[i]!.lastSeq <= seq; i++) bytes -= this.spans[i]!.bytes;
    return bytes;
  }

  /**
   * The lowest truncation point at or above `wanted` that keeps at most `maxBytes` stored and
   * nothing written before `oldestMs`, and whether a bound (not `wanted`) decided it. Never past
   * `ceiling` (the flushed watermark): bounds never drop unflushed entries.
   */
  truncationPoint(wanted: number, ceiling: number, maxBytes: number, oldestMs: number): { seq: number; boundBy: 'size' | 'age' | null } {
    let seq = Math.min(wanted, ceiling);
    let boundBy: 'size' | 'age' | null = null;
    let kept = this.bytesAfter(seq);
    for (let i = this.head; i < this.spans.length; i++) {
      const span = this.spans[i]!;
      if (span.lastSeq <= seq) continue;
      if (span.lastSeq > ceiling) break;
      const tooBig = kept > maxBytes;
      const tooOld = span.atMs < oldestMs;
      if (!tooBig && !tooOld) break;
      boundBy ??= tooBig ? 'size' : 'age';
      seq = span.lastSeq;
      kept -= span.bytes;
    }
    return { seq, boundBy };
  }

  /** Forgets entries with seq <= `seq` (a span straddling it is kept whole: the account errs on keeping). */
  truncate(seq: number): void {
    if (seq <= this.truncated) return;
    this.truncated = seq;
    while (this.head < this.spans.length && this.spans[this.head]!.lastSeq <= seq) {
      this.total -= this.spans[this.head]!.bytes;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.spans.length) {
      this.spans = this.spans.slice(this.head);
      this.head = 0;
    }
  }

  private coarsen(): void {
    const live = this.spans.slice(this.head);
    const merged: Span[] = [];
    for (let i = 0; i < live.length; i += 2) {
      const a = live[i]!;
      const b = live[i + 1];
      merged.push(b === undefined ? a : { lastSeq: b.lastSeq, bytes: a.bytes + b.bytes, atMs: b.atMs });
    }
    this.spans = merged;
    this.head = 0;
  }
}
