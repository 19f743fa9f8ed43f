// The shared vocabulary of @hyperbytedb/raft: ids, entries, messages, hard state, Ready.
// Pure data only: no I/O, no node: modules, no timers; everything here must be msgpackr-encodable.

export type NodeId = string;

export type EntryType = 'normal' | 'conf-change';

/** One log entry. `data` is opaque to Raft; empty data marks the leader's no-op entry. */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** A membership change, carried in a conf-change entry's data (msgpackr-encoded by the core). */
export type ConfChange =
  | { readonly kind: 'add-voter'; readonly id: NodeId; readonly address?: string }
  | { readonly kind: 'add-learner'; readonly id: NodeId; readonly address?: string }
  | { readonly kind: 'remove'; readonly id: NodeId };

/** Cluster configuration: voters decide elections and commits; learners only receive the log. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** Must be durable before any message that depends on it is sent. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId | null;
  readonly commit: number;
}

export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  /** Application state at metadata.index, produced by the state machine. */
  readonly data: Uint8Array;
}

export type MessageType =
  | 'pre-vote' | 'pre-vote-resp'
  | 'vote' | 'vote-resp'
  | 'append' | 'append-resp'
  | 'heartbeat' | 'heartbeat-resp'
  | 'snapshot' | 'snapshot-resp'
  | 'timeout-now'
  | 'read-index' | 'read-index-resp'
  | 'propose';

/**
 * One wire message. Fields unused by a type are omitted.
 * `snapshot` messages carry one chunk: `snapshotChunk` with `snapshotOffset` and `snapshotDone`.
 */
export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  /** append: index of the entry before `entries`; vote: candidate's last log index. */
  readonly index?: number;
  /** append: term of the entry at `index`; vote: candidate's last log term. */
  readonly logTerm?: number;
  readonly entries?: readonly Entry[];
  readonly commit?: number;
  readonly reject?: boolean;
  /** append-resp rejection hint: follower's guess of the last index that could match (fast backtracking). */
  readonly rejectHint?: number;
  readonly hintTerm?: number;
  readonly snapshot?: SnapshotMetadata;
  readonly snapshotChunk?: Uint8Array;
  readonly snapshotOffset?: number;
  readonly snapshotDone?: boolean;
  /** read-index / heartbeat context, echoed back in responses. */
  readonly context?: Uint8Array;
  /** vote for a leadership transfer: ignore the leader lease. */
  readonly force?: boolean;
}

/** Everything the driver must do, in order: persist, then send, then apply, then advance(). */
export interface Ready {
  /** Set when term, vote or commit changed; persist before sending `messages`. */
  readonly hardState: HardState | null;
  /** Entries to append to stable storage (may overwrite a conflicting suffix). */
  readonly entries: readonly Entry[];
  /** A snapshot received from the leader, to persist and restore into the state machine. */
  readonly snapshot: Snapshot | null;
  /**
   * Messages to send after the above are durable. Exception: a leader's appends may leave while
   * its own entries are being persisted, if term and vote are already durable (early-appends.ts).
   */
  readonly messages: readonly Message[];
  /** Committed entries to apply to the state machine, in order. */
  readonly committedEntries: readonly Entry[];
  /** ReadIndex requests that are now safe to serve once applied index >= index. */
  readonly readStates: readonly ReadState[];
  /** Leader / role change since the last Ready, or null. */
  readonly softState: SoftState | null;
}

