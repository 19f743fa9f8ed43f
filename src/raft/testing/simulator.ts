// Deterministic Raft simulation: seeded network faults, partitions, crash-restarts, snapshots and
// membership churn in a safety phase, then a healed liveness phase; invariants after every event.
// Must never use real time or Math.random: a seed replays bit for bit.
import { decodeConfChange } from '../core/conf-change.js';
import { RaftCore } from '../core/raft.js';
import type { ConfChange, ConfState, Message, NodeId, RaftConfig, Ready } from '../core/types.js';
import { splitEarlyAppends } from '../early-appends.js';
import { RaftError } from '../errors.js';
import { MemoryStorage } from '../storage/memory-storage.js';
import { SafetyChecker, type LogView } from './checkers.js';
import { Prng } from './prng.js';
import { SimClock } from './sim-clock.js';
import { applyToMachine, decodeMachine, encodeMachine, entryKey, newMachine, type Machine } from './sim-machine.js';
import { SimNetwork, type NetworkProfile, type PartitionKind } from './sim-network.js';

export const DEFAULT_STEPS = 6000;
export const DEFAULT_LIVENESS_STEPS = 8000;
const PROBE_RETRY_MS = 400;
const LIVENESS_MAX_DELAY_MS = 10;

export interface SimulationOptions {
  readonly seed: number;
  /** Initial voters (3 or 5); picked from the seed when omitted. */
  readonly nodes?: 3 | 5;
  /** Events in the safety phase. */
  readonly steps?: number;
  /** Bound on events in the liveness phase. */
  readonly livenessSteps?: number;
  readonly trace?: (line: string) => void;
  /**
   * Harness self-test only: a deliberately broken driver, to prove the checkers catch it.
   * 'forget-vote' persists hard states without the vote; 'early-read' serves reads without
   * waiting for the read index; 'send-before-persist' lets a crashing node's unpersisted Ready
   * send all its messages (votes and acks included), not only the leader's early appends.
   */
  readonly mutation?: 'forget-vote' | 'early-read' | 'send-before-persist';
}

export interface SimulationStats {
  events: number;
  virtualMs: number;
  nodes: number;
  leaders: number;
  maxCommit: number;
  writesProposed: number;
  writesAcked: number;
  readsServed: number;
  crashes: number;
  partitions: number;
  snapshotsCreated: number;
  snapshotsInstalled: number;
  confChangesApplied: number;
  messagesSent: number;
  messagesDropped: number;
  livenessEvents: number;
}

export interface SimulationResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly violations: readonly string[];
  readonly stats: SimulationStats;
}

interface FaultProfile {
  readonly partitions: readonly PartitionKind[];
  readonly crashes: boolean;
  readonly churn: boolean;
  readonly network: NetworkProfile;
  readonly faultEveryMs: number;
}

type SimEvent =
  | { readonly kind: 'tick'; readonly node: NodeId; readonly incarnation: number }
  | { readonly kind: 'deliver'; readonly message: Message }
  | { readonly kind: 'ready'; readonly node: NodeId; readonly incarnation: number }
  | { readonly kind: 'restart'; readonly node: NodeId }
  | { readonly kind: 'kill'; readonly node: NodeId }
  | { readonly kind: 'client' }
  | { readonly kind: 'fault' };

interface SimNode {
  readonly id: NodeId;
  readonly storage: MemoryStorage;
  readonly tickMs: number;
  core: RaftCore | null;
  incarnation: number;
  decommissioned: boolean;
  readyScheduled: boolean;
  machine: Machine;
  conf: ConfState;
  recordedCommit: number;
  leaderOfTerm: number;
  readonly reads: Map<string, { committedAtRequest: number; index: number | null }>;
}

