// The Raft driver: ticks the core from a Clock and runs each Ready as persist → send → apply → advance.
// Never sends a message before what it depends on is durable, and never runs two Ready pipelines at once.

import { EventEmitter } from 'node:events';
import { decodeConfChange } from './core/conf-change.js';
import { RaftCore } from './core/raft.js';
import type {
  ConfChange, ConfState, Entry, Message, NodeId, RaftConfig, RandomSource, Ready, Role,
} from './core/types.js';
import { NotLeaderError, ProposalDroppedError, RaftError } from './errors.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { silentLogger, type RaftLogger } from './logger.js';
import type { LogStorage } from './storage/log-storage.js';
import type { PeerAddress, Transport } from './transport/transport.js';
import { RequestTracker } from './node-requests.js';
import { coalesceAppends } from './coalesce-appends.js';
import { splitEarlyAppends } from './early-appends.js';

/** The replicated application. Called only from the driver, one entry at a time, in log order. */
export interface StateMachine<Result = unknown> {
  apply(data: Uint8Array, index: number): Promise<Result> | Result;
  /** State as of the last applied entry; no apply runs until it resolves. */
  snapshot(): Promise<Uint8Array>;
  restore(data: Uint8Array): Promise<void>;
}

/** Core tuning passed through to RaftCore (see RaftConfig). */
export type RaftTuning = Partial<Omit<RaftConfig, 'id' | 'electionTicks' | 'heartbeatTicks' | 'random'>>;

export interface RaftNodeOptions<Result = unknown> {
  readonly id: NodeId;
  /** Initial members with their transport addresses (this node may be listed too). */
  readonly peers: readonly PeerAddress[];
  /** Opened and closed by the node. */
  readonly storage: LogStorage;
  /** Started and stopped by the node. */
  readonly transport: Transport;
  readonly stateMachine: StateMachine<Result>;
  readonly clock?: Clock;
  readonly logger?: RaftLogger;
  readonly random?: RandomSource;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  /** Take a state-machine snapshot after this many applied entries, then compact the log. */
  readonly snapshotEvery?: number;
  /** Entries kept below a snapshot so slightly lagging followers catch up without one. */
  readonly snapshotTrailingEntries?: number;
  /** Join an existing cluster: do not bootstrap; wait for the leader's log or snapshot. */
  readonly join?: boolean;
  /** propose() calls waiting for their entry to apply, plus queued ones; beyond it they are refused. */
  readonly maxPendingProposals?: number;
  /** Proposals handed to the core per Ready (the batching unit). */
  readonly maxProposalsPerReady?: number;
  readonly maxPendingReads?: number;
  /** Incoming messages buffered while a Ready is being persisted; beyond it they are dropped. */
  readonly maxInboxMessages?: number;
  readonly proposalTimeoutMs?: number;
  readonly readTimeoutMs?: number;
  readonly raft?: RaftTuning;
}

export const defaultRaftNodeOptions = {
  tickMs: 100,
  electionTicks: 10,
  heartbeatTicks: 1,
  snapshotEvery: 10_000,
  snapshotTrailingEntries: 2_000,
  maxPendingProposals: 16_384,
  maxProposalsPerReady: 4_096,
  maxPendingReads: 4_096,
  maxInboxMessages: 16_384,
  proposalTimeoutMs: 30_000,
  readTimeoutMs: 10_000,
} as const;

const defaultTuning = {
  preVote: true,
  checkQuorum: true,
  // The core sends one append per follower per proposal batch; coalesceAppends merges the rest.
  maxInflightMessages: 4_096,
  maxInflightBytes: 32 * 1024 * 1024,
  maxEntriesPerMessage: 4_096,
  maxBytesPerMessage: 1024 * 1024,
  snapshotChunkBytes: 1024 * 1024,
  maxUncommittedEntries: 65_536,
} as const;

/** A request was not answered within its deadline; its outcome is unknown. */
export class RaftTimeoutError extends RaftError {
  constructor(what: string, timeoutMs: number) {
    super('RAFT_TIMEOUT', `${what} timed out after ${timeoutMs} ms; outcome unknown`);
  }
}

/** The node is not running (never started, stopped, or failed). */
export class NodeStoppedError extends RaftError {
  constructor(reason: string) {
    super('RAFT_STOPPED', `raft node is not running: ${reason}`);
  }
}