export interface ReadState {
  readonly index: number;
  readonly context: Uint8Array;
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

export interface SoftState {
  readonly leader: NodeId | null;
  readonly role: Role;
}

/** Source of randomness for election jitter; injected so the simulator is deterministic. */
export interface RandomSource {
  /** Uniform integer in [0, bound). */
  nextInt(bound: number): number;
}

export interface RaftConfig {
  readonly id: NodeId;
  /** Ticks without leader contact before an election; randomized in [electionTicks, 2*electionTicks). */
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** Flow control per follower. */
  readonly maxInflightMessages: number;
  readonly maxInflightBytes: number;
  readonly maxEntriesPerMessage: number;
  readonly maxBytesPerMessage: number;
  /** Snapshot chunk size for InstallSnapshot streaming. */
  readonly snapshotChunkBytes: number;
  /** Uncommitted proposals beyond this are refused (bounded queue). */
  readonly maxUncommittedEntries: number;
  readonly random: RandomSource;
  /** Bound on ReadIndex requests the leader holds while confirming leadership (default 1024). */
  readonly maxPendingReads?: number;
  /** Bound on chunks a follower buffers while reassembling one snapshot (default 65536). */
  readonly maxSnapshotChunks?: number;
}

/**
 * What the core reads of the stable log (etcd's Storage). Synchronous: the driver keeps an
 * in-memory copy (storage/memory-storage.ts) of what it made durable in LevelDB.
 */
export interface LogStorageReader {
  initialState(): { readonly hardState: HardState; readonly confState: ConfState };
  /** Entries in [lo, hi), at least one if lo < hi, stopping once maxBytes is exceeded. Throws CompactedError below firstIndex. */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of entry i; the snapshot's term at firstIndex-1. Throws CompactedError / UnavailableError. */
  term(index: number): number;
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot;
}

/** The in-memory stable log the driver mirrors durable state into (implemented by storage/memory-storage.ts). */
export interface MemoryLogStorage extends LogStorageReader {
  setHardState(hardState: HardState): void;
  /** Appends, truncating any conflicting suffix first. */
  append(entries: readonly Entry[]): void;
  /** Replaces the log with a received snapshot. */
  applySnapshot(snapshot: Snapshot): void;
  /** Records an application snapshot at `index` (<= applied) and returns it. */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot;
  /** Discards entries before `index` (they are covered by the snapshot). */
  compact(index: number): void;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly role: Role;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly confState: ConfState;
  /** Leader only: per follower match index. */
  readonly progress: Readonly<Record<NodeId, { readonly match: number; readonly next: number; readonly state: 'probe' | 'replicate' | 'snapshot' }>>;
}

/** Entries proposeBatch appended: indexes firstIndex .. firstIndex + accepted - 1, in input order. */
export interface ProposedBatch {
  readonly firstIndex: number;
  readonly accepted: number;
}

/**
 * The pure consensus core (core/raft.ts implements it as class RaftCore).
 * Proposal methods throw RaftError subclasses (NotLeaderError, ProposalDroppedError) instead of queueing forever.
 */
export interface RaftCoreApi {
  tick(): void;
  step(message: Message): void;
  /** Leader only: appends a normal entry and returns its index. */
  propose(data: Uint8Array): number;
  /**
   * Leader only: appends as many of `datas` as the uncommitted-entry bound allows, as consecutive
   * normal entries, and broadcasts them once. Throws (nothing appended) if none can be accepted.
   */
  proposeBatch(datas: readonly Uint8Array[]): ProposedBatch;
  /** Leader only: appends a conf-change entry (one pending at a time) and returns its index. */
  proposeConfChange(change: ConfChange): number;
  /** Requests a linearizable read point; answered by a ReadState carrying `context`. */
  readIndex(context: Uint8Array): void;
  transferLeadership(to: NodeId): void;
  /** Tells the core a message to `id` could not be delivered (drop to probe). */
  reportUnreachable(id: NodeId): void;
  reportSnapshot(id: NodeId, ok: boolean): void;
  /**
   * Called by the driver right after it applied a committed conf-change entry (decode its data
   * with decodeConfChange from core/conf-change.ts). The change takes effect now, etcd style;
   * returns the new configuration, which the driver stores with its next snapshot.
   */
  applyConfChange(change: ConfChange): ConfState;
  hasReady(): boolean;
  ready(): Ready;
  /** Called after everything in `ready` was persisted, sent and applied. */
  advance(ready: Ready): void;
  status(): RaftStatus;
}
