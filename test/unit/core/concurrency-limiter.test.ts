import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConcurrencyLimiter } from '../../../src/core/concurrency-limiter.js';
import { LimitExceededError } from '../../../src/core/errors.js';

test('runs at most maxActive tasks, queues up to maxWaiting, refuses beyond', async () => {
  const limiter = new ConcurrencyLimiter(2, 1);
  const gates: Array<() => void> = [];
  let running = 0;
  let peak = 0;
  const task = () =>
    limiter.run(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => gates.push(resolve));
      running--;
    });
  const first = [task(), task(), task()];
  await assert.rejects(task(), LimitExceededError);
  while (gates.length > 0 || running > 0) {
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(first);
  assert.equal(peak, 2);
  assert.equal(limiter.activeCount, 0);
});
