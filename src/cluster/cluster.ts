// One node of a cluster around the engine: the Raft node and its state machine (catalog and
// membership), the replication streams to every peer, the receiver of theirs, heartbeats,
// anti-entropy (startup sync, the leader's sync monitor, joins) and the write coordinator. Started
// after the engine, stopped before it; the HTTP routes call into it.

import { existsSync } from 'node:fs';
import { join as pathJoin } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createRaftNode, LevelStorage, NetTransport, registerRaftMetrics, type RaftNode, type RaftLogger } from '../raft/index.js';
import type { Engine } from '../core/index.js';
import type { Clock } from '../core/clock.js';
import type { Service } from '../core/service.js';
import { UnavailableError } from '../core/errors.js';
import type { CatalogCommand } from '../core/meta/commands.js';
import type { CatalogWriter } from '../core/meta/catalog-applier.js';
import { ClusterStateMachine, decodeClusterCommand, type ApplyResult } from './cluster-state-machine.js';
import { NODE_STATES, type Membership, type NodeState } from './membership.js';
import { PeerClient } from './peer-client.js';
import { signingKey, verifyRequest, type VerifyResult } from './peer-auth.js';
import { HeartbeatService, type HeartbeatAnswer } from './heartbeat.js';
import { dataBarrier } from './data-barrier.js';
import { Proposer } from './proposer.js';
import { AckTracker } from './replication/ack-tracker.js';
import { RecentEntries } from './replication/recent-entries.js';
import { PeerStream, holdName } from './replication/peer-stream.js';
import { ReplicationReceiver } from './replication/receiver.js';
import { decodeReplicateBatch } from './replication/replicate-codec.js';
import { createClusterMetrics, type ClusterMetrics } from './cluster-metrics.js';
import type { ClusterOptions } from './cluster-options.js';
import { DrainController } from './drain.js';
import { MembershipChanges } from './membership-changes.js';
import { WriteCoordinator, type ClusterWriteRequest } from './write-coordinator.js';
import { clusterHealthChecks, clusterMetricsView, leaderView, nodesView, type ClusterViewSource, type HealthCheckView, type LeaderView, type NodeView } from './cluster-views.js';
import { SyncService, type SnapshotInfo, type TriggerBody } from './sync/sync-service.js';
import { SyncMonitor } from './sync/sync-monitor.js';
import { createSyncMetrics, type SyncMetrics } from './sync/sync-metrics.js';
import { startupSync } from './sync/startup-sync.js';
import type { SyncManifest } from './sync/manifest.js';
import { askSeeds, clusterExists, requestJoin, type JoinAnswer } from './join.js';
import { awaitFreshStart } from './fresh-start.js';
import type { TableRef } from '../core/store/table-copy.js';
import { noopTracer, type Tracer } from '../core/tracing.js';
import { waitForApplied } from './applied-wait.js';
import { catalogBarrier } from './catalog-barrier.js';

export interface ClusterDeps {
  readonly engine: Engine;
  readonly registry: Registry;
  readonly log: Logger;
  readonly clock: Clock;
  /** Spans around replication requests and the writes' waits for copies; none by default. */
  readonly tracer?: Tracer;
}


function raftLogger(log: Logger): RaftLogger {
  return {
    debug: (obj, msg) => log.debug(obj, msg),
    info: (obj, msg) => log.info(obj, msg),
    warn: (obj, msg) => log.warn(obj, msg),
    error: (obj, msg) => log.error(obj, msg),
  };
}

