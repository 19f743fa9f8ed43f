// Ships this node's own WAL entries to one peer, in order, one bounded request at a time, and
// learns what the peer holds from its acknowledgements. The entries stay in the WAL (a hold per
// peer keeps them) until the peer has them: hinted handoff is the WAL itself plus this cursor.

import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { WalTruncatedError, type Wal } from '../../core/wal/wal-port.js';
import type { PeerClient } from '../peer-client.js';
import { PeerRequestError } from '../peer-client.js';
import type { AckTracker } from './ack-tracker.js';
import type { RecentEntries, RecentEntry } from './recent-entries.js';
import { REPLICATE_CONTENT_TYPE, encodeReplicateBatch } from './replicate-codec.js';
import type { ClusterMetrics } from '../cluster-metrics.js';
import type { Tracer } from '../../core/tracing.js';

export interface PeerStreamOptions {
  /** Bytes of entries per request. */
  readonly maxBatchBytes: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  readonly requestTimeoutMs: number;
}

export interface PeerStreamDeps {
  readonly wal: Wal;
  readonly recent: RecentEntries;
  readonly client: PeerClient;
  readonly acks: AckTracker;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: ClusterMetrics;
  /** The peer misses entries this node no longer holds: it must be caught up another way. */
  readonly onNeedsSync: (peer: string, reason: string) => void;
  readonly tracer: Tracer;
}

export interface PeerStreamStatus {
  readonly peer: string;
  /** Highest originSeq of this node's origin the peer is known to hold (null: not known yet). */
  readonly acked: number | null;
  readonly pendingEntries: number;
  readonly pendingSinceMs: number | null;
  readonly failures: number;
  readonly needsSync: boolean;
}

export function holdName(peer: string): string {
  return `peer:${peer}`;
}

export class PeerStream {
  private cursor: number | null = null;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | null = null;
  private failures = 0;
  private pendingSinceMs: number | null = null;
  private needsSync = false;

  constructor(
    readonly peer: string,
    private address: string | null,
    private readonly deps: PeerStreamDeps,
    private readonly options: PeerStreamOptions,
  ) {}

  setAddress(address: string | null): void {
    this.address = address;
    this.notify();
  }

  /**
   * What the peer says it holds of this node's origin (its heartbeat). Moves the cursor either
   * way: a peer that lost entries (a wipe) is sent them again.
   */
  learnWatermark(watermark: number): void {
    if (this.cursor === watermark) return;
    // A peer that needed a sync and now holds more (it copied a data set) is shipped to again.
    if (this.needsSync && (this.cursor === null || watermark > this.cursor)) this.needsSync = false;
    if (this.cursor !== null && watermark < this.cursor) this.deps.log.warn({ peer: this.peer, had: this.cursor, now: watermark }, 'peer holds fewer of our entries than it acknowledged; sending them again');
    this.cursor = watermark;
    this.deps.acks.ack(this.peer, watermark);
    this.notify();
  }

  notify(): void {
    const wake = this.wakeUp;
    this.wakeUp = null;
    wake?.();
  }

  status(): PeerStreamStatus {
    const target = this.target();
    return {
      peer: this.peer,
      acked: this.cursor,
      pendingEntries: this.cursor === null ? target : Math.max(0, target - this.cursor),
      pendingSinceMs: this.pendingSinceMs,
      failures: this.failures,
      needsSync: this.needsSync,
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop().catch((error: unknown) => this.deps.log.error({ err: error, peer: this.peer }, 'replication stream stopped'));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await this.loopDone;
  }

  private target(): number {
    return this.deps.wal.originWatermarks().get(this.deps.wal.localOrigin) ?? 0;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const target = this.target();
      const cursor = this.cursor;
      if (cursor === null || this.address === null || this.needsSync || cursor >= target) {
        if (cursor !== null && cursor >= target) this.pendingSinceMs = null;
        await this.sleep(1_000);
        continue;
      }
      this.pendingSinceMs ??= this.deps.clock.nowMs();
      let batch: RecentEntry[];
      try {
        batch = await this.nextBatch(cursor + 1);
      } catch (error) {
        if (!(error instanceof WalTruncatedError)) throw error;
        this.needsSync = true;
        this.deps.onNeedsSync(this.peer, `entries from ${cursor + 1} of this node's origin are no longer held (first held: ${error.firstRetained ?? 'none'})`);
        continue;
      }
      if (batch.length === 0) {
        await this.sleep(1_000);
        continue;
      }
      await this.send(batch);
    }
  }

