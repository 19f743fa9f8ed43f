// Which peers hold this node's entries up to which originSeq, and the writes waiting for enough
// of them. Pure bookkeeping with injected timers; the streams report acks, the coordinator waits.

export interface AckWaitOutcome {
  readonly ok: boolean;
  /** Peers (of those counted) holding the entry when the wait ended. */
  readonly acked: number;
}

interface Waiter {
  readonly originSeq: number;
  readonly peers: readonly string[];
  readonly needed: number;
  readonly resolve: (outcome: AckWaitOutcome) => void;
  cancelTimer: () => void;
}

export class AckTracker {
  private readonly acked = new Map<string, number>();
  private waiters: Waiter[] = [];

  constructor(private readonly setTimer: (delayMs: number, fn: () => void) => () => void) {}

  ackedBy(peer: string): number {
    return this.acked.get(peer) ?? 0;
  }

  /** The peer holds every entry of this origin up to `originSeq` (never moves back). */
  ack(peer: string, originSeq: number): void {
    if (originSeq <= (this.acked.get(peer) ?? 0)) return;
    this.acked.set(peer, originSeq);
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.peers.includes(peer) && this.count(waiter) >= waiter.needed) {
        waiter.cancelTimer();
        waiter.resolve({ ok: true, acked: this.count(waiter) });
      } else {
        still.push(waiter);
      }
    }
    this.waiters = still;
  }

  /** Forgets a peer that left; its acks no longer count. */
  forget(peer: string): void {
    this.acked.delete(peer);
  }

  /** Resolves once `needed` of `peers` hold `originSeq`, or with ok=false after `timeoutMs`. */
  waitFor(originSeq: number, peers: readonly string[], needed: number, timeoutMs: number): Promise<AckWaitOutcome> {
    return new Promise((resolve) => {
      const waiter: Waiter = { originSeq, peers, needed, resolve, cancelTimer: () => undefined };
      const count = this.count(waiter);
      if (count >= needed) {
        resolve({ ok: true, acked: count });
        return;
      }
      waiter.cancelTimer = this.setTimer(timeoutMs, () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve({ ok: false, acked: this.count(waiter) });
      });
      this.waiters.push(waiter);
    });
  }

  waiting(): number {
    return this.waiters.length;
  }

  private count(waiter: Waiter): number {
    let n = 0;
    for (const peer of waiter.peers) if ((this.acked.get(peer) ?? 0) >= waiter.originSeq) n++;
    return n;
  }
}