export class Cluster implements Service {
  readonly name = 'cluster';
  /** Created when the node starts (after a join handshake, for a joining node). */
  private raftNode: RaftNode<ApplyResult> | null = null;
  readonly stateMachine: ClusterStateMachine;
  readonly catalogWriter: CatalogWriter;
  readonly metrics: ClusterMetrics;
  private readonly key: Buffer;
  private readonly client: PeerClient;
  private readonly heartbeat: HeartbeatService;
  private readonly proposer: Proposer;
  private readonly acks: AckTracker;
  private readonly recent: RecentEntries;
  private readonly streams = new Map<string, PeerStream>();
  private readonly receiver: ReplicationReceiver;
  private readonly log: Logger;
  private readonly unsubscribes: Array<() => void> = [];
  private readonly sync: SyncService;
  private readonly syncMonitor: SyncMonitor;
  private readonly syncMetrics: SyncMetrics;
  private readonly coordinator: WriteCoordinator;
  private readonly changes: MembershipChanges;
  readonly drain: DrainController;
  /** Set while this node catches up after its start or its join: queries and writes wait. */
  private localState: 'syncing' | 'joining' | null = 'syncing';
  private started = false;
  private registered = false;
  private registering: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(
    private readonly options: ClusterOptions,
    private readonly deps: ClusterDeps,
  ) {
    const { engine, clock } = deps;
    this.log = deps.log;
    this.key = signingKey(options.secret);
    this.client = new PeerClient({
      nodeId: options.nodeId,
      key: this.key,
      requestTimeoutMs: options.peerRequestTimeoutMs,
      connectionsPerPeer: 4,
      maxResponseBytes: options.replicateBodyLimitBytes,
      nowMs: () => clock.nowMs(),
    });
    this.stateMachine = new ClusterStateMachine(engine.catalogApplier);
    this.proposer = new Proposer({ raft: () => this.raft, client: this.client, clock, log: deps.log, httpAddressOf: (id) => this.membership.get(id)?.httpAddress ?? null }, options.proposeTimeoutMs);
    this.catalogWriter = {
      apply: (commands) => this.applyCatalog(commands),
      barrier: () => catalogBarrier({ raft: () => this.raft, clock }, options.proposeTimeoutMs),
    };
    this.acks = new AckTracker((ms, fn) => clock.setTimer(ms, fn));
    this.recent = new RecentEntries(options.recentEntriesBytes);
    this.metrics = createClusterMetrics(deps.registry, {
      nodeState: () => NODE_STATES[this.observedState()],
      peersActive: () => this.countedPeers().filter((id) => this.heartbeat.reachable(id)).length,
      membershipVersion: () => this.membership.version,
      nodesTotal: () => this.membership.nodes.size,
      handoff: () =>
        [...this.streams.values()].map((stream) => {
          const status = stream.status();
          return { peer: status.peer, entries: status.pendingEntries, oldestSeconds: status.pendingSinceMs === null ? 0 : Math.max(0, (clock.nowMs() - status.pendingSinceMs) / 1000), bytes: status.pendingEntries * this.averageEntryBytes() };
        }),
      originLag: () => this.originLag(),
    });
    this.heartbeat = new HeartbeatService(
      { intervalMs: options.heartbeatIntervalMs, missThreshold: options.heartbeatMissThreshold, timeoutMs: Math.min(options.heartbeatIntervalMs, 1_000) },
      {
        client: this.client,
        clock,
        log: deps.log.child({ component: 'heartbeat' }),
        metrics: this.metrics,
        peers: () => this.peerIds().map((id) => ({ id, httpAddress: this.membership.get(id)?.httpAddress ?? null })),
        onAnswer: (peer, answer) => this.onHeartbeat(peer, answer),
        onReachability: (peer, reachable) => {
          if (reachable) this.streams.get(peer)?.notify();
        },
      },
    );
    this.receiver = new ReplicationReceiver(
      {
        appendReplicated: (entry, value) => engine.appendReplicated(entry, value),
        watermark: (origin) => engine.wal.originWatermarks().get(origin) ?? 0,
        waitForCatalog: (index, timeoutMs) => this.waitForApplied(index, timeoutMs),
        metrics: this.metrics,
        tracer: deps.tracer ?? noopTracer,
      },
      options.catalogWaitMs,
    );
    this.coordinator = new WriteCoordinator({
      nodeId: options.nodeId,
      engine,
      acks: this.acks,
      metrics: this.metrics,
      defaultConsistency: options.consistency,
      writeTimeoutMs: options.writeTimeoutMs,
      state: () => this.observedState(),
      countedMembers: () => this.countedMembers(),
      reachable: (peer) => this.heartbeat.reachable(peer),
      activePeerHint: () => this.activePeerHint(),
      tracer: deps.tracer ?? noopTracer,
    });
    this.changes = new MembershipChanges({
      nodeId: options.nodeId,
      raft: () => this.raft,
      proposer: this.proposer,
      membership: () => this.membership,
      client: this.client,
      clock,
      log: deps.log.child({ component: 'membership' }),
      maxVoters: options.maxVoters,
      proposeTimeoutMs: options.proposeTimeoutMs,
      reachable: (peer) => this.heartbeat.reachable(peer),
    });
    this.drain = new DrainController({
      nodeId: options.nodeId,
      wal: engine.wal,
      clock,
      log: deps.log.child({ component: 'drain' }),
      phaseGauge: this.metrics.drainPhase,
      drains: this.metrics.drains,
      state: () => this.observedState(),
      flush: () => engine.flush(),
      setState: async (state) => {
        await this.proposer.propose({ kind: 'set-node-state', id: options.nodeId, state });
      },
      remainingPeers: () => this.peerIds().filter((id) => !['leaving', 'draining'].includes(this.membership.get(id)?.state ?? 'active')),
      peerWatermarks: (peer) => this.askWatermarks(peer),
      askToPull: (peer, origin, fromSeq) => this.askToPull(peer, origin, fromSeq),
      nudgeStreams: () => {
        for (const stream of this.streams.values()) stream.notify();
      },
      stepDown: () => this.changes.stepDown(),
      leaveRaft: async () => {
        await this.changes.leaveRaft();
        // Out of the configuration now: a Raft left running may never learn of its removal and
        // campaign with the old one, disrupting the cluster (and, with a wiped member's vote, electing a
        // leader that lacks committed entries; chaos seed 118).
        await this.raftNode?.stop();
      },
    });
    this.syncMetrics = createSyncMetrics(deps.registry);
    this.sync = new SyncService(
      { pullMaxBytes: options.syncPullMaxBytes, copyPageRows: options.copyPageRows, snapshotTtlMs: options.snapshotTtlMs, catalogWaitMs: options.catalogWaitMs },
      {
        nodeId: options.nodeId,
        engine,
        client: this.client,
        receiver: this.receiver,
        clock,
        log: deps.log.child({ component: 'sync' }),
        metrics: this.syncMetrics,
        state: () => this.observedState(),
        currentTerm: () => this.raftNode?.metrics().term ?? 0,
        httpAddressOf: (id) => this.membership.get(id)?.httpAddress ?? null,
        waitForApplied: (index, timeoutMs) => this.waitForApplied(index, timeoutMs),
      },
    );
    this.syncMonitor = new SyncMonitor(options.syncIntervalMs, {
      nodeId: options.nodeId,
      client: this.client,
      clock,
      log: deps.log.child({ component: 'sync-monitor' }),
      metrics: this.syncMetrics,
      isLeader: () => this.raftNode?.isLeader() ?? false,
      term: () => this.raft.metrics().term,
      members: () => [...this.membership.nodes.values()].map((n) => ({ id: n.id, httpAddress: n.httpAddress })),
      localManifest: () => this.sync.manifest(false),
      onSelfOrder: (body) => this.sync.trigger(body),
      onRound: () => this.changes.promoteLearners(),
    });
  }