interface PendingWrite {
  readonly node: NodeId;
  readonly incarnation: number;
  readonly index: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class Simulation {
  private readonly rng: Prng;
  private readonly clock = new SimClock<SimEvent>(200_000);
  private readonly net: SimNetwork;
  private readonly checker = new SafetyChecker();
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly configs = new Map<NodeId, Omit<RaftConfig, 'id' | 'random'>>();
  private readonly profile: FaultProfile;
  private readonly pendingWrites = new Map<string, PendingWrite>();
  private readonly everAdded = new Set<NodeId>();
  private readonly stats: SimulationStats;
  private readonly trace: ((line: string) => void) | null;
  private phase: 'safety' | 'liveness' = 'safety';
  private seq = 0;
  private partitioned = false;
  private stopped = false;
  private probe: { key: string; acked: boolean; readKey: string | null; readDone: boolean; sinceMs: number } | null = null;

  constructor(private readonly opts: SimulationOptions) {
    this.rng = new Prng(opts.seed);
    this.trace = opts.trace ?? null;
    const voters = opts.nodes ?? (this.rng.chance(0.5) ? 3 : 5);
    this.profile = this.pickProfile();
    this.net = new SimNetwork(this.rng.fork(), this.profile.network);
    const spares = this.profile.churn ? 2 : 0;
    const ids = Array.from({ length: voters + spares }, (_, i) => `n${i + 1}`);
    const confState: ConfState = { voters: ids.slice(0, voters), learners: [] };
    for (const id of confState.voters) this.everAdded.add(id);
    this.stats = {
      events: 0, virtualMs: 0, nodes: voters, leaders: 0, maxCommit: 0, writesProposed: 0, writesAcked: 0,
      readsServed: 0, crashes: 0, partitions: 0, snapshotsCreated: 0, snapshotsInstalled: 0,
      confChangesApplied: 0, messagesSent: 0, messagesDropped: 0, livenessEvents: 0,
    };
    const preVote = this.rng.chance(0.8);
    const checkQuorum = this.rng.chance(0.8);
    for (const id of ids) {
      this.configs.set(id, {
        electionTicks: 10, heartbeatTicks: this.rng.between(1, 3), preVote, checkQuorum,
        maxInflightMessages: this.rng.between(1, 8), maxInflightBytes: this.rng.between(200, 4000),
        maxEntriesPerMessage: this.rng.between(1, 16), maxBytesPerMessage: this.rng.between(64, 2000),
        snapshotChunkBytes: this.rng.between(8, 64), maxUncommittedEntries: this.rng.between(4, 64),
        maxPendingReads: this.rng.between(4, 64),
      });
      const node: SimNode = {
        id, storage: new MemoryStorage({ confState }), tickMs: this.rng.between(9, 11), core: null, incarnation: 0,
        decommissioned: false, readyScheduled: false, machine: newMachine(), conf: confState, recordedCommit: 0,
        leaderOfTerm: 0, reads: new Map(),
      };
      this.nodes.set(id, node);
      this.start(node);
    }
    this.clock.schedule(this.rng.between(1, 20), { kind: 'client' });
    this.clock.schedule(this.profile.faultEveryMs, { kind: 'fault' });
  }

  private pickProfile(): FaultProfile {
    const r = this.rng;
    const kinds: PartitionKind[] = ['isolate', 'split', 'bridge', 'one-way'];
    const maxDelayMs = r.pick([3, 10, 30, 80]);
    return {
      partitions: r.chance(0.7) ? kinds.filter(() => r.chance(0.6)) : [],
      crashes: r.chance(0.6),
      churn: r.chance(0.5),
      network: {
        dropRate: r.chance(0.7) ? r.nextFloat() * 0.2 : 0,
        duplicateRate: r.chance(0.5) ? r.nextFloat() * 0.05 : 0,
        minDelayMs: 1,
        maxDelayMs,
      },
      faultEveryMs: r.between(50, 400),
    };
  }

  run(): SimulationResult {
    const steps = this.opts.steps ?? DEFAULT_STEPS;
    const livenessSteps = this.opts.livenessSteps ?? DEFAULT_LIVENESS_STEPS;
    for (let i = 0; i < steps && !this.stopped; i++) this.processOne();
    this.beginLiveness();
    let done = false;
    for (let i = 0; i < livenessSteps && !this.stopped; i++) {
      this.processOne();
      this.stats.livenessEvents++;
      if (i % 16 === 0 && this.livenessReached()) {
        done = true;
        break;
      }
    }
    if (!done && !this.stopped) this.checker.fail(`liveness: no leader/progress within ${livenessSteps} events after healing (${this.describe()})`);
    this.checker.checkAckedDurable();
    this.checker.checkLogMatching(this.logViews());
    this.stats.virtualMs = this.clock.nowMs();
    this.stats.leaders = this.checker.leaderCount;
    this.stats.maxCommit = this.checker.maxCommitted;
    this.stats.writesAcked = this.checker.ackedCount;
    this.stats.messagesSent = this.net.sent;
    this.stats.messagesDropped = this.net.dropped;
    return { seed: this.opts.seed, ok: this.checker.ok, violations: this.checker.violations, stats: this.stats };
  }

  private processOne(): void {
    const ev = this.clock.next();
    if (ev === null) {
      this.checker.fail('event queue ran dry');
      this.stopped = true;
      return;
    }
    this.stats.events++;
    this.checker.now = this.clock.nowMs();
    try {
      this.handle(ev);
    } catch (err) {
      this.checker.fail(`exception: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      this.stopped = true;
    }
    if (this.stats.events % 200 === 0) this.checker.checkLogMatching(this.logViews());
    if (!this.checker.ok) this.stopped = true;
  }

  private handle(ev: SimEvent): void {
    switch (ev.kind) {
      case 'tick': {
        const node = this.node(ev.node);
        if (node.core === null || node.incarnation !== ev.incarnation) return;
        node.core.tick();
        this.afterStep(node);
        this.clock.schedule(node.tickMs, ev);
        return;
      }
      case 'deliver': {
        const node = this.node(ev.message.to);
        if (node.core === null) return;
        this.log(() => `${ev.message.from}->${ev.message.to} ${describeMessage(ev.message)}`);
        node.core.step(ev.message);
        this.afterStep(node);
        return;
      }
      case 'ready': {
        const node = this.node(ev.node);
        node.readyScheduled = false;
        if (node.core !== null && node.incarnation === ev.incarnation) this.processReady(node);
        return;
      }
      case 'restart': {
        const node = this.node(ev.node);
        if (node.core === null && !node.decommissioned) this.start(node);
        return;
      }
      case 'kill':
        this.crash(this.node(ev.node), true);
        return;
      case 'client':
        if (this.phase === 'safety') this.clientOp();
        this.clock.schedule(this.rng.between(1, 25), ev);
        return;
      case 'fault':
        if (this.phase === 'safety') {
          this.fault();
          this.clock.schedule(this.rng.between(this.profile.faultEveryMs / 2, this.profile.faultEveryMs * 2), ev);
        }
        return;
    }
  }

  // ---- nodes ----------------------------------------------------------------------------------

  private node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`unknown node ${id}`);
    return n;
  }

  private start(node: SimNode): void {
    const cfg = this.configs.get(node.id);
    if (cfg === undefined) throw new Error(`no config for ${node.id}`);
    const snap = node.storage.snapshot();
    node.core = new RaftCore({ ...cfg, id: node.id, random: this.rng.fork() }, node.storage, snap.metadata.index);
    node.incarnation++;
    node.machine = decodeMachine(snap.data);
    node.conf = snap.metadata.confState;
    node.recordedCommit = node.storage.initialState().hardState.commit;
    node.leaderOfTerm = 0;
    node.readyScheduled = false;
    this.clock.schedule(this.rng.between(0, node.tickMs), { kind: 'tick', node: node.id, incarnation: node.incarnation });
    this.log(() => `${node.id} start (snapshot ${snap.metadata.index}, commit ${node.recordedCommit})`);
  }

  /**
   * A crash keeps only what the Ready handling persisted into storage. The driver sends the
   * leader's appends while it persists (early-appends.ts), so a crash in that window is modelled
   * as: the pending Ready's early appends left, nothing of it reached the disk.
   */
  private crash(node: SimNode, decommission: boolean): void {
    if (decommission) node.decommissioned = true;
    if (node.core === null) return;
    const core = node.core;
    if (core.hasReady()) {
      const rd = core.ready();
      const { early } = splitEarlyAppends(rd, node.storage.initialState().hardState, core.leaderTerm());
      const sent = this.opts.mutation === 'send-before-persist' ? rd.messages : early;
      this.log(() => `${node.id} crashes mid-Ready after sending ${sent.length} of ${rd.messages.length} messages`);
      this.routeAll(sent);
    }
    node.core = null;
    node.incarnation++;
    node.reads.clear();
    this.log(() => `${node.id} ${decommission ? 'decommissioned' : 'crashed'}`);
  }

  private afterStep(node: SimNode): void {
    const core = node.core;
    if (core === null) return;
    const term = core.leaderTerm();
    if (term !== null && term !== node.leaderOfTerm) {
      node.leaderOfTerm = term;
      this.log(() => `${node.id} became leader of term ${term}`);
      this.checker.onBecomeLeader(node.id, term, this.logView(node, core));
    }
    if (!node.readyScheduled && core.hasReady()) {
      node.readyScheduled = true;
      this.clock.schedule(this.rng.between(0, 2), { kind: 'ready', node: node.id, incarnation: node.incarnation });
    }
  }

  /** The driver loop: persist, then send, then apply, then advance. */
  private processReady(node: SimNode): void {
    const core = node.core as RaftCore;
    const rd = core.ready();
    this.persist(node, rd);
    const status = core.status();
    const commit = rd.hardState?.commit ?? node.recordedCommit;
    if (commit > node.recordedCommit) {
      this.checker.onCommit(node.id, status.term, node.recordedCommit, commit, (i) => core.logTerm(i));
      node.recordedCommit = commit;
    }
    this.routeAll(rd.messages);
    if (rd.snapshot !== null) {
      const meta = rd.snapshot.metadata;
      node.machine = decodeMachine(rd.snapshot.data);
      node.conf = meta.confState;
      this.stats.snapshotsInstalled++;
      this.checker.onRestore(node.id, meta.index, node.machine.digest);
      this.log(() => `${node.id} installed snapshot ${meta.index}`);
    }
    for (const e of rd.committedEntries) {
      if (e.index !== node.machine.applied + 1) this.checker.fail(`${node.id} applies ${e.index} after ${node.machine.applied}`);
      const key = entryKey(e);
      applyToMachine(node.machine, e.index, key);
      this.checker.onApply(node.id, e.index, e.term, key, node.machine.digest);
      this.onApplied(node, core, e.index, key, e.type === 'conf-change' ? e.data : null);
    }
    for (const rs of rd.readStates) {
      const read = node.reads.get(decoder.decode(rs.context));
      if (read === undefined || read.index !== null) continue;
      this.checker.onReadIndex(node.id, rs.index, read.committedAtRequest);
      read.index = rs.index;
    }
    core.advance(rd);
    this.serveReads(node);
    this.afterStep(node);
  }

  private routeAll(messages: readonly Message[]): void {
    for (const m of messages) {
      for (const d of this.net.route(m, this.clock.nowMs())) this.clock.schedule(d.delayMs, { kind: 'deliver', message: d.message });
    }
  }

  private persist(node: SimNode, rd: Ready): void {
    if (rd.snapshot !== null) node.storage.applySnapshot(rd.snapshot);
    node.storage.append(rd.entries);
    if (rd.hardState !== null) {
      const prev = node.storage.initialState().hardState;
      if (rd.hardState.term < prev.term) this.checker.fail(`${node.id} persisted term ${rd.hardState.term} < ${prev.term}`);
      if (rd.hardState.term === prev.term && prev.vote !== null && rd.hardState.vote !== prev.vote) {
        this.checker.fail(`${node.id} changed its vote in term ${prev.term} from ${prev.vote} to ${String(rd.hardState.vote)}`);
      }
      node.storage.setHardState(this.opts.mutation === 'forget-vote' ? { ...rd.hardState, vote: null } : rd.hardState);
    }
  }

  private onApplied(node: SimNode, core: RaftCore, index: number, key: string, confData: Uint8Array | null): void {
    const w = this.pendingWrites.get(key);
    if (w !== undefined && w.node === node.id && w.incarnation === node.incarnation) {
      this.pendingWrites.delete(key);
      if (w.index === index) {
        this.checker.onAck(key, index);
        if (this.probe?.key === key) this.probe.acked = true;
      }
    }
    if (confData === null) return;
    const cc: ConfChange = decodeConfChange(confData);
    node.conf = core.applyConfChange(cc);
    this.stats.confChangesApplied++;
    if (cc.kind === 'remove') {
      const removed = this.node(cc.id);
      if (!removed.decommissioned) {
        removed.decommissioned = true;
        this.clock.schedule(0, { kind: 'kill', node: cc.id });
      }
    }
  }

  private serveReads(node: SimNode): void {
    for (const [key, read] of node.reads) {
      if (this.opts.mutation === 'early-read' && read.index !== null) read.index = Math.min(read.index, node.machine.applied);
      if (read.index === null || node.machine.applied < read.index) continue;
      this.checker.onReadServed(node.id, node.machine.applied, read.index, read.committedAtRequest);
      this.stats.readsServed++;
      node.reads.delete(key);
      if (this.probe?.readKey === key) this.probe.readDone = true;
    }
  }

  // ---- workload -------------------------------------------------------------------------------

  private liveNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.core !== null);
  }

  private leaders(): SimNode[] {
    return this.liveNodes().filter((n) => n.core?.leaderTerm() !== null);
  }

  private clientOp(): void {
    const r = this.rng.nextFloat();
    if (r < 0.5) this.write();
    else if (r < 0.75) this.read();
    else if (r < 0.8 && this.profile.churn) this.changeMembership();
    else if (r < 0.83) this.transfer();
    else if (r < 0.9) this.snapshot();
  }

  private write(): string | null {
    const leaders = this.leaders();
    if (leaders.length === 0) return null;
    const node = this.rng.pick(leaders);
    const key = `w${++this.seq}`;
    // proposeBatch is the driver's path; a batch of one keeps every seed's schedule unchanged.
    const index = this.attempt(node, (core) => core.proposeBatch([encoder.encode(key)]).firstIndex);
    if (index === null) return null;
    this.stats.writesProposed++;
    this.pendingWrites.set(key, { node: node.id, incarnation: node.incarnation, index });
    return key;
  }

  private read(target?: SimNode): string | null {
    const live = this.liveNodes();
    if (live.length === 0) return null;
    const node = target ?? this.rng.pick(live);
    const key = `r${++this.seq}`;
    const entry = { committedAtRequest: this.checker.maxCommitted, index: null };
    const ok = this.attempt(node, (core) => {
      core.readIndex(encoder.encode(key));
      return 0;
    });
    if (ok === null) return null;
    node.reads.set(key, entry);
    return key;
  }

  private changeMembership(): void {
    const leaders = this.leaders();
    if (leaders.length === 0) return;
    const node = this.rng.pick(leaders);
    const conf = (node.core as RaftCore).status().confState;
    const spares = [...this.nodes.values()].filter((n) => !this.everAdded.has(n.id) && !n.decommissioned).map((n) => n.id);
    let change: ConfChange | null = null;
    const learner = conf.learners[0];
    if (learner !== undefined) change = { kind: 'add-voter', id: learner };
    else if (spares.length > 0 && this.rng.chance(0.6)) change = { kind: 'add-learner', id: this.rng.pick(spares) };
    else if (conf.voters.length > 3) change = { kind: 'remove', id: this.rng.pick(conf.voters) };
    if (change === null) return;
    const cc = change;
    if (this.attempt(node, (core) => core.proposeConfChange(cc)) !== null) {
      this.everAdded.add(cc.id);
      this.log(() => `${node.id} proposed ${cc.kind} ${cc.id}`);
    }
  }

  private transfer(): void {
    const leaders = this.leaders();
    if (leaders.length === 0) return;
    const node = this.rng.pick(leaders);
    const voters = (node.core as RaftCore).status().confState.voters.filter((v) => v !== node.id);
    if (voters.length === 0) return;
    const to = this.rng.pick(voters);
    this.attempt(node, (core) => {
      core.transferLeadership(to);
      return 0;
    });
  }

  /** An application snapshot at the applied index, then compaction of the log behind it. */
  private snapshot(): void {
    const live = this.liveNodes();
    if (live.length === 0) return;
    const node = this.rng.pick(live);
    const applied = node.machine.applied;
    if (applied <= node.storage.snapshot().metadata.index + 2) return;
    node.storage.createSnapshot(applied, node.conf, encodeMachine(node.machine));
    node.storage.compact(applied - this.rng.between(0, 3));
    this.stats.snapshotsCreated++;
  }

  /** Runs a client call against a node; RaftErrors are ordinary refusals. */
  private attempt(node: SimNode, call: (core: RaftCore) => number): number | null {
    const core = node.core;
    if (core === null) return null;
    try {
      const result = call(core);
      this.afterStep(node);
      return result;
    } catch (err) {
      if (err instanceof RaftError && err.code !== 'RAFT_INVARIANT') return null;
      throw err;
    }
  }

  // ---- faults ---------------------------------------------------------------------------------

  private fault(): void {
    const p = this.profile;
    const r = this.rng.nextFloat();
    const members = [...this.nodes.values()].filter((n) => !n.decommissioned).map((n) => n.id);
    if (r < 0.45 && p.partitions.length > 0) {
      if (this.partitioned) {
        this.net.heal();
        this.partitioned = false;
        this.log(() => 'heal network');
      } else {
        const what = this.net.partition(this.rng.pick(p.partitions), members);
        this.partitioned = true;
        this.stats.partitions++;
        this.log(() => `partition: ${what}`);
      }
    } else if (r < 0.75 && p.crashes) {
      const live = this.liveNodes();
      if (live.length === 0) return;
      const node = this.rng.pick(live);
      this.crash(node, false);
      this.stats.crashes++;
      this.clock.schedule(this.rng.between(20, 1500), { kind: 'restart', node: node.id });
    } else if (r < 0.85) {
      const base = p.network;
      this.net.profile = this.rng.chance(0.5) ? base : { ...base, maxDelayMs: this.rng.between(1, base.maxDelayMs) };
    }
  }

  private beginLiveness(): void {
    this.phase = 'liveness';
    this.net.heal();
    // A healed network: FIFO links (like TCP) with delays well below the election timeout, as
    // Raft's timing requirement (broadcast time << election timeout) assumes.
    this.net.profile = { dropRate: 0, duplicateRate: 0, fifo: true, minDelayMs: 1, maxDelayMs: Math.min(this.profile.network.maxDelayMs, LIVENESS_MAX_DELAY_MS) };
    for (const node of this.nodes.values()) if (node.core === null && !node.decommissioned) this.start(node);
    this.log(() => 'liveness phase: healed, all nodes restarted');
  }

  /** A single leader, a fresh write and read through it, and every member caught up. */
  private livenessReached(): boolean {
    const leaders = this.leaders();
    if (leaders.length === 0) return false;
    const leader = leaders.reduce((a, b) => ((a.core?.leaderTerm() ?? 0) >= (b.core?.leaderTerm() ?? 0) ? a : b));
    const now = this.clock.nowMs();
    const p = this.probe;
    // A probe whose proposer lost leadership or crashed is never acknowledged: retry it.
    if (p === null || (!p.acked && now - p.sinceMs > PROBE_RETRY_MS)) {
      const key = this.write();
      if (key !== null) this.probe = { key, acked: false, readKey: null, readDone: false, sinceMs: now };
      return false;
    }
    if (!p.acked) return false;
    if (p.readKey === null || (!p.readDone && now - p.sinceMs > PROBE_RETRY_MS)) {
      p.readKey = this.read(leader);
      p.sinceMs = now;
      return false;
    }
    if (!p.readDone) return false;
    const conf = (leader.core as RaftCore).status().confState;
    const target = Math.max(this.checker.maxAcked, this.checker.maxCommitted);
    for (const id of [...conf.voters, ...conf.learners]) {
      const n = this.node(id);
      if (n.decommissioned) continue;
      if (n.core === null || n.machine.applied < target) return false;
    }
    return true;
  }

  // ---- views and traces -----------------------------------------------------------------------

  private logView(node: SimNode, core: RaftCore): LogView {
    return { id: node.id, firstIndex: core.firstIndex(), lastIndex: core.lastIndex(), termAt: (i) => core.logTerm(i) };
  }

  private logViews(): LogView[] {
    return this.liveNodes().map((n) => this.logView(n, n.core as RaftCore));
  }

  private describe(): string {
    return [...this.nodes.values()].map((n) => {
      if (n.core === null) return `${n.id}:${n.decommissioned ? 'removed' : 'down'}`;
      const s = n.core.status();
      return `${n.id}:${s.role}/t${s.term}/c${s.commit}/a${n.machine.applied}/l${s.lastIndex}`;
    }).join(' ');
  }

  private log(line: () => string): void {
    if (this.trace !== null) this.trace(`${String(this.clock.nowMs()).padStart(7)}ms ${line()}`);
  }
}

function describeMessage(m: Message): string {
  const parts = [`${m.type} t${m.term}`];
  if (m.index !== undefined) parts.push(`i${m.index}`);
  if (m.logTerm !== undefined) parts.push(`lt${m.logTerm}`);
  if (m.entries !== undefined && m.entries.length > 0) parts.push(`n${m.entries.length}`);
  if (m.commit !== undefined) parts.push(`c${m.commit}`);
  if (m.reject === true) parts.push(`reject hint=${String(m.rejectHint)}/${String(m.hintTerm)}`);
  if (m.snapshot !== undefined) parts.push(`snap${m.snapshot.index}@${String(m.snapshotOffset)}${m.snapshotDone === true ? ' done' : ''}`);
  return parts.join(' ');
}

/** Runs one seeded simulation: a faulty safety phase, then a healed liveness phase. */
export function runSimulation(opts: SimulationOptions): SimulationResult {
  return new Simulation(opts).run();
}