export interface RaftNodeMetrics {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly leader: NodeId | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly pendingProposals: number;
  readonly droppedInboxMessages: number;
  /** Leader only: entries each peer is behind the leader's last index. */
  readonly replicationLag: Readonly<Record<NodeId, number>>;
}

export interface RaftNodeEvents {
  'leader-change': [change: { readonly leader: NodeId | null; readonly term: number }];
  'role-change': [change: { readonly role: Role; readonly term: number }];
  /** Once per Ready, with the last applied index. */
  'applied': [index: number];
  /** The node hit a storage failure or broken invariant and stopped. */
  'fatal': [error: Error];
}

export interface RaftNode<Result = unknown> extends EventEmitter<RaftNodeEvents> {
  readonly name: string;
  readonly id: NodeId;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves with the state machine's result once the entry is applied here; NotLeaderError on followers. */
  propose(data: Uint8Array): Promise<Result>;
  /** Resolves once this node's applied index reaches a linearizable read point. */
  readIndex(): Promise<void>;
  /** Resolves when `id` is observed as leader. */
  transferLeadership(id: NodeId): Promise<void>;
  addNode(id: NodeId, address: string, options?: { readonly learner?: boolean }): Promise<ConfState>;
  removeNode(id: NodeId): Promise<ConfState>;
  metrics(): RaftNodeMetrics;
  /** The applied configuration: voters and learners (empty before start). */
  configuration(): ConfState;
  isLeader(): boolean;
  leader(): NodeId | null;
}

export function createRaftNode<Result = unknown>(options: RaftNodeOptions<Result>): RaftNode<Result> {
  return new RaftNodeImpl<Result>(options);
}

const mathRandom: RandomSource = { nextInt: (bound) => Math.floor(Math.random() * bound) };

interface QueuedProposal<Result> {
  readonly data: Uint8Array | null;
  readonly change: ConfChange | null;
  readonly resolve: (value: Result | ConfState) => void;
  readonly reject: (error: Error) => void;
}

interface Settings {
  readonly tickMs: number;
  readonly snapshotEvery: number;
  readonly snapshotTrailingEntries: number;
  readonly maxPendingProposals: number;
  readonly maxProposalsPerReady: number;
  readonly maxInboxMessages: number;
}

class RaftNodeImpl<Result> extends EventEmitter<RaftNodeEvents> implements RaftNode<Result> {
  readonly name: string;
  readonly id: NodeId;
  private readonly settings: Settings;
  private readonly clock: Clock;
  private readonly log: RaftLogger;
  private readonly requests: RequestTracker<Result>;
  private core: RaftCore | null = null;
  private state: 'new' | 'running' | 'stopped' | 'failed' = 'new';
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private loop: Promise<void> | null = null;
  private tickTimer: TimerHandle | null = null;
  private pendingTicks = 0;
  private inbox: Message[] = [];
  private droppedInbox = 0;
  private unreachable = new Set<NodeId>();
  private snapshotFailed = new Set<NodeId>();
  private proposals: QueuedProposal<Result>[] = [];
  private control: (() => void)[] = [];
  private wakeup: (() => void) | null = null;
  private woken = false;
  private role: Role = 'follower';
  private leaderId: NodeId | null = null;
  private term = 0;
  private applied = 0;
  private snapshotIndex = 0;
  private readonly maxMessageBytes: number;