  get raft(): RaftNode<ApplyResult> {
    if (this.raftNode === null) throw new UnavailableError('the cluster node is starting');
    return this.raftNode;
  }

  get membership(): Membership {
    return this.stateMachine.membership;
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { engine } = this.deps;
    this.unsubscribes.push(
      engine.wal.onDurable(({ seq, entry, value }) => {
        if (entry.origin !== engine.wal.localOrigin) return;
        this.recent.push({ seq, originSeq: entry.originSeq, value });
        for (const stream of this.streams.values()) stream.notify();
      }),
      engine.wal.onHoldDropped((dropped) => {
        const peer = dropped.name.startsWith('peer:') ? dropped.name.slice(5) : null;
        if (peer === null) return;
        this.metrics.holdsDropped.inc({ peer_id: peer });
        this.log.warn({ peer, reason: dropped.reason }, 'the WAL retention bound let go of entries a peer had not acknowledged; the peer needs a sync');
      }),
      this.stateMachine.onMembership(() => this.syncStreams()),
    );
    const fresh = !existsSync(pathJoin(this.options.dataDir, 'raft', 'CURRENT'));
    let join: JoinAnswer | null = null;
    // A node without Raft state joins a running cluster (a new node, or a member whose data was
    // wiped: Raft must forget what it knew of it); only a cluster's very first start bootstraps.
    const onlyMember = this.options.peers.length === 1 && this.options.peers[0]!.id === this.options.nodeId;
    const admit = (): Promise<JoinAnswer> => requestJoin(this.client, this.options.joinSeeds, { node_id: this.options.nodeId, http_address: this.options.httpAddress, raft_address: this.options.raftAdvertiseAddress });
    if (fresh && this.options.joinSeeds.length > 0) join = onlyMember ? (await this.waitForCluster(), await admit()) : await this.freshStart(admit);
    if (join) {
      this.log.info({ leader: join.leader_id, members: join.members.length }, 'admitted to the cluster as a learner; catching up');
      this.localState = 'joining';
    } else if (fresh) {
      // A node whose Raft state is new (first start, or wiped) must not vote in a term it may have
      // voted in before: every such election ends within two election timeouts.
      await new Promise((resolve) => this.deps.clock.setTimer(2 * this.options.raftElectionTicks * this.options.raftTickMs, () => resolve(undefined)));
    }
    this.raftNode = this.createRaft(join);
    this.raftNode.on('fatal', (error) => this.onFatal?.(error));
    registerRaftMetrics(this.raftNode, this.deps.registry);
    await this.raftNode.start();
    this.syncStreams();
    await this.heartbeat.start();
    await this.syncMonitor.start();
    this.registering = join ? this.completeJoin(join) : this.registerSelf().then(() => this.catchUpAtStart());
  }

