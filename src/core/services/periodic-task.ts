// Runs one task every interval, never two at once: the next run is scheduled only after the
// previous one settled. stop() cancels the timer and waits for a run in progress; a run checks
// `stopping` to end early. Shared by the background services (retention, continuous queries).

import type { Logger } from 'pino';
import type { Clock } from '../clock.js';

export class PeriodicTask {
  private cancelTimer: (() => void) | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = true;
  /** True from stop() on: a long run checks it between steps. */
  stopping = false;

  constructor(
    private readonly intervalMs: number,
    private readonly run: () => Promise<void>,
    private readonly deps: { readonly clock: Clock; readonly log: Logger; readonly failure: string },
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancelTimer = this.deps.clock.setTimer(this.intervalMs, () => {
      this.cancelTimer = null;
      this.running = this.run()
        .catch((error: unknown) => this.deps.log.error({ err: error }, this.deps.failure))
        .finally(() => this.schedule());
    });
  }
}
