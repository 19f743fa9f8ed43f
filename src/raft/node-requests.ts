// Book-keeping of the driver's client requests: proposals awaiting apply and ReadIndex reads awaiting a read point.
// Every request is bounded in number and in time; nothing here touches the core except submitReads.

import type { ConfState, NodeId, ReadState } from './core/types.js';
import { NotLeaderError, ProposalDroppedError } from './errors.js';
import type { Clock } from './clock.js';

interface PendingProposal<Result> {
  readonly term: number;
  readonly deadline: number;
  readonly resolve: (value: Result | ConfState) => void;
  readonly reject: (error: Error) => void;
}

interface ReadWaiter {
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface ReadBatch {
  readonly deadline: number;
  readonly waiters: ReadWaiter[];
}

/** The part of the core reads need. */
interface ReadIndexCore {
  readIndex(context: Uint8Array): void;
}

export interface RequestTrackerOptions {
  readonly clock: Clock;
  readonly maxPendingReads: number;
  readonly proposalTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly timeoutError: (what: string, timeoutMs: number) => Error;
  /** Makes read contexts unique across nodes (the leader keys reads by context). */
  readonly nodeId?: NodeId;
}

export class RequestTracker<Result> {
  /** Insertion order is proposal order, so deadlines are ascending (expiry scans from the front). */
  private readonly proposals = new Map<number, PendingProposal<Result>>();
  private queuedReads: ReadWaiter[] = [];
  private readonly inflightReads = new Map<string, ReadBatch>();
  /** Reads with a known read point, waiting for apply to reach it; ascending by index. */
  private waitingApply: { index: number; waiters: ReadWaiter[] }[] = [];
  private readCount = 0;
  private nextContext = 1;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  constructor(private readonly options: RequestTrackerOptions) {}

  get pendingProposals(): number {
    return this.proposals.size;
  }

  get pendingReads(): number {
    return this.readCount;
  }

  trackProposal(index: number, term: number, resolve: (value: Result | ConfState) => void, reject: (error: Error) => void): void {
    const deadline = this.options.clock.monotonicMs() + this.options.proposalTimeoutMs;
    this.proposals.get(index)?.reject(new ProposalDroppedError(`index ${index} was reused`));
    this.proposals.set(index, { term, deadline, resolve, reject });
  }

  /** Called for each applied entry; the proposal succeeded only if the entry applied is the one proposed. */
  settleProposal(index: number, term: number, result: Result | ConfState, failure: Error | null): void {
    const pending = this.proposals.get(index);
    if (!pending) return;
    this.proposals.delete(index);
    if (pending.term !== term) pending.reject(new ProposalDroppedError(`entry ${index} was overwritten by term ${term}`));
    else if (failure) pending.reject(failure);
    else pending.resolve(result);
  }

  /** A snapshot replaced the log up to `index`: proposals at or below it have an unknown outcome. */
  supersede(index: number): void {
    for (const [at, pending] of this.proposals) {
      if (at > index) continue;
      this.proposals.delete(at);
      pending.reject(new ProposalDroppedError(`entry ${at} was superseded by a snapshot; outcome unknown`));
    }
  }

  queueRead(): Promise<void> {
    if (this.readCount >= this.options.maxPendingReads) {
      return Promise.reject(new ProposalDroppedError(`more than ${this.options.maxPendingReads} pending reads`));
    }
    this.readCount++;
    return new Promise<void>((resolve, reject) => {
      const deadline = this.options.clock.monotonicMs() + this.options.readTimeoutMs;
      this.queuedReads.push({ deadline, resolve: this.counted(resolve), reject: this.counted(reject) });
    });
  }

  private counted<T extends unknown[]>(settle: (...args: T) => void): (...args: T) => void {
    let done = false;
    return (...args: T) => {
      if (done) return;
      done = true;
      this.readCount--;
      settle(...args);
    };
  }

  /** Asks the core for one read point covering every read queued since the last call. */
  submitReads(core: ReadIndexCore): void {
    if (this.queuedReads.length === 0) return;
    const waiters = this.queuedReads;
    this.queuedReads = [];
    const key = `${this.options.nodeId ?? ''}:${this.nextContext++}`;
    try {
      core.readIndex(this.encoder.encode(key));
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error as Error);
      return;
    }
    this.inflightReads.set(key, { deadline: waiters[0]!.deadline, waiters });
  }

  readReady(readState: ReadState, applied: number): void {
    const key = this.decoder.decode(readState.context);
    const batch = this.inflightReads.get(key);
    if (!batch) return;
    this.inflightReads.delete(key);
    if (readState.index <= applied) {
      for (const waiter of batch.waiters) waiter.resolve();
      return;
    }
    this.waitingApply.push({ index: readState.index, waiters: batch.waiters });
    this.waitingApply.sort((a, b) => a.index - b.index);
  }

  appliedTo(applied: number): void {
    while (this.waitingApply.length > 0 && this.waitingApply[0]!.index <= applied) {
      for (const waiter of this.waitingApply.shift()!.waiters) waiter.resolve();
    }
  }

  /** Rejects requests past their deadline. Proposal entries may still commit later; the caller cannot know. */
  expire(): void {
    const now = this.options.clock.monotonicMs();
    for (const [index, pending] of this.proposals) {
      if (pending.deadline > now) break;
      this.proposals.delete(index);
      pending.reject(this.options.timeoutError(`proposal at index ${index}`, this.options.proposalTimeoutMs));
    }
    const timeout = (): Error => this.options.timeoutError('read index', this.options.readTimeoutMs);
    for (const [key, batch] of this.inflightReads) {
      if (batch.deadline > now) continue;
      this.inflightReads.delete(key);
      for (const waiter of batch.waiters) waiter.reject(timeout());
    }
    for (const group of this.waitingApply) {
      for (const waiter of group.waiters) if (waiter.deadline <= now) waiter.reject(timeout());
    }
    this.queuedReads = this.queuedReads.filter((waiter) => {
      if (waiter.deadline > now) return true;
      waiter.reject(timeout());
      return false;
    });
  }

  /** A node that is no longer leader cannot answer reads it was confirming. */
  rejectReadsNotLeader(leaderHint: NodeId | null): void {
    for (const batch of this.inflightReads.values()) {
      for (const waiter of batch.waiters) waiter.reject(new NotLeaderError(leaderHint));
    }
    this.inflightReads.clear();
  }

  rejectAll(error: Error): void {
    for (const pending of this.proposals.values()) pending.reject(error);
    this.proposals.clear();
    for (const waiter of this.queuedReads) waiter.reject(error);
    this.queuedReads = [];
    for (const batch of this.inflightReads.values()) for (const waiter of batch.waiters) waiter.reject(error);
    this.inflightReads.clear();
    for (const group of this.waitingApply) for (const waiter of group.waiters) waiter.reject(error);
    this.waitingApply = [];
  }
}