  /** Called when Raft stopped on a broken invariant or storage failure: the process must restart. */
  onFatal: ((error: Error) => void) | null = null;

  /** A configured member without Raft state: join the running cluster, or bootstrap a first start (fresh-start.ts). */
  private async freshStart(admit: () => Promise<JoinAnswer>): Promise<JoinAnswer | null> {
    const decision = await awaitFreshStart({
      nodeId: this.options.nodeId,
      voters: this.options.peers.map((p) => p.id),
      askSeeds: () => askSeeds(this.client, this.options.joinSeeds),
      requestJoin: admit,
      clock: this.deps.clock,
      log: this.log,
      stopping: () => this.stopping,
      pollMs: 500,
    });
    if (decision === null) throw new UnavailableError('the cluster node stopped while it was starting');
    return decision === 'bootstrap' ? null : decision;
  }

  /** A node that only knows seeds waits (bounded) until one of them answers with a running cluster. */
  private async waitForCluster(): Promise<boolean> {
    const deadline = this.deps.clock.monotonicMs() + this.options.startupSyncTimeoutMs;
    while (this.deps.clock.monotonicMs() < deadline) {
      if (await clusterExists(this.client, this.options.joinSeeds)) return true;
      await new Promise((resolve) => this.deps.clock.setTimer(500, () => resolve(undefined)));
    }
    throw new Error(`join: no member at ${this.options.joinSeeds.join(', ')} answered with a running cluster within ${this.options.startupSyncTimeoutMs} ms`);
  }

