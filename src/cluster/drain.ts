// Taking a node out without losing anything, as the administration doc states it: Draining (new
// writes get 503, queries are served), every WAL entry flushed, every remaining peer holding all
// of this node's entries, leadership handed over, the node out of Raft, Leaving. A timeout leaves
// the node Draining with the reason; it is never half gone. SIGTERM is a stop, never a drain.

import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { BadRequestError } from '../core/errors.js';
import type { Wal } from '../core/wal/wal-port.js';
import type { Gauge, Counter } from 'prom-client';

export const DRAIN_PHASES = ['idle', 'rejecting-writes', 'flushing', 'handoff', 'leaving', 'left', 'failed', 'aborted'] as const;
export type DrainPhase = (typeof DRAIN_PHASES)[number];

export interface DrainStatus {
  readonly node_id: string;
  readonly state: string;
  readonly phase: DrainPhase;
  readonly started_at: string | null;
  readonly timeout_ms: number | null;
  readonly force: boolean;
  /** What the handoff still waits for: a peer missing entries of an origin this node holds. */
  readonly lagging: ReadonlyArray<{ readonly peer: string; readonly origin: string; readonly behind: number }>;
  readonly unreachable: readonly string[];
  readonly error: string | null;
}

export interface DrainDeps {
  readonly nodeId: string;
  readonly wal: Wal;
  readonly clock: Clock;
  readonly log: Logger;
  readonly phaseGauge: Gauge;
  readonly drains: Counter;
  readonly state: () => string;
  readonly flush: () => Promise<void>;
  readonly setState: (state: 'active' | 'draining' | 'leaving') => Promise<void>;
  /** The members that stay (every declared member but this one and those leaving). */
  readonly remainingPeers: () => readonly string[];
  /** What a peer holds per origin, asked now (null when it does not answer). */
  readonly peerWatermarks: (peer: string) => Promise<Readonly<Record<string, number>> | null>;
  /** Asks a peer to pull `origin` from this node (entries of origins other than this node's own). */
  readonly askToPull: (peer: string, origin: string, fromSeq: number) => Promise<void>;
  /** Nudges this node's replication streams. */
  readonly nudgeStreams: () => void;
  /** Hands Raft leadership to another voter if this node leads. */
  readonly stepDown: () => Promise<void>;
  /** Takes this node out of the Raft configuration (through the leader). */
  readonly leaveRaft: () => Promise<void>;
}

/** Of a quorum of peers and of every peer that answers, whose watermarks are below this node's. */
export function drainLag(mine: ReadonlyMap<string, number>, peers: ReadonlyArray<readonly [string, Readonly<Record<string, number>> | null]>): {
  lagging: Array<{ peer: string; origin: string; behind: number }>;
  unreachable: string[];
} {
  const lagging: Array<{ peer: string; origin: string; behind: number }> = [];
  const unreachable: string[] = [];
  for (const [peer, watermarks] of peers) {
    if (watermarks === null) {
      unreachable.push(peer);
      continue;
    }
    for (const [origin, seq] of mine) {
      const behind = seq - (watermarks[origin] ?? 0);
      if (behind > 0) lagging.push({ peer, origin, behind });
    }
  }
  return { lagging, unreachable };
}

/** The handoff is done when no answering peer lags and the answering peers are a majority of those that stay. */
export function handoffComplete(peerCount: number, lag: ReturnType<typeof drainLag>): boolean {
  const answered = peerCount - lag.unreachable.length;
  return lag.lagging.length === 0 && (peerCount === 0 || answered * 2 > peerCount);
}

export class DrainController {
  private phase: DrainPhase = 'idle';
  private startedAtMs: number | null = null;
  private timeoutMs: number | null = null;
  private force = false;
  private lastLag: ReturnType<typeof drainLag> = { lagging: [], unreachable: [] };
  private error: string | null = null;
  private running: Promise<void> | null = null;
  private abortRequested = false;

  constructor(private readonly deps: DrainDeps) {
    deps.phaseGauge.set(0);
  }

