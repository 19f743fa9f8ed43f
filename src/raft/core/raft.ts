// The pure Raft consensus core (etcd-raft design): step(message), tick(), ready()/advance().
// Must never touch I/O, timers, clocks or Math.random; everything it does is returned in Ready.
import { NotLeaderError, ProposalDroppedError } from '../errors.js';
import { assert } from './assert.js';
import { applyConfChangeToState, encodeConfChange, isMember } from './conf-change.js';
import { RaftLog } from './log.js';
import { Progress } from './progress.js';
import { committedIndex, voteResult } from './quorum.js';
import { ReadIndexTracker } from './read-only.js';
import { Replicator, type Outgoing } from './replication.js';
import { SnapshotAssembler } from './snapshot-chunks.js';
import type {
  ConfChange, ConfState, Entry, EntryType, HardState, LogStorageReader, Message, NodeId, ProposedBatch, RaftConfig,
  RaftCoreApi, RaftStatus, Ready, ReadState, Role, Snapshot, SoftState,
} from './types.js';

type CampaignKind = 'pre-election' | 'election' | 'transfer';

const EMPTY = new Uint8Array(0);
/** Default bound on ReadIndex requests a leader holds while waiting for acks. */
export const DEFAULT_MAX_PENDING_READS = 1024;

export class RaftCore implements RaftCoreApi {
  private readonly id: NodeId;
  private readonly log: RaftLog;
  private term = 0;
  private vote: NodeId | null = null;
  private role: Role = 'follower';
  private lead: NodeId | null = null;
  private confState: ConfState;
  private readonly repl: Replicator;
  private readonly votes = new Map<NodeId, boolean>();
  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private leadTransferee: NodeId | null = null;
  private pendingConfIndex = 0;
  private readonly reads: ReadIndexTracker;
  private readonly assembler: SnapshotAssembler;
  private prevHardState: HardState;
  private prevSoftState: SoftState;

  constructor(private readonly config: RaftConfig, storage: LogStorageReader, applied = 0) {
    assert(config.electionTicks > config.heartbeatTicks && config.heartbeatTicks > 0, 'electionTicks must exceed heartbeatTicks > 0');
    assert(config.maxEntriesPerMessage > 0 && config.maxBytesPerMessage > 0, 'message limits must be positive');
    assert(config.maxUncommittedEntries > 0 && config.snapshotChunkBytes > 0, 'limits must be positive');
    this.id = config.id;
    this.log = new RaftLog(storage, applied);
    const { hardState, confState } = storage.initialState();
    this.term = hardState.term;
    this.vote = hardState.vote;
    this.confState = confState;
    this.reads = new ReadIndexTracker({
      id: this.id,
      voters: () => this.confState.voters,
      committed: () => this.log.committed,
      committedInCurrentTerm: () => this.log.termOrNull(this.log.committed) === this.term,
      broadcastHeartbeat: (context) => this.repl.bcastHeartbeat(context),
      answer: (from, index, context) => {
        if (from === this.id) this.readStates.push({ index, context });
        else this.send({ type: 'read-index-resp', to: from, index, context });
      },
    }, config.maxPendingReads ?? DEFAULT_MAX_PENDING_READS);
    this.assembler = new SnapshotAssembler(config.maxSnapshotChunks ?? 65536);
    this.repl = new Replicator(this.id, config, this.log, (m) => this.send(m));
    this.repl.syncMembers(this.confState);
    this.prevHardState = { term: this.term, vote: this.vote, commit: this.log.committed };
    this.prevSoftState = { leader: null, role: 'follower' };
    this.becomeFollower(this.term, null);
  }

  // ---- public API -------------------------------------------------------------------------