  private createRaft(join: JoinAnswer | null): RaftNode<ApplyResult> {
    const { options, deps } = this;
    const peers = join
      ? [...join.members.filter((m) => m.id !== options.nodeId).map((m) => ({ id: m.id, address: m.raft_address })), { id: options.nodeId, address: options.raftAdvertiseAddress }]
      : options.peers.map((p) => ({ id: p.id, address: p.raftAddress }));
    return createRaftNode<ApplyResult>({
      id: options.nodeId,
      peers,
      storage: new LevelStorage({ path: pathJoin(options.dataDir, 'raft') }),
      transport: new NetTransport({ id: options.nodeId, host: options.raftBindHost, port: options.raftPort, clusterSecret: options.secret, logger: raftLogger(deps.log.child({ component: 'raft-transport' })) }),
      stateMachine: this.stateMachine,
      logger: raftLogger(deps.log.child({ component: 'raft' })),
      tickMs: options.raftTickMs,
      electionTicks: options.raftElectionTicks,
      snapshotEvery: options.raftSnapshotEvery,
      ...(join ? { join: true } : {}),
    });
  }

  /**
   * After a restart (or a wipe): pull what the peers hold and this node misses, or copy a peer's
   * data set when nobody holds the entries any more; Syncing until then.
   */
  private async catchUpAtStart(): Promise<void> {
    try {
      const outcome = await startupSync({
        wal: this.deps.engine.wal,
        sync: this.sync,
        clock: this.deps.clock,
        log: this.log.child({ component: 'startup-sync' }),
        peers: () => this.countedPeers(),
        answer: (peer) => this.heartbeat.get(peer).answer,
        timeoutMs: this.options.startupSyncTimeoutMs,
      });
      this.log.info({ outcome }, 'startup sync done; this node serves reads and writes');
    } catch (error) {
      this.log.error({ err: error }, 'startup sync failed; serving what this node holds (the leader\'s sync monitor keeps checking it)');
    } finally {
      this.localState = null;
    }
  }

  /** A joining node: catalog from Raft, Syncing while it copies the data, then Active. */
  private async completeJoin(join: JoinAnswer): Promise<void> {
    const { options } = this;
    try {
      while (!this.stopping && !(await this.waitForApplied(join.applied_index, 10_000))) this.log.info({ index: join.applied_index }, 'join: waiting for the catalog');
      await this.proposer.propose({ kind: 'set-node-state', id: options.nodeId, state: 'syncing' });
      this.localState = null;
      const source = join.leader_id === options.nodeId ? join.members[0]!.id : join.leader_id;
      await this.sync.runNow({ full: { source } });
      await this.catchUpAtStart();
      await this.proposer.propose({ kind: 'set-node-state', id: options.nodeId, state: 'active' });
      this.registered = true;
      this.log.info({ source }, 'join complete: this node is Active');
    } catch (error) {
      this.log.error({ err: error }, 'join did not complete; the node stays Syncing (restart it to try again)');
    }
  }

  /** POST /internal/membership/join (membership-changes.ts). */
  admitJoin(body: Buffer): Promise<{ status: number; body: object }> {
    return this.changes.admitJoin(body);
  }

  /** POST /internal/membership/leave (membership-changes.ts). */
  admitLeave(body: Buffer): Promise<{ status: number; body: object }> {
    return this.changes.admitLeave(body);
  }

  // ------------------------------------------------------------------ sync routes

  manifest(withDataDigest: boolean): Promise<SyncManifest> {
    return this.sync.manifest(withDataDigest);
  }

  walDelta(origin: string, fromSeq: number, maxBytes: number): Promise<{ status: number; body: Buffer; contentType: string }> {
    return this.sync.walDelta(origin, fromSeq, maxBytes);
  }

  syncTrigger(body: Buffer): { status: number; body: object } {
    return this.sync.trigger(JSON.parse(body.toString('utf8')) as TriggerBody);
  }

  openSnapshot(): Promise<SnapshotInfo> {
    return this.sync.openSnapshot();
  }

  snapshotPage(id: string, table: TableRef, page: number): Promise<Buffer | null> {
    return this.sync.snapshotPage(id, table, page);
  }

  closeSnapshot(id: string): Promise<void> {
    return this.sync.closeSnapshot(id);
  }

