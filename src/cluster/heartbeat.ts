// Asks every peer how it is, every heartbeat interval: reachable or not (after a number of misses
// it is observed Disconnected), and what it holds of each origin. Observed liveness only; the
// declared state lives in Raft.

import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { Service } from '../core/service.js';
import type { PeerClient } from './peer-client.js';
import type { ClusterMetrics } from './cluster-metrics.js';

export interface HeartbeatAnswer {
  readonly node_id: string;
  readonly state: string;
  readonly term: number;
  readonly leader: string | null;
  readonly catalog_index: number;
  readonly watermarks: Readonly<Record<string, number>>;
}

export interface PeerLiveness {
  readonly reachable: boolean;
  readonly lastSuccessMs: number | null;
  readonly misses: number;
  readonly answer: HeartbeatAnswer | null;
}

export interface HeartbeatOptions {
  readonly intervalMs: number;
  /** Consecutive misses before a peer counts as unreachable (Disconnected). */
  readonly missThreshold: number;
  readonly timeoutMs: number;
}

export interface HeartbeatDeps {
  readonly client: PeerClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: ClusterMetrics;
  /** The peers to ask, with their HTTP address (null while unknown). */
  readonly peers: () => ReadonlyArray<{ readonly id: string; readonly httpAddress: string | null }>;
  readonly onAnswer: (peer: string, answer: HeartbeatAnswer) => void;
  readonly onReachability: (peer: string, reachable: boolean) => void;
}

export class HeartbeatService implements Service {
  readonly name = 'heartbeat';
  private readonly liveness = new Map<string, { lastSuccessMs: number | null; misses: number; answer: HeartbeatAnswer | null; reachable: boolean }>();
  private cancel: (() => void) | null = null;
  private round: Promise<void> = Promise.resolve();
  private running = false;

  constructor(
    private readonly options: HeartbeatOptions,
    private readonly deps: HeartbeatDeps,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancel?.();
    this.cancel = null;
    await this.round;
  }

  get(peer: string): PeerLiveness {
    const state = this.liveness.get(peer);
    return state ? { ...state } : { reachable: false, lastSuccessMs: null, misses: 0, answer: null };
  }

  reachable(peer: string): boolean {
    return this.liveness.get(peer)?.reachable ?? false;
  }

  /** Asks every peer now (tests, and a node that just learned an address). */
  beat(): Promise<void> {
    this.round = this.round.then(() => this.beatOnce());
    return this.round;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.cancel = this.deps.clock.setTimer(delayMs, () => {
      this.cancel = null;
      void this.beat().finally(() => this.schedule(this.options.intervalMs));
    });
  }

  private async beatOnce(): Promise<void> {
    await Promise.all(this.deps.peers().map((peer) => this.ask(peer.id, peer.httpAddress)));
  }

  private async ask(peer: string, address: string | null): Promise<void> {
    let state = this.liveness.get(peer);
    if (!state) this.liveness.set(peer, (state = { lastSuccessMs: null, misses: 0, answer: null, reachable: false }));
    const wasReachable = state.reachable;
    try {
      if (address === null) throw new Error('address not known yet');
      const body = await this.deps.client.requestOk(address, { method: 'GET', path: '/internal/heartbeat', timeoutMs: this.options.timeoutMs });
      const answer = JSON.parse(body.toString('utf8')) as HeartbeatAnswer;
      state.answer = answer;
      state.lastSuccessMs = this.deps.clock.nowMs();
      state.misses = 0;
      state.reachable = true;
      this.deps.onAnswer(peer, answer);
    } catch (error) {
      state.misses++;
      this.deps.metrics.heartbeatFailures.inc({ peer_id: peer });
      if (state.misses >= this.options.missThreshold) state.reachable = false;
      if (state.misses === this.options.missThreshold) this.deps.log.warn({ peer, err: error instanceof Error ? error.message : String(error) }, 'peer missed heartbeats; observed Disconnected');
    }
    if (state.reachable !== wasReachable) this.deps.onReachability(peer, state.reachable);
  }
}