  private async nextBatch(fromOriginSeq: number): Promise<RecentEntry[]> {
    const recent = this.deps.recent.from(fromOriginSeq, this.options.maxBatchBytes);
    if (recent !== null) return recent;
    const read = await this.deps.wal.readOrigin(this.deps.wal.localOrigin, fromOriginSeq, { maxEntries: 10_000, maxBytes: this.options.maxBatchBytes });
    return read.records.map((r) => ({ seq: r.seq, originSeq: r.entry.originSeq, value: r.value }));
  }

  private async send(batch: readonly RecentEntry[]): Promise<void> {
    const { metrics } = this.deps;
    const started = performance.now();
    const address = this.address!;
    try {
      const body = encodeReplicateBatch({ origin: this.deps.wal.localOrigin, values: batch.map((e) => e.value) });
      // A trace of its own per request (its traceparent reaches the peer through the client).
      const attributes = { 'hyperbytedb.peer': this.peer, 'hyperbytedb.entries': batch.length, 'hyperbytedb.first_origin_seq': batch[0]!.originSeq, 'hyperbytedb.bytes': body.length };
      const request = { method: 'POST', path: '/internal/replicate', body, contentType: REPLICATE_CONTENT_TYPE, timeoutMs: this.options.requestTimeoutMs } as const;
      const answer = await this.deps.tracer.span('replication.send', attributes, () => this.deps.client.requestOk(address, request), { root: true, kind: 'client' });
      const ack = (JSON.parse(answer.toString('utf8')) as { ack_seq?: unknown }).ack_seq;
      if (typeof ack !== 'number') throw new Error(`peer ${this.peer} answered without ack_seq`);
      metrics.replicationWrites.inc({ peer: this.peer }, batch.length);
      metrics.replicationDuration.observe((performance.now() - started) / 1000);
      this.failures = 0;
      this.acknowledged(ack, batch);
    } catch (error) {
      if (error instanceof PeerRequestError && error.peerStatus === 409) {
        // The peer holds less than we thought (a gap): start again after what it holds.
        const match = /is at (\d+)/.exec(error.message);
        if (match) {
          this.cursor = Number(match[1]);
          return;
        }
      }
      metrics.replicationErrors.inc({ peer: this.peer });
      this.failures++;
      if (this.failures === 1 || this.failures % 20 === 0) this.deps.log.warn({ peer: this.peer, failures: this.failures, err: error instanceof Error ? error.message : String(error) }, 'replication to peer failed; retrying');
      await this.sleep(Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** Math.min(this.failures - 1, 16)));
    }
  }

  private acknowledged(ack: number, batch: readonly RecentEntry[]): void {
    if (this.cursor !== null && ack < this.cursor) return;
    this.cursor = ack;
    this.deps.acks.ack(this.peer, ack);
    const last = batch.find((e) => e.originSeq === ack);
    // Everything of ours up to `ack` is safe on the peer; the WAL may let go of it for this peer.
    if (last !== undefined) {
      this.deps.wal.setHold(holdName(this.peer), last.seq).catch((error: unknown) => this.deps.log.warn({ err: error, peer: this.peer }, 'moving the peer hold failed'));
    }
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const cancel = this.deps.clock.setTimer(ms, () => {
        this.wakeUp = null;
        resolve();
      });
      this.wakeUp = () => {
        cancel();
        resolve();
      };
    });
  }
}
