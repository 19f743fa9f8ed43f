// Background loads of in-memory indexes (last values, tag values), one measurement at a time:
// at most one load per key, runs one after another, and at most `maxQueued` waiting. A load
// that fails is reported to its own handler and never stops the ones after it.

export interface QueuedLoad {
  readonly run: () => Promise<void>;
  readonly failed: (error: unknown) => void;
}

export class SerialLoadQueue {
  private readonly pending = new Map<string, Promise<void>>();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly maxQueued: number) {}

  /**
   * The load already queued under `key`, or the one `prepare` gives (called only when there is
   * room); undefined when the queue is full or `prepare` declines.
   */
  enqueue(key: string, prepare: () => QueuedLoad | undefined): Promise<void> | undefined {
    const waiting = this.pending.get(key);
    if (waiting !== undefined) return waiting;
    if (this.pending.size >= this.maxQueued) return undefined;
    const load = prepare();
    if (load === undefined) return undefined;
    const run = this.chain
      .then(load.run)
      .catch(load.failed)
      .finally(() => this.pending.delete(key));
    this.pending.set(key, run);
    this.chain = run;
    return run;
  }

  /** Loads queued or running. */
  get size(): number {
    return this.pending.size;
  }

  /** Waits for every queued load (tests, shutdown). */
  async settled(): Promise<void> {
    await this.chain;
  }
}
