// InstallSnapshot streaming: splitting a snapshot into chunks and reassembling them in any order.
// Must never surface a snapshot before every byte arrived, nor mix chunks of different snapshots.
import type { Message, Snapshot, SnapshotMetadata } from './types.js';

export interface SnapshotChunk {
  readonly snapshot: SnapshotMetadata;
  readonly snapshotChunk: Uint8Array;
  readonly snapshotOffset: number;
  readonly snapshotDone: boolean;
}

export function splitSnapshot(snap: Snapshot, chunkBytes: number): SnapshotChunk[] {
  const chunks: SnapshotChunk[] = [];
  const total = snap.data.byteLength;
  let offset = 0;
  do {
    const end = Math.min(total, offset + chunkBytes);
    chunks.push({ snapshot: snap.metadata, snapshotChunk: snap.data.subarray(offset, end), snapshotOffset: offset, snapshotDone: end === total });
    offset = end;
  } while (offset < total);
  return chunks;
}

interface Assembly {
  readonly from: string;
  readonly term: number;
  readonly metadata: SnapshotMetadata;
  readonly chunks: Map<number, Uint8Array>;
  totalBytes: number | null;
}

/** Follower side: collects chunks (duplicated or reordered) of the latest snapshot sent to us. */
export class SnapshotAssembler {
  private current: Assembly | null = null;

  constructor(private readonly maxChunks: number) {}

  add(m: Message): Snapshot | null {
    const meta = m.snapshot;
    const chunk = m.snapshotChunk;
    const offset = m.snapshotOffset;
    if (meta === undefined || chunk === undefined || offset === undefined) return null;
    const cur = this.current;
    if (cur === null || cur.from !== m.from || cur.term !== m.term || cur.metadata.index !== meta.index || cur.metadata.term !== meta.term) {
      this.current = { from: m.from, term: m.term, metadata: meta, chunks: new Map(), totalBytes: null };
    }
    const a = this.current as Assembly;
    if (a.chunks.size >= this.maxChunks && !a.chunks.has(offset)) {
      this.current = null; // bounded: a runaway stream is dropped and the leader retries
      return null;
    }
    a.chunks.set(offset, chunk);
    if (m.snapshotDone === true) a.totalBytes = offset + chunk.byteLength;
    return this.tryComplete(a);
  }

  private tryComplete(a: Assembly): Snapshot | null {
    if (a.totalBytes === null) return null;
    const data = new Uint8Array(a.totalBytes);
    let offset = 0;
    while (offset < a.totalBytes) {
      const c = a.chunks.get(offset);
      if (c === undefined || c.byteLength === 0) return null;
      data.set(c, offset);
      offset += c.byteLength;
    }
    if (offset !== a.totalBytes) return null;
    this.current = null;
    return { metadata: a.metadata, data };
  }
}