  // ------------------------------------------------------------------ drain

  /** Pulls what this node misses of the writes a majority holds (data-barrier.ts); false when it could not. */
  async holdsAcknowledgedWrites(): Promise<boolean> {
    const wal = this.deps.engine.wal;
    const outcome = await dataBarrier({ localOrigin: wal.localOrigin, localWatermarks: () => wal.originWatermarks(), peers: this.countedPeers(), askWatermarks: (peer) => this.askWatermarks(peer), pull: (origin, from, source) => this.sync.pull(origin, from, source) });
    if (!outcome.ok) this.log.warn({ reason: outcome.reason }, 'this node may not hold every acknowledged write yet');
    return outcome.ok;
  }

  private async askWatermarks(peer: string): Promise<Readonly<Record<string, number>> | null> {
    const address = this.membership.get(peer)?.httpAddress ?? null;
    if (address === null) return null;
    try {
      const body = await this.client.requestOk(address, { method: 'GET', path: '/internal/heartbeat', timeoutMs: 2_000 });
      return (JSON.parse(body.toString('utf8')) as HeartbeatAnswer).watermarks;
    } catch {
      return null;
    }
  }

  private async askToPull(peer: string, origin: string, fromSeq: number): Promise<void> {
    const address = this.membership.get(peer)?.httpAddress ?? null;
    if (address === null) return;
    const body = { term: this.raft.metrics().term, pulls: [{ origin, from_seq: fromSeq, source: this.options.nodeId }] };
    await this.client.request(address, { method: 'POST', path: '/internal/sync/trigger', body: Buffer.from(JSON.stringify(body)), contentType: 'application/json' });
  }

  drainStart(body: Buffer): object {
    const parsed = (body.length > 0 ? JSON.parse(body.toString('utf8')) : {}) as { timeout_ms?: unknown; force?: unknown };
    return this.drain.start({ timeoutMs: typeof parsed.timeout_ms === 'number' ? parsed.timeout_ms : this.options.drainTimeoutMs, force: parsed.force === true });
  }

  /** Queries wait while this node does not yet hold every acknowledged write (never a silent subset). */
  assertQueryable(): void {
    const state = this.observedState();
    if (state === 'joining' || state === 'syncing') {
      const error = new UnavailableError(`node is ${state}: it does not hold every acknowledged write yet; query an Active node or retry shortly`, 'HB_NODE_SYNCING');
      error.redirect = this.activePeerHint();
      throw error;
    }
  }

  async stop(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    await this.syncMonitor.stop();
    await this.heartbeat.stop();
    await Promise.all([...this.streams.values()].map((stream) => stream.stop()));
    await this.registering.catch(() => undefined);
    await this.raftNode?.stop();
    await this.client.close();
  }

  // ------------------------------------------------------------------ writes

  /** A client write with this node as its coordinator (write-coordinator.ts). */
  write(request: ClusterWriteRequest): Promise<void> {
    return this.coordinator.write(request);
  }

  /** POST /internal/replicate: entries of one origin from its coordinator. */
  async receiveReplicate(body: Buffer): Promise<{ status: number; body: object }> {
    if (this.observedStateOfSelfDeclared() === 'leaving') return { status: 503, body: { error: 'node is leaving' } };
    const { origin, entries, values } = decodeReplicateBatch(body);
    const outcome = await this.receiver.receive(origin, entries, values);
    if (outcome.kind === 'gap') return { status: 409, body: { error: `gap: origin ${origin} is at ${outcome.ackSeq}`, origin, ack_seq: outcome.ackSeq } };
    return { status: 200, body: { ok: true, origin, ack_seq: outcome.ackSeq } };
  }

  // ------------------------------------------------------------------ catalog through Raft

  private async applyCatalog(commands: readonly CatalogCommand[]): Promise<void> {
    const index = await this.proposer.propose({ kind: 'catalog', commands });
    if (!(await this.waitForApplied(index, this.options.catalogWaitMs))) {
      throw new UnavailableError(`the change is committed (index ${index}) but this node has not applied it yet; retry the request`);
    }
  }

