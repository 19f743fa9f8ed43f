// Test harness for message-by-message tests of the Raft core: nodes with MemoryStorage, a driver
// loop (persist, send, apply, advance) and a synchronous in-order network with a drop filter.
import { decodeConfChange } from '../../../src/raft/core/conf-change.js';
import { RaftCore } from '../../../src/raft/core/raft.js';
import type { ConfState, Entry, Message, NodeId, RaftConfig, ReadState, Snapshot } from '../../../src/raft/core/types.js';
import { MemoryStorage } from '../../../src/raft/storage/memory-storage.js';
import { Prng } from '../../../src/raft/testing/prng.js';

export type NodeOptions = Partial<Omit<RaftConfig, 'id' | 'random'>>;

export function testConfig(id: NodeId, opts: NodeOptions = {}): RaftConfig {
  return {
    id, electionTicks: 10, heartbeatTicks: 1, preVote: false, checkQuorum: false,
    maxInflightMessages: 256, maxInflightBytes: 1 << 20, maxEntriesPerMessage: 100, maxBytesPerMessage: 1 << 20,
    snapshotChunkBytes: 1024, maxUncommittedEntries: 1000, random: new Prng(id.charCodeAt(id.length - 1)),
    ...opts,
  };
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);
export function entry(index: number, term: number, data = ''): Entry {
  return { index, term, type: 'normal', data: bytes(data) };
}

export class TestNode {
  core: RaftCore;
  readonly applied: Entry[] = [];
  readonly readStates: ReadState[] = [];
  readonly snapshots: Snapshot[] = [];
  conf: ConfState;

  constructor(readonly id: NodeId, readonly storage: MemoryStorage, readonly opts: NodeOptions = {}) {
    this.core = new RaftCore(testConfig(id, opts), storage, storage.snapshot().metadata.index);
    this.conf = storage.initialState().confState;
  }

  /** The driver loop: persist, then hand back messages to send, then apply, then advance. */
  drain(): Message[] {
    const out: Message[] = [];
    while (this.core.hasReady()) {
      const rd = this.core.ready();
      if (rd.snapshot !== null) {
        this.storage.applySnapshot(rd.snapshot);
        this.snapshots.push(rd.snapshot);
        this.conf = rd.snapshot.metadata.confState;
      }
      this.storage.append(rd.entries);
      if (rd.hardState !== null) this.storage.setHardState(rd.hardState);
      out.push(...rd.messages);
      for (const e of rd.committedEntries) {
        this.applied.push(e);
        if (e.type === 'conf-change') this.conf = this.core.applyConfChange(decodeConfChange(e.data));
      }
      this.readStates.push(...rd.readStates);
      this.core.advance(rd);
    }
    return out;
  }

  /** Crash and restart from what the driver persisted. */
  restart(): void {
    this.core = new RaftCore(testConfig(this.id, this.opts), this.storage, this.storage.snapshot().metadata.index);
  }

  appliedData(): string[] {
    return this.applied.filter((e) => e.data.byteLength > 0 && e.type === 'normal').map((e) => text(e.data));
  }
}

export class TestNet {
  readonly nodes = new Map<NodeId, TestNode>();
  drop: (m: Message) => boolean = () => false;
  readonly log: Message[] = [];

  constructor(voters: NodeId[], opts: NodeOptions = {}, learners: NodeId[] = []) {
    const confState = { voters, learners };
    for (const id of [...voters, ...learners]) this.nodes.set(id, new TestNode(id, new MemoryStorage({ confState }), opts));
  }

  node(id: NodeId): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Delivers messages in order until the network is quiet. */
  deliver(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      const batch: Message[] = [];
      for (const n of this.nodes.values()) batch.push(...n.drain());
      if (batch.length === 0) return;
      for (const m of batch) {
        this.log.push(m);
        const to = this.nodes.get(m.to);
        if (to !== undefined && !this.drop(m)) to.core.step(m);
      }
    }
    throw new Error('network did not settle');
  }

  /** Ticks `id` until it campaigns, then lets the election play out. */
  elect(id: NodeId): TestNode {
    const n = this.node(id);
    for (let i = 0; i < 40 && n.core.status().role !== 'leader'; i++) {
      n.core.tick();
      this.deliver();
    }
    return n;
  }

  tickAll(times: number): void {
    for (let i = 0; i < times; i++) {
      for (const n of this.nodes.values()) n.core.tick();
      this.deliver();
    }
  }
}

/** A single node whose storage already holds `entries` and `term`. */
export function nodeWithLog(id: NodeId, voters: NodeId[], entries: Entry[], term: number, opts: NodeOptions = {}): TestNode {
  const storage = new MemoryStorage({ confState: { voters, learners: [] }, entries, hardState: { term, vote: null, commit: 0 } });
  return new TestNode(id, storage, opts);
}

export function msg(m: Partial<Message> & Pick<Message, 'type' | 'from' | 'to' | 'term'>): Message {
  return m;
}