  status(): DrainStatus {
    return {
      node_id: this.deps.nodeId,
      state: this.deps.state(),
      phase: this.phase,
      started_at: this.startedAtMs === null ? null : new Date(this.startedAtMs).toISOString(),
      timeout_ms: this.timeoutMs,
      force: this.force,
      lagging: this.lastLag.lagging,
      unreachable: this.lastLag.unreachable,
      error: this.error,
    };
  }

  /** Starts (or resumes after a failure) the drain; answers at once, the phases run in the background. */
  start(options: { readonly timeoutMs: number; readonly force: boolean }): DrainStatus {
    if (!(Number.isSafeInteger(options.timeoutMs) && options.timeoutMs > 0 && options.timeoutMs <= 24 * 3600_000)) throw new BadRequestError('drain: timeout_ms must be a positive number of milliseconds up to a day');
    if (this.phase === 'left') return this.status();
    if (this.running === null) {
      this.timeoutMs = options.timeoutMs;
      this.force = options.force;
      this.error = null;
      this.abortRequested = false;
      this.startedAtMs = this.deps.clock.nowMs();
      this.deps.drains.inc();
      this.running = this.run().finally(() => {
        this.running = null;
      });
    }
    return this.status();
  }

  /** Back to Active (refused once the node left Raft). */
  async abort(): Promise<DrainStatus> {
    if (this.phase === 'leaving' || this.phase === 'left') throw new BadRequestError(`drain: the node is ${this.phase}; it cannot return to Active`);
    this.abortRequested = true;
    await this.running?.catch(() => undefined);
    await this.deps.setState('active');
    this.setPhase('aborted');
    this.deps.log.info('drain aborted: the node is Active again');
    return this.status();
  }

  private setPhase(phase: DrainPhase): void {
    this.phase = phase;
    this.deps.phaseGauge.set(DRAIN_PHASES.indexOf(phase));
  }

  private async run(): Promise<void> {
    const { deps } = this;
    const deadline = deps.clock.monotonicMs() + (this.timeoutMs ?? 60_000);
    try {
      if (deps.remainingPeers().length === 0) throw new Error('this is the last member: draining it would leave nobody holding the data');
      this.setPhase('rejecting-writes');
      await deps.setState('draining');
      this.setPhase('flushing');
      await deps.flush();
      if (!this.force) {
        this.setPhase('handoff');
        await this.handoff(deadline);
      }
      if (this.abortRequested) return;
      this.setPhase('leaving');
      await deps.stepDown();
      await deps.setState('leaving');
      await deps.leaveRaft();
      this.setPhase('left');
      deps.log.info('drain complete: the node is Leaving and out of Raft; it can be stopped');
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.setPhase('failed');
      deps.log.error({ err: this.error }, 'drain failed; the node stays Draining (run the drain again, or abort it)');
    }
  }

  private async handoff(deadline: number): Promise<void> {
    const { deps } = this;
    for (;;) {
      if (this.abortRequested) return;
      const peers = deps.remainingPeers();
      const answers = await Promise.all(peers.map(async (peer) => [peer, await deps.peerWatermarks(peer)] as const));
      const mine = deps.wal.originWatermarks();
      this.lastLag = drainLag(mine, answers);
      if (handoffComplete(peers.length, this.lastLag)) return;
      deps.nudgeStreams();
      for (const lag of this.lastLag.lagging) {
        if (lag.origin === deps.wal.localOrigin) continue;
        const from = (mine.get(lag.origin) ?? 0) - lag.behind + 1;
        await deps.askToPull(lag.peer, lag.origin, from).catch((error: unknown) => deps.log.warn({ peer: lag.peer, err: String(error) }, 'drain: asking a peer to pull failed'));
      }
      if (deps.clock.monotonicMs() > deadline) {
        const waiting = this.lastLag.lagging.map((l) => `${l.peer} misses ${l.behind} of ${l.origin}`).concat(this.lastLag.unreachable.map((p) => `${p} does not answer`));
        throw new Error(`timed out waiting for the remaining peers to hold this node's entries: ${waiting.join('; ')}`);
      }
      await new Promise((resolve) => deps.clock.setTimer(500, () => resolve(undefined)));
    }
  }
}