  /** POST /internal/propose on the leader: puts a command into the log, answers its index once applied. */
  async receivePropose(body: Buffer): Promise<{ status: number; body: object }> {
    if (!this.raft.isLeader()) return { status: 421, body: { error: 'not raft leader', leader_id: this.raft.leader() } };
    decodeClusterCommand(body);
    const result = await this.raft.propose(body);
    return { status: 200, body: { index: result.index } };
  }

  waitForApplied(index: number, timeoutMs: number): Promise<boolean> {
    return waitForApplied({ appliedIndex: () => this.stateMachine.appliedIndex, raft: () => this.raftNode, clock: this.deps.clock }, index, timeoutMs);
  }

  // ------------------------------------------------------------------ membership and liveness

  private async registerSelf(): Promise<void> {
    const { options } = this;
    while (!this.stopping) {
      const me = this.membership.get(options.nodeId);
      if (me && me.httpAddress === options.httpAddress && me.raftAddress === options.raftAdvertiseAddress) {
        this.registered = true;
        return;
      }
      try {
        await this.proposer.propose({ kind: 'register-node', id: options.nodeId, httpAddress: options.httpAddress, raftAddress: options.raftAdvertiseAddress, initialState: 'active' });
      } catch (error) {
        this.log.debug({ err: error instanceof Error ? error.message : String(error) }, 'registering this node is waiting for a leader');
        await new Promise((resolve) => this.deps.clock.setTimer(500, () => resolve(undefined)));
      }
    }
  }

  /** Every other member, except those that left (Leaving: drained and out of Raft). */
  private peerIds(): string[] {
    const ids = new Set<string>(this.options.peers.map((p) => p.id));
    for (const node of this.membership.nodes.values()) ids.add(node.id);
    ids.delete(this.options.nodeId);
    for (const node of this.membership.nodes.values()) if (node.state === 'leaving') ids.delete(node.id);
    return [...ids].sort();
  }

  /** Raft's voters (the configured members until Raft runs). */
  private voters(): string[] {
    const voters = this.raftNode?.configuration().voters ?? [];
    return voters.length > 0 ? [...voters] : this.options.peers.map((p) => p.id);
  }

  /** Members writes count against (self included when Active). */
  countedMembers(): string[] {
    return this.membership.countedMembers(this.voters());
  }

  private countedPeers(): string[] {
    return this.countedMembers().filter((id) => id !== this.options.nodeId);
  }

  private syncStreams(): void {
    if (this.stopping) return;
    const peers = new Set(this.peerIds());
    for (const [id, stream] of [...this.streams]) {
      if (peers.has(id)) continue;
      // A peer that left needs nothing more from this node: stop its stream and free its hold.
      this.streams.delete(id);
      this.acks.forget(id);
      void stream.stop();
      void this.deps.engine.wal.removeHold(holdName(id)).catch(() => undefined);
    }
    for (const id of peers) {
      const address = this.membership.get(id)?.httpAddress ?? null;
      let stream = this.streams.get(id);
      if (!stream) {
        stream = new PeerStream(
          id,
          address,
          {
            wal: this.deps.engine.wal,
            recent: this.recent,
            client: this.client,
            acks: this.acks,
            clock: this.deps.clock,
            log: this.log.child({ component: 'replication', peer: id }),
            metrics: this.metrics,
            onNeedsSync: (peer, reason) => this.log.error({ peer, reason }, 'peer needs a sync: it misses entries this node no longer holds'),
            tracer: this.deps.tracer ?? noopTracer,
          },
          { maxBatchBytes: this.options.replicationMaxBatchBytes, backoffInitialMs: 100, backoffMaxMs: 5_000, requestTimeoutMs: this.options.peerRequestTimeoutMs },
        );
        this.streams.set(id, stream);
        if (!this.deps.engine.wal.holds().has(holdName(id))) {
          // Until the peer says what it holds, keep everything from here on for it.
          void this.deps.engine.wal.setHold(holdName(id), this.deps.engine.wal.flushedSeq()).catch(() => undefined);
        }
        stream.start();
      } else {
        stream.setAddress(address);
      }
    }
  }