  tick(): void {
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  step(m: Message): void {
    assert(m.to === this.id, `message for ${m.to} delivered to ${this.id}`);
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'pre-vote') {
        const inLease = this.config.checkQuorum && this.lead !== null && this.electionElapsed < this.config.electionTicks;
        if (m.force !== true && inLease) return; // leader lease: a live leader exists
      }
      if (m.type === 'pre-vote' || (m.type === 'pre-vote-resp' && m.reject !== true)) {
        // Pre-vote never changes our term; a granted pre-vote carries the future term.
      } else if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, null);
      }
    } else if (m.term < this.term) {
      if (m.type === 'append' || m.type === 'heartbeat') {
        // §5.1: the reply carries our term, so a stale leader steps down. etcd sends it only with
        // check-quorum or pre-vote and otherwise relies on our vote requests reaching that leader,
        // which they never do when our configuration is outdated (simulator seed 93165).
        this.send({ type: 'append-resp', to: m.from });
      } else if (m.type === 'pre-vote') {
        this.send({ type: 'pre-vote-resp', to: m.from, reject: true });
      }
      return;
    }
    if (m.type === 'vote' || m.type === 'pre-vote') {
      this.handleVoteRequest(m);
      return;
    }
    if (this.role === 'leader') this.stepLeader(m);
    else if (this.role === 'follower') this.stepFollower(m);
    else this.stepCandidate(m);
  }

  propose(data: Uint8Array): number {
    return this.proposeEntry('normal', data);
  }

  proposeBatch(datas: readonly Uint8Array[]): ProposedBatch {
    this.checkProposable();
    const room = this.config.maxUncommittedEntries - (this.log.lastIndex() - this.log.committed);
    const accepted = Math.min(datas.length, room);
    const firstIndex = this.log.lastIndex() + 1;
    if (datas.length === 0) return { firstIndex, accepted: 0 };
    if (accepted <= 0) throw new ProposalDroppedError(`more than ${this.config.maxUncommittedEntries} uncommitted entries`);
    const entries: Entry[] = new Array<Entry>(accepted);
    for (let i = 0; i < accepted; i++) entries[i] = { term: this.term, index: firstIndex + i, type: 'normal', data: datas[i] as Uint8Array };
    this.log.append(entries);
    this.repl.bcastAppend(); // one append per follower for the whole batch, not one per entry
    return { firstIndex, accepted };
  }

  proposeConfChange(change: ConfChange): number {
    this.requireLeader();
    if (this.pendingConfIndex > this.log.applied) throw new ProposalDroppedError('a configuration change is pending');
    const next = applyConfChangeToState(this.confState, change);
    if (next.voters.length === 0) throw new ProposalDroppedError('a configuration needs at least one voter');
    if (change.kind === 'remove' && !isMember(this.confState, change.id)) throw new ProposalDroppedError(`${change.id} is not a member`);
    const index = this.proposeEntry('conf-change', encodeConfChange(change));
    this.pendingConfIndex = index;
    return index;
  }

  readIndex(context: Uint8Array): void {
    if (this.role === 'leader') {
      if (!this.reads.request(this.id, context)) throw new ProposalDroppedError('too many pending reads');
      return;
    }
    if (this.role !== 'follower' || this.lead === null) throw new NotLeaderError(this.lead);
    this.send({ type: 'read-index', to: this.lead, context });
  }

  transferLeadership(to: NodeId): void {
    this.requireLeader();
    if (!this.confState.voters.includes(to)) throw new ProposalDroppedError(`transferee ${to} is not a voter`);
    if (this.leadTransferee === to || to === this.id) return;
    this.leadTransferee = to;
    this.electionElapsed = 0; // the transfer must finish within one election timeout
    const pr = this.repl.progress(to);
    if (pr.match === this.log.lastIndex()) this.send({ type: 'timeout-now', to });
    else this.repl.sendAppend(to);
  }

  reportUnreachable(id: NodeId): void {
    const pr = this.repl.prs.get(id);
    if (this.role === 'leader' && pr !== undefined && pr.state === 'replicate') pr.becomeProbe();
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.repl.prs.get(id);
    if (this.role !== 'leader' || pr === undefined || pr.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    pr.probeSent = true; // wait for a heartbeat response before probing again
  }

  /**
   * Called by the driver after it applied a committed conf-change entry; the change takes effect
   * now (etcd style). Returns the new configuration, to be stored with the next snapshot.
   */
  applyConfChange(change: ConfChange): ConfState {
    this.confState = applyConfChangeToState(this.confState, change);
    this.repl.syncMembers(this.confState);
    if (this.role !== 'leader') return this.confState;
    if (!this.confState.voters.includes(this.id)) {
      this.becomeFollower(this.term, null); // removed or demoted leader steps down
      return this.confState;
    }
    if (this.leadTransferee !== null && !this.confState.voters.includes(this.leadTransferee)) this.leadTransferee = null;
    if (this.maybeCommit()) this.reads.onCommit();
    this.repl.bcastAppend();
    return this.confState;
  }

  hasReady(): boolean {
    return this.msgs.length > 0 || this.readStates.length > 0 || this.log.unstable.entries.length > 0
      || this.log.unstable.snapshot !== null || this.log.hasNextCommittedEntries()
      || !sameHardState(this.hardState(), this.prevHardState) || !sameSoftState(this.softState(), this.prevSoftState);
  }

  ready(): Ready {
    const hs = this.hardState();
    const ss = this.softState();
    const rd: Ready = {
      hardState: sameHardState(hs, this.prevHardState) ? null : hs,
      softState: sameSoftState(ss, this.prevSoftState) ? null : ss,
      entries: [...this.log.unstable.entries],
      snapshot: this.log.unstable.snapshot,
      messages: this.msgs,
      committedEntries: this.log.nextCommittedEntries(this.config.maxBytesPerMessage),
      readStates: this.readStates,
    };
    this.msgs = [];
    this.readStates = [];
    return rd;
  }

  advance(rd: Ready): void {
    if (rd.hardState !== null) this.prevHardState = rd.hardState;
    if (rd.softState !== null) this.prevSoftState = rd.softState;
    if (rd.snapshot !== null) {
      this.log.stableSnapTo(rd.snapshot.metadata.index);
      if (rd.snapshot.metadata.index > this.log.applied) this.log.applied = rd.snapshot.metadata.index;
    }
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied !== undefined) this.log.appliedTo(lastApplied.index);
    const lastStable = rd.entries[rd.entries.length - 1];
    if (lastStable !== undefined) {
      this.log.stableTo(lastStable.index, lastStable.term);
      if (this.role === 'leader') {
        // The leader counts itself only once its own log is durable.
        this.repl.prs.get(this.id)?.maybeUpdate(this.log.stableLastIndex());
        if (this.maybeCommit()) {
          this.reads.onCommit();
          this.repl.bcastAppend();
        }
      }
    }
    this.checkInvariants();
  }

  status(): RaftStatus {
    const progress: Record<NodeId, { match: number; next: number; state: 'probe' | 'replicate' | 'snapshot' }> = {};
    if (this.role === 'leader') {
      for (const [id, pr] of this.repl.prs) progress[id] = { match: pr.match, next: pr.next, state: pr.state };
    }
    return {
      id: this.id, term: this.term, vote: this.vote, role: this.role, leader: this.lead,
      commit: this.log.committed, applied: this.log.applied, lastIndex: this.log.lastIndex(),
      confState: this.confState, progress,
    };
  }

  /** The current term if this node is the leader, else null (cheap; for drivers and checkers). */
  leaderTerm(): number | null {
    return this.role === 'leader' ? this.term : null;
  }

  /** Term of the entry at `index`, or null if compacted or absent (for checkers and debugging). */
  logTerm(index: number): number | null {
    return this.log.termOrNull(index);
  }

  firstIndex(): number {
    return this.log.firstIndex();
  }

  lastIndex(): number {
    return this.log.lastIndex();
  }

  // ---- roles --------------------------------------------------------------------------------

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.config.electionTicks + this.config.random.nextInt(this.config.electionTicks);
    this.leadTransferee = null;
    this.votes.clear();
    this.pendingConfIndex = 0;
    this.reads.reset();
    this.repl.resetAll();
  }

  private becomeFollower(term: number, lead: NodeId | null): void {
    this.reset(term);
    this.role = 'follower';
    this.lead = lead;
  }

  private becomePreCandidate(): void {
    assert(this.role !== 'leader', 'leader cannot become pre-candidate');
    this.votes.clear();
    this.role = 'pre-candidate';
    this.lead = null;
  }

  private becomeCandidate(): void {
    assert(this.role !== 'leader', 'leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    assert(this.role === 'candidate', 'only a candidate becomes leader');
    this.reset(this.term);
    this.role = 'leader';
    this.lead = this.id;
    const self = this.repl.prs.get(this.id);
    if (self !== undefined) {
      self.maybeUpdate(this.log.stableLastIndex());
      self.becomeReplicate();
    }
    // §5.4.2: the no-op lets the leader commit (and so learn) everything before its term;
    // conf changes wait until it is applied (single-server change safety).
    this.pendingConfIndex = this.appendEntry('normal', EMPTY);
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign(this.config.preVote ? 'pre-election' : 'election');
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    this.repl.tickSnapshots();
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum && !this.repl.quorumActive(this.confState.voters)) {
        this.becomeFollower(this.term, null);
        return;
      }
      this.leadTransferee = null; // transfer timed out
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.repl.bcastHeartbeat(this.reads.lastContext());
    }
  }

  private promotable(): boolean {
    return this.confState.voters.includes(this.id) && this.log.unstable.snapshot === null;
  }

  private campaign(kind: CampaignKind): void {
    if (!this.promotable()) return;
    let term: number;
    if (kind === 'pre-election') {
      this.becomePreCandidate();
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      term = this.term;
    }
    const type = kind === 'pre-election' ? 'pre-vote' : 'vote';
    if (this.poll(this.id, true) === 'won') {
      if (kind === 'pre-election') this.campaign('election');
      else this.winElection();
      return;
    }
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    for (const to of this.confState.voters) {
      if (to === this.id) continue;
      this.send({ type, to, term, index, logTerm, ...(kind === 'transfer' ? { force: true } : {}) });
    }
  }

  private poll(id: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(id)) this.votes.set(id, granted);
    return voteResult(this.confState.voters, this.votes);
  }

  private winElection(): void {
    this.becomeLeader();
    this.repl.bcastAppend();
  }

  private handleVoteRequest(m: Message): void {
    const isPre = m.type === 'pre-vote';
    const respType = isPre ? 'pre-vote-resp' : 'vote-resp';
    const canVote = this.vote === m.from || (this.vote === null && this.lead === null) || (isPre && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.index ?? 0, m.logTerm ?? 0)) {
      // A granted pre-vote answers with the term the candidate will use.
      this.send({ type: respType, to: m.from, term: m.term, reject: false });
      if (!isPre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, to: m.from, reject: true });
    }
  }

  private stepCandidate(m: Message): void {
    const myResp = this.role === 'pre-candidate' ? 'pre-vote-resp' : 'vote-resp';
    if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
      this.becomeFollower(m.term, m.from); // a leader of our term exists
      this.stepFollower(m);
      return;
    }
    if (m.type !== myResp) return;
    const result = this.poll(m.from, m.reject !== true);
    if (result === 'won') {
      if (this.role === 'pre-candidate') this.campaign('election');
      else this.winElection();
    } else if (result === 'lost') {
      this.becomeFollower(this.term, null);
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'append':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case 'snapshot':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshotChunk(m);
        return;
      case 'timeout-now':
        this.campaign('transfer'); // forced election: skips pre-vote and the peers' lease
        return;
      case 'read-index-resp':
        if (m.context !== undefined && m.index !== undefined) this.readStates.push({ index: m.index, context: m.context });
        return;
      default:
        return;
    }
  }

  // ---- follower handlers --------------------------------------------------------------------

  private handleAppend(m: Message): void {
    const index = m.index ?? 0;
    if (index < this.log.committed) {
      this.send({ type: 'append-resp', to: m.from, index: this.log.committed });
      return;
    }
    const lastNew = this.log.maybeAppend(index, m.logTerm ?? 0, m.commit ?? 0, m.entries ?? []);
    if (lastNew !== null) {
      this.send({ type: 'append-resp', to: m.from, index: lastNew });
      return;
    }
    // Fast backtracking: point the leader at the last index whose term could match.
    const hintIndex = this.log.findConflictByTerm(Math.min(index, this.log.lastIndex()), m.logTerm ?? 0);
    const hintTerm = this.log.termOrNull(hintIndex) ?? 0;
    this.send({ type: 'append-resp', to: m.from, index, reject: true, rejectHint: hintIndex, hintTerm });
  }

  private handleHeartbeat(m: Message): void {
    const commit = m.commit ?? 0;
    assert(commit <= this.log.lastIndex() || commit <= this.log.committed, `heartbeat commit ${commit} beyond last index`);
    this.log.commitTo(commit);
    this.send({ type: 'heartbeat-resp', to: m.from, ...(m.context !== undefined ? { context: m.context } : {}) });
  }

  private handleSnapshotChunk(m: Message): void {
    const snap = this.assembler.add(m);
    if (snap === null) return;
    if (this.restore(snap)) this.send({ type: 'append-resp', to: m.from, index: this.log.lastIndex() });
    else this.send({ type: 'append-resp', to: m.from, index: this.log.committed });
  }

  private restore(snap: Snapshot): boolean {
    const { index, term } = snap.metadata;
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      this.log.commitTo(index); // we already hold the snapshot's entries
      return false;
    }
    this.log.restore(snap);
    this.confState = snap.metadata.confState;
    this.repl.syncMembers(this.confState);
    return true;
  }

  // ---- leader -------------------------------------------------------------------------------

  private stepLeader(m: Message): void {
    const pr = this.repl.prs.get(m.from);
    switch (m.type) {
      case 'append-resp':
        if (pr !== undefined) this.handleAppendResp(m, pr);
        return;
      case 'heartbeat-resp':
        if (pr !== undefined) this.handleHeartbeatResp(m, pr);
        return;
      case 'read-index':
        if (m.context !== undefined) this.reads.request(m.from, m.context);
        return;
      case 'snapshot-resp':
        if (m.reject === true) this.reportSnapshot(m.from, false);
        return;
      case 'propose':
        this.stepForwardedProposals(m.entries ?? []);
        return;
      default:
        return;
    }
  }

  private handleAppendResp(m: Message, pr: Progress): void {
    pr.recentActive = true;
    const index = m.index ?? 0;
    if (m.reject === true) {
      let hint = m.rejectHint ?? 0;
      if ((m.hintTerm ?? 0) > 0) hint = this.log.findConflictByTerm(hint, m.hintTerm ?? 0);
      if (pr.maybeDecrTo(index, hint)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.repl.sendAppend(m.from);
      }
      return;
    }
    if (m.index === undefined) return; // a bare term notice
    const oldPaused = pr.isPaused();
    if (!pr.maybeUpdate(index) && !(pr.match === index && pr.state === 'probe')) return;
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match + 1 >= this.log.firstIndex()) pr.becomeReplicate();
    else if (pr.state === 'replicate') pr.inflights.freeLE(index);
    if (this.maybeCommit()) {
      this.reads.onCommit();
      this.repl.bcastAppend();
    } else if (oldPaused) {
      this.repl.sendAppend(m.from);
    }
    while (this.repl.sendAppend(m.from, false)) { /* fill the window */ }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.send({ type: 'timeout-now', to: m.from });
  }

  private handleHeartbeatResp(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex()) this.repl.sendAppend(m.from);
    if (m.context !== undefined) this.reads.onHeartbeatAck(m.from, m.context);
  }

  /** §5.3/§5.4.2: commit the majority-matched index, but only by counting entries of our term. */
  private maybeCommit(): boolean {
    const mci = committedIndex(this.confState.voters, (id) => this.repl.prs.get(id)?.match ?? 0);
    if (mci <= this.log.committed || this.log.termOrNull(mci) !== this.term) return false;
    this.log.commitTo(mci);
    return true;
  }

  private proposeEntry(type: EntryType, data: Uint8Array): number {
    const index = this.appendProposal(type, data);
    this.repl.bcastAppend();
    return index;
  }

  private stepForwardedProposals(entries: readonly Entry[]): void {
    let appended = 0;
    try {
      for (const e of entries) {
        this.appendProposal(e.type, e.data);
        appended++;
      }
    } catch {
      // a forwarded proposal that cannot be accepted is dropped; the client retries
    }
    if (appended > 0) this.repl.bcastAppend(); // once for everything appended above
  }

  /** Appends one proposed entry without broadcasting it (callers broadcast once per batch). */
  private appendProposal(type: EntryType, data: Uint8Array): number {
    this.checkProposable();
    if (this.log.lastIndex() - this.log.committed >= this.config.maxUncommittedEntries) {
      throw new ProposalDroppedError(`more than ${this.config.maxUncommittedEntries} uncommitted entries`);
    }
    return this.appendEntry(type, data);
  }

  private checkProposable(): void {
    this.requireLeader();
    if (this.leadTransferee !== null) throw new ProposalDroppedError(`leadership is moving to ${this.leadTransferee}`);
  }

  private appendEntry(type: EntryType, data: Uint8Array): number {
    const index = this.log.lastIndex() + 1;
    this.log.append([{ term: this.term, index, type, data }]);
    return index;
  }

  private requireLeader(): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.lead);
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private send(m: Outgoing): void {
    this.msgs.push({ ...m, from: this.id, term: m.term ?? this.term });
  }

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private softState(): SoftState {
    return { leader: this.lead, role: this.role };
  }

  private checkInvariants(): void {
    const { applied, committed } = this.log;
    assert(applied <= committed, `applied ${applied} > committed ${committed}`);
    assert(committed <= this.log.lastIndex(), `committed ${committed} > last index ${this.log.lastIndex()}`);
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}
