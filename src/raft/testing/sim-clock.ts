// Virtual time for the simulator: a binary-heap event queue ordered by (time, insertion sequence).
// Must never consult real time: the order of events is a pure function of what was scheduled.

interface Scheduled<E> {
  readonly atMs: number;
  readonly seq: number;
  readonly event: E;
}

export class SimClock<E> {
  private heap: Scheduled<E>[] = [];
  private seq = 0;
  private now = 0;

  constructor(private readonly maxQueued: number) {}

  nowMs(): number {
    return this.now;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Schedules `event` `delayMs` from now; returns false (and drops it) when the queue is full. */
  schedule(delayMs: number, event: E): boolean {
    if (this.heap.length >= this.maxQueued) return false;
    const item = { atMs: this.now + Math.max(0, delayMs), seq: this.seq++, event };
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(item, h[p] as Scheduled<E>)) break;
      h[i] = h[p] as Scheduled<E>;
      i = p;
    }
    h[i] = item;
    return true;
  }

  /** Removes the earliest event and advances time to it. */
  next(): E | null {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return null;
    const last = h.pop() as Scheduled<E>;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && before(h[r] as Scheduled<E>, h[l] as Scheduled<E>) ? r : l;
        if (!before(h[c] as Scheduled<E>, last)) break;
        h[i] = h[c] as Scheduled<E>;
        i = c;
      }
      h[i] = last;
    }
    this.now = top.atMs;
    return top.event;
  }
}

function before<E>(a: Scheduled<E>, b: Scheduled<E>): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
