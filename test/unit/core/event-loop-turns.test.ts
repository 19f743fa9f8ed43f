// EventLoopTurns: tasks waiting for a turn get one slice per event-loop iteration, in the order
// they asked, with timers and I/O between slices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventLoopTurns } from '../../../src/core/event-loop-turns.js';

test('turns are granted one per loop iteration, first come first served', async () => {
  const turns = new EventLoopTurns();
  const order: string[] = [];
  const worker = async (name: string, slices: number): Promise<void> => {
    for (let i = 0; i < slices; i++) {
      await turns.next();
      order.push(`${name}${i}`);
    }
  };
  await Promise.all([worker('a', 3), worker('b', 3), worker('c', 2)]);
  assert.deepEqual(order, ['a0', 'b0', 'c0', 'a1', 'b1', 'c1', 'a2', 'b2']);
  assert.equal(turns.waitingCount, 0);
});

test('a timer due between slices runs before the next slice, however many tasks wait', async () => {
  const turns = new EventLoopTurns();
  const events: string[] = [];
  const spin = (ms: number): void => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };
  const workers = Array.from({ length: 8 }, async (_, w) => {
    for (let i = 0; i < 4; i++) {
      await turns.next();
      // The first slice arms a timer that is due before the slice ends.
      if (w === 0 && i === 0) setTimeout(() => events.push('timer'), 0);
      spin(2);
      events.push(`w${w}`);
    }
  });
  await Promise.all(workers);
  // With setImmediate alone the seven other workers would each run a slice before the timer.
  const timerAt = events.indexOf('timer');
  assert.equal(timerAt, 1, `the timer waited for ${timerAt} slices: ${events.join(' ')}`);
});
