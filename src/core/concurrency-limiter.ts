// A counting semaphore with a bounded wait queue: beyond it, callers are refused, never queued.
// Used to cap concurrent queries; it knows nothing about what it guards.

import { LimitExceededError } from './errors.js';

export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly maxActive: number,
    private readonly maxWaiting: number,
    private readonly refusal = 'max-concurrent-queries limit exceeded',
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.maxActive) {
      if (this.waiting.length >= this.maxWaiting) {
        throw new LimitExceededError(this.refusal, 503);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  get activeCount(): number {
    return this.active;
  }
}
