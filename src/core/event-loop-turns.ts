// Fair turns of the event loop for long CPU work (decoding, shaping, encoding large answers):
// one slice of work per loop iteration, in arrival order, with timers and I/O between slices.
// It never runs work itself and never delays a task that asked for no turn.

/**
 * A FIFO of tasks waiting for their next slice. With a plain setImmediate every waiting task
 * runs one slice in the same loop iteration, so with many large answers at once a /ping waits for
 * all of their slices; here each iteration runs a single slice, so it waits for one.
 */
export class EventLoopTurns {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  /** Resolves in a later loop iteration, once every task that asked before has had its turn. */
  next(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  /** Tasks waiting for a turn. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // An immediate queued while immediates run fires in the next loop iteration, after I/O.
    setImmediate(this.grant);
  }

  private readonly grant = (): void => {
    this.scheduled = false;
    const next = this.waiting.shift();
    if (this.waiting.length > 0) this.schedule();
    // The task's continuation runs as a microtask right after this callback: its slice.
    next?.();
  };
}

/** The process's one event loop, shared by every query: their slices take turns through it. */
export const eventLoopTurns = new EventLoopTurns();
