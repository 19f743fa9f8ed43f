// The latest entries of this node's own origin, in memory, so peer streams ship them without
// reading LevelDB. Bounded by bytes; a stream that fell behind it reads the WAL instead.

export interface RecentEntry {
  readonly seq: number;
  readonly originSeq: number;
  readonly value: Buffer;
}

export class RecentEntries {
  private entries: RecentEntry[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Records the next entry of the origin (originSeqs arrive consecutive). */
  push(entry: RecentEntry): void {
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined && this.entries.length > this.head && entry.originSeq !== last.originSeq + 1) this.clear();
    this.entries.push(entry);
    this.bytes += entry.value.length;
    while (this.bytes > this.maxBytes && this.head < this.entries.length - 1) {
      this.bytes -= this.entries[this.head]!.value.length;
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** Consecutive entries from `fromOriginSeq`, at most `maxBytes` (at least one), or null if it is not held. */
  from(fromOriginSeq: number, maxBytes: number): RecentEntry[] | null {
    const first = this.entries[this.head];
    if (first === undefined || fromOriginSeq < first.originSeq) return null;
    const start = this.head + (fromOriginSeq - first.originSeq);
    if (start >= this.entries.length) return [];
    const out: RecentEntry[] = [];
    let bytes = 0;
    for (let i = start; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (out.length > 0 && bytes + entry.value.length > maxBytes) break;
      out.push(entry);
      bytes += entry.value.length;
    }
    return out;
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
    this.bytes = 0;
  }
}