  constructor(private readonly options: RaftNodeOptions<Result>) {
    super();
    this.id = options.id;
    this.name = `raft-node-${options.id}`;
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? silentLogger;
    const d = defaultRaftNodeOptions;
    this.settings = {
      tickMs: options.tickMs ?? d.tickMs,
      snapshotEvery: options.snapshotEvery ?? d.snapshotEvery,
      snapshotTrailingEntries: options.snapshotTrailingEntries ?? d.snapshotTrailingEntries,
      maxPendingProposals: options.maxPendingProposals ?? d.maxPendingProposals,
      maxProposalsPerReady: options.maxProposalsPerReady ?? d.maxProposalsPerReady,
      maxInboxMessages: options.maxInboxMessages ?? d.maxInboxMessages,
    };
    const s = this.settings;
    if (s.tickMs <= 0 || s.snapshotEvery < 1 || s.snapshotTrailingEntries < 0) throw new RangeError('raft node: bad tick/snapshot settings');
    if (s.maxPendingProposals < 1 || s.maxProposalsPerReady < 1 || s.maxInboxMessages < 1) throw new RangeError('raft node: limits must be >= 1');
    this.maxMessageBytes = options.raft?.maxBytesPerMessage ?? defaultTuning.maxBytesPerMessage;
    this.requests = new RequestTracker<Result>({
      clock: this.clock,
      maxPendingReads: options.maxPendingReads ?? d.maxPendingReads,
      proposalTimeoutMs: options.proposalTimeoutMs ?? d.proposalTimeoutMs,
      readTimeoutMs: options.readTimeoutMs ?? d.readTimeoutMs,
      timeoutError: (what, ms) => new RaftTimeoutError(what, ms),
      nodeId: options.id,
    });
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  start(): Promise<void> {
    if (this.stopping) return Promise.reject(new NodeStoppedError('stopped'));
    this.starting ??= this.open();
    return this.starting;
  }

  private async open(): Promise<void> {
    const { storage, transport, stateMachine } = this.options;
    const members = [...new Set([...this.options.peers.map((p) => p.id), this.id])].sort();
    const opened = await storage.open(this.options.join === true ? {} : { bootstrap: { voters: members, learners: [] } });
    if (opened.snapshot !== null && opened.snapshot.metadata.index > 0) {
      await stateMachine.restore(opened.snapshot.data);
      this.applied = opened.snapshot.metadata.index;
      this.snapshotIndex = this.applied;
    }
    const options = this.options;
    this.core = new RaftCore({
      ...defaultTuning,
      ...options.raft,
      id: this.id,
      electionTicks: options.electionTicks ?? defaultRaftNodeOptions.electionTicks,
      heartbeatTicks: options.heartbeatTicks ?? defaultRaftNodeOptions.heartbeatTicks,
      random: options.random ?? mathRandom,
    }, storage.reader, this.applied);
    this.term = opened.hardState.term;
    transport.bind({
      onMessage: (message) => this.receive(message),
      onUnreachable: (peer, dropped) => {
        (dropped?.type === 'snapshot' ? this.snapshotFailed : this.unreachable).add(peer);
        this.wake();
      },
    });
    for (const peer of options.peers) if (peer.id !== this.id) transport.addPeer(peer);
    await transport.start();
    this.state = 'running';
    this.armTick();
    this.loop = this.run();
    this.log.info({ id: this.id, term: this.term, applied: this.applied, lastIndex: opened.lastIndex, fresh: opened.fresh }, 'raft node started');
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined);
      if (this.state === 'running') this.state = 'stopped';
      this.tickTimer?.cancel();
      this.wake();
      await this.loop;
      this.failAll(new NodeStoppedError('stopped'));
      await this.options.transport.stop();
      await this.options.storage.close();
      this.log.info({ id: this.id }, 'raft node stopped');
    })();
    return this.stopping;
  }

  private armTick(): void {
    this.tickTimer = this.clock.setTimer(this.settings.tickMs, () => {
      if (this.state !== 'running') return;
      this.pendingTicks++;
      this.wake();
      this.armTick();
    });
  }

  // ---- public requests ----------------------------------------------------------------------

  propose(data: Uint8Array): Promise<Result> {
    if (data.byteLength === 0) return Promise.reject(new RangeError('empty proposals are reserved for the leader no-op'));
    return this.enqueueProposal(data, null) as Promise<Result>;
  }

  addNode(id: NodeId, address: string, options: { readonly learner?: boolean } = {}): Promise<ConfState> {
    if (id !== this.id) this.options.transport.addPeer({ id, address });
    const change: ConfChange = { kind: options.learner === true ? 'add-learner' : 'add-voter', id, address };
    return this.enqueueProposal(null, change) as Promise<ConfState>;
  }

  removeNode(id: NodeId): Promise<ConfState> {
    return this.enqueueProposal(null, { kind: 'remove', id }) as Promise<ConfState>;
  }

  private enqueueProposal(data: Uint8Array | null, change: ConfChange | null): Promise<Result | ConfState> {
    if (this.state !== 'running') return Promise.reject(new NodeStoppedError(this.state));
    if (this.role !== 'leader') return Promise.reject(new NotLeaderError(this.leaderId));
    if (this.proposals.length + this.requests.pendingProposals >= this.settings.maxPendingProposals) {
      return Promise.reject(new ProposalDroppedError(`more than ${this.settings.maxPendingProposals} pending proposals`));
    }
    return new Promise((resolve, reject) => {
      this.proposals.push({ data, change, resolve, reject });
      this.wake();
    });
  }

  readIndex(): Promise<void> {
    if (this.state !== 'running') return Promise.reject(new NodeStoppedError(this.state));
    const queued = this.requests.queueRead();
    this.wake();
    return queued;
  }

  transferLeadership(id: NodeId): Promise<void> {
    if (this.state !== 'running') return Promise.reject(new NodeStoppedError(this.state));
    if (this.leaderId === id) return Promise.resolve();
    const timeoutMs = 2 * (this.options.electionTicks ?? defaultRaftNodeOptions.electionTicks) * this.settings.tickMs;
    return new Promise<void>((resolve, reject) => {
      const onLeader = ({ leader }: { leader: NodeId | null }): void => {
        if (leader !== id) return;
        cleanup();
        resolve();
      };
      const timer = this.clock.setTimer(timeoutMs, () => {
        cleanup();
        reject(new RaftTimeoutError(`leadership transfer to ${id}`, timeoutMs));
      });
      const cleanup = (): void => {
        timer.cancel();
        this.off('leader-change', onLeader);
      };
      this.on('leader-change', onLeader);
      this.control.push(() => {
        try {
          this.requireCore().transferLeadership(id);
        } catch (error) {
          cleanup();
          reject(error as Error);
        }
      });
      this.wake();
    });
  }

  isLeader(): boolean {
    return this.role === 'leader';
  }

  leader(): NodeId | null {
    return this.leaderId;
  }

  configuration(): ConfState {
    return this.core?.status().confState ?? { voters: [], learners: [] };
  }

  metrics(): RaftNodeMetrics {
    const status = this.core?.status();
    const replicationLag: Record<NodeId, number> = {};
    if (status) {
      for (const [peer, progress] of Object.entries(status.progress)) {
        if (peer !== this.id) replicationLag[peer] = Math.max(0, status.lastIndex - progress.match);
      }
    }
    return {
      id: this.id,
      role: status?.role ?? this.role,
      term: status?.term ?? this.term,
      // The core's own view when it runs: null in a term without a leader (never the previous one).
      leader: status ? status.leader : this.leaderId,
      commitIndex: status?.commit ?? 0,
      appliedIndex: this.applied,
      lastIndex: status?.lastIndex ?? 0,
      snapshotIndex: this.snapshotIndex,
      pendingProposals: this.proposals.length + this.requests.pendingProposals,
      droppedInboxMessages: this.droppedInbox,
      replicationLag,
    };
  }

  // ---- the driver loop ----------------------------------------------------------------------

  private receive(message: Message): void {
    if (this.state !== 'running') return;
    if (this.inbox.length >= this.settings.maxInboxMessages) {
      this.droppedInbox++; // Raft tolerates loss; the sender retries
      return;
    }
    this.inbox.push(message);
    this.wake();
  }

  private wake(): void {
    this.woken = true;
    const wakeup = this.wakeup;
    this.wakeup = null;
    wakeup?.();
  }

  private async run(): Promise<void> {
    try {
      while (this.state === 'running') {
        this.woken = false;
        this.drainInputs();
        const core = this.requireCore();
        if (core.hasReady()) {
          await this.handleReady(core, core.ready());
          continue;
        }
        if (this.applied - this.snapshotIndex >= this.settings.snapshotEvery) {
          await this.takeSnapshot();
          continue;
        }
        this.requests.expire();
        if (this.woken) continue;
        await new Promise<void>((resolve) => { this.wakeup = resolve; });
      }
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** Feeds everything that arrived since the last Ready into the core, synchronously. */
  private drainInputs(): void {
    const core = this.requireCore();
    const ticks = Math.min(this.pendingTicks, 3); // never replay a long stall as a burst of ticks
    this.pendingTicks = 0;
    for (let i = 0; i < ticks; i++) core.tick();
    if (ticks > 0) this.requests.expire();
    for (const peer of this.unreachable) core.reportUnreachable(peer);
    this.unreachable.clear();
    for (const peer of this.snapshotFailed) core.reportSnapshot(peer, false);
    this.snapshotFailed.clear();
    const inbox = this.inbox;
    this.inbox = [];
    for (const message of inbox) {
      try {
        core.step(message);
      } catch (error) {
        if (!(error instanceof RaftError) || error.code === 'RAFT_INVARIANT') throw error;
        this.log.debug({ err: error.message, type: message.type, from: message.from }, 'raft message rejected');
      }
    }
    const control = this.control;
    this.control = [];
    for (const run of control) run();
    this.submitProposals(core);
    this.requests.submitReads(core);
  }

  private submitProposals(core: RaftCore): void {
    if (this.proposals.length === 0) return;
    const batch = this.proposals.length <= this.settings.maxProposalsPerReady
      ? this.proposals
      : this.proposals.slice(0, this.settings.maxProposalsPerReady);
    this.proposals = batch === this.proposals ? [] : this.proposals.slice(batch.length);
    const term = core.status().term;
    let start = 0;
    while (start < batch.length) {
      const first = batch[start]!;
      if (first.change) {
        try {
          this.requests.trackProposal(core.proposeConfChange(first.change), term, first.resolve, first.reject);
        } catch (error) {
          first.reject(error as Error);
        }
        start++;
        continue;
      }
      // A run of normal proposals becomes one core call: one append per follower, not one per proposal.
      let end = start;
      while (end < batch.length && batch[end]!.change === null) end++;
      this.proposeRun(core, term, batch.slice(start, end));
      start = end;
    }
  }

  private proposeRun(core: RaftCore, term: number, run: readonly QueuedProposal<Result>[]): void {
    let accepted = 0;
    try {
      const proposed = core.proposeBatch(run.map((proposal) => proposal.data!));
      accepted = proposed.accepted;
      for (let i = 0; i < accepted; i++) {
        const proposal = run[i]!;
        this.requests.trackProposal(proposed.firstIndex + i, term, proposal.resolve, proposal.reject);
      }
      if (accepted < run.length) throw new ProposalDroppedError('too many uncommitted entries');
    } catch (error) {
      for (let i = accepted; i < run.length; i++) run[i]!.reject(error as Error);
    }
  }

  private async handleReady(core: RaftCore, ready: Ready): Promise<void> {
    const committed = ready.committedEntries;
    // Committed entries already durable here are applied while this Ready's new entries are being
    // synced: a committed entry is never overwritten, so applying it early is safe. Messages other
    // than the leader's appends still leave only once the batch is durable.
    const durableLast = ready.snapshot ? 0 : this.options.storage.reader.lastIndex();
    let early = 0;
    while (early < committed.length && committed[early]!.index <= durableLast) early++;
    // The leader's appends go out while its own write is being synced (see early-appends.ts).
    const messages = splitEarlyAppends(ready, this.options.storage.hardState(), core.leaderTerm());
    this.sendMessages(messages.early);
    const persistThenSend = this.persistReady(ready).then(async () => {
      if (ready.snapshot) await this.restoreSnapshot(ready.snapshot.metadata.index, ready.snapshot.data);
      this.sendMessages(messages.late);
    });
    const applyEarly = early > 0 ? this.applyEntries(core, committed.slice(0, early)) : Promise.resolve();
    const [persisted, applied] = await Promise.allSettled([persistThenSend, applyEarly]);
    if (persisted.status === 'rejected') throw persisted.reason;
    if (applied.status === 'rejected') throw applied.reason;
    if (early < committed.length) await this.applyEntries(core, early === 0 ? committed : committed.slice(early));
    for (const readState of ready.readStates) this.requests.readReady(readState, this.applied);
    if (ready.softState) this.changeSoftState(ready.softState.role, ready.softState.leader, ready.hardState?.term ?? core.status().term);
    else if (ready.hardState) this.term = ready.hardState.term;
    core.advance(ready);
  }

  private sendMessages(messages: readonly Message[]): void {
    for (const message of coalesceAppends(messages, this.maxMessageBytes)) {
      if (message.to === this.id) this.inbox.push(message);
      else this.options.transport.send(message);
    }
  }

  /** One batch per Ready; synced unless only the commit index moved (etcd's mustSync: it is re-learned after a crash). */
  private async persistReady(ready: Ready): Promise<void> {
    const { storage } = this.options;
    const { hardState, entries, snapshot } = ready;
    if (!hardState && entries.length === 0 && !snapshot) return;
    const durable = storage.hardState();
    const termOrVoteChanged = hardState !== null && (hardState.term !== durable.term || hardState.vote !== durable.vote);
    await storage.persist({ hardState, entries, snapshot }, { sync: entries.length > 0 || snapshot !== null || termOrVoteChanged });
  }

  private async restoreSnapshot(index: number, data: Uint8Array): Promise<void> {
    await this.options.stateMachine.restore(data);
    this.applied = index;
    this.snapshotIndex = index;
    this.requests.supersede(index);
    this.requests.appliedTo(index);
    this.log.info({ id: this.id, index }, 'raft snapshot restored from leader');
  }

  private async applyEntries(core: RaftCore, entries: readonly Entry[]): Promise<void> {
    const { stateMachine, transport } = this.options;
    for (const entry of entries) {
      if (entry.index <= this.applied) continue;
      let result: unknown;
      let failure: Error | null = null;
      if (entry.type === 'conf-change') {
        const change = decodeConfChange(entry.data);
        result = core.applyConfChange(change);
        if (change.id !== this.id) {
          if (change.kind === 'remove') transport.removePeer(change.id);
          else if (change.address !== undefined) transport.addPeer({ id: change.id, address: change.address });
        }
        this.log.info({ id: this.id, change: change.kind, member: change.id, index: entry.index }, 'raft membership changed');
      } else if (entry.data.byteLength > 0) {
        try {
          const applied = stateMachine.apply(entry.data, entry.index);
          result = isPromiseLike(applied) ? await applied : applied;
        } catch (error) {
          // A deterministic state-machine refusal is the entry's outcome, not a node failure.
          failure = error as Error;
        }
      }
      this.applied = entry.index;
      this.requests.settleProposal(entry.index, entry.term, result as Result | ConfState, failure);
    }
    this.requests.appliedTo(this.applied);
    this.emit('applied', this.applied);
  }

  private changeSoftState(role: Role, leader: NodeId | null, term: number): void {
    const roleChanged = role !== this.role;
    const leaderChanged = leader !== this.leaderId;
    this.role = role;
    this.leaderId = leader;
    this.term = term;
    if (roleChanged) {
      if (role !== 'leader') this.rejectQueuedProposals();
      this.emit('role-change', { role, term });
    }
    if (leaderChanged || (roleChanged && role !== 'leader')) this.requests.rejectReadsNotLeader(leader);
    if (leaderChanged) {
      this.log.info({ id: this.id, leader, term }, 'raft leader changed');
      this.emit('leader-change', { leader, term });
    }
  }

  private rejectQueuedProposals(): void {
    const queued = this.proposals;
    this.proposals = [];
    for (const proposal of queued) proposal.reject(new NotLeaderError(this.leaderId));
  }

  private async takeSnapshot(): Promise<void> {
    const { storage, stateMachine } = this.options;
    const index = this.applied;
    const data = await stateMachine.snapshot();
    const confState = this.requireCore().status().confState;
    await storage.saveSnapshot(index, confState, data);
    this.snapshotIndex = index;
    const compactTo = index - this.settings.snapshotTrailingEntries;
    if (compactTo >= storage.reader.firstIndex()) await storage.compact(compactTo);
    this.log.debug({ id: this.id, index, bytes: data.byteLength, compactTo }, 'raft snapshot taken');
  }

  private fail(error: Error): void {
    this.state = 'failed';
    this.tickTimer?.cancel();
    this.log.error({ id: this.id, err: error.message, stack: error.stack }, 'raft node failed; stopping');
    this.failAll(new NodeStoppedError(`failed: ${error.message}`));
    if (this.listenerCount('fatal') > 0) this.emit('fatal', error);
  }

  private failAll(error: Error): void {
    const queued = this.proposals;
    this.proposals = [];
    for (const proposal of queued) proposal.reject(error);
    this.requests.rejectAll(error);
  }

  private requireCore(): RaftCore {
    if (!this.core) throw new NodeStoppedError('not started');
    return this.core;
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