  private onHeartbeat(peer: string, answer: HeartbeatAnswer): void {
    const watermark = answer.watermarks[this.deps.engine.wal.localOrigin] ?? 0;
    this.streams.get(peer)?.learnWatermark(watermark);
  }

  /** GET /internal/heartbeat: how this node is and what it holds. */
  heartbeatAnswer(): HeartbeatAnswer {
    const metrics = this.raftNode?.metrics() ?? { term: 0, leader: null };
    return {
      node_id: this.options.nodeId,
      state: this.observedState(),
      term: metrics.term,
      leader: metrics.leader,
      catalog_index: this.stateMachine.appliedIndex,
      watermarks: Object.fromEntries(this.deps.engine.wal.originWatermarks()),
    };
  }

  /** This node's state: declared in Raft, or Disconnected while it sees no leader. */
  observedState(): NodeState {
    const declared = this.observedStateOfSelfDeclared();
    if (declared === 'active' && this.localState !== null) return this.localState;
    if (declared === 'active' && (this.raftNode === null || this.raftNode.leader() === null)) return 'disconnected';
    return declared;
  }

  private observedStateOfSelfDeclared(): NodeState {
    const me = this.membership.get(this.options.nodeId);
    if (me) return me.state;
    // Not registered yet (starting): it becomes what its registration says.
    return 'joining';
  }

  private activePeerHint(): string | null {
    for (const id of this.countedPeers()) {
      if (this.heartbeat.reachable(id)) return this.membership.get(id)?.httpAddress ?? null;
    }
    return null;
  }

  private viewSource(): ClusterViewSource {
    return {
      nodeId: this.options.nodeId,
      httpAddress: this.options.httpAddress,
      configuredPeers: this.options.peers,
      membership: this.membership,
      peerIds: this.peerIds(),
      countedPeers: this.countedPeers(),
      voters: this.voters(),
      observedState: this.observedState(),
      raft: this.raftNode?.metrics() ?? null,
      liveness: (peer) => this.heartbeat.get(peer),
      streams: [...this.streams.values()].map((s) => s.status()),
      registered: this.registered,
      syncOutcome: this.sync.lastOutcome,
    };
  }

  nodes(): NodeView[] {
    return nodesView(this.viewSource());
  }

  leaderView(): LeaderView {
    return leaderView(this.viewSource());
  }

  clusterMetrics(): object {
    return clusterMetricsView(this.viewSource());
  }

  stateName(): string {
    return this.observedState();
  }

  healthChecks(): HealthCheckView[] {
    return clusterHealthChecks(this.viewSource());
  }

  /** Checks a peer request's signature (internal routes). */
  verify(request: { method: string; pathWithQuery: string; headers: Readonly<Record<string, string | string[] | undefined>>; body: Uint8Array }): VerifyResult {
    const result = verifyRequest(this.key, { ...request, nowMs: this.deps.clock.nowMs() }, this.options.signatureWindowMs);
    if (!result.ok) this.metrics.authFailures.inc({ reason: result.reason });
    return result;
  }

  private averageEntryBytes(): number {
    const wal = this.deps.engine.wal;
    const entries = Math.max(1, wal.lastSeq() - wal.flushedSeq());
    return Math.round(wal.pendingBytes() / entries);
  }

  private originLag(): Array<{ origin: string; entries: number }> {
    const mine = this.deps.engine.wal.originWatermarks();
    const best = new Map<string, number>();
    for (const id of this.peerIds()) {
      const answer = this.heartbeat.get(id).answer;
      for (const [origin, watermark] of Object.entries(answer?.watermarks ?? {})) best.set(origin, Math.max(best.get(origin) ?? 0, watermark));
    }
    return [...best].map(([origin, top]) => ({ origin, entries: Math.max(0, top - (mine.get(origin) ?? 0)) }));
  }
}
