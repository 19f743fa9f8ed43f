// MemoryRelease: memory is released once per quiet spell after the flush caught up, never while
// writes arrive or while the flush is behind; exposeGc hands back a working gc().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exposeGc, MemoryRelease } from '../../../src/core/memory-release.js';

/** A hand-driven clock: timers fire when advance() passes them. */
function manualClock() {
  let now = 0;
  let timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  return {
    monotonicMs: () => now,
    setTimer(delayMs: number, fn: () => void) {
      const timer = { at: now + delayMs, fn, live: true };
      timers.push(timer);
      return () => void (timer.live = false);
    },
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.live && t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        now = due.at;
        due.live = false;
        due.fn();
      }
      timers = timers.filter((t) => t.live);
      now = until;
    },
    pending: () => timers.filter((t) => t.live).length,
  };
}

function setup(quietMs = 1000, minIntervalMs = 0) {
  const clock = manualClock();
  let flushedAll = true;
  let releases = 0;
  const release = new MemoryRelease(
    { quietMs, minIntervalMs },
    { monotonicMs: clock.monotonicMs, setTimer: clock.setTimer, flushedAll: () => flushedAll, release: async () => void releases++ },
  );
  return { clock, release, releases: () => releases, setFlushedAll: (v: boolean) => (flushedAll = v) };
}

test('memory is released once the flush caught up and no write came for the quiet period', () => {
  const { clock, release, releases } = setup();
  release.wrote();
  release.caughtUp();
  clock.advance(999);
  assert.equal(releases(), 0);
  clock.advance(1);
  assert.equal(releases(), 1);
});

test('writes during the quiet period push the release back to a full quiet period after the last one', () => {
  const { clock, release, releases } = setup();
  release.wrote();
  release.caughtUp();
  clock.advance(600);
  release.wrote();
  release.caughtUp();
  clock.advance(600);
  assert.equal(releases(), 0, 'only 600 ms since the last write');
  clock.advance(399);
  assert.equal(releases(), 0);
  clock.advance(1);
  assert.equal(releases(), 1);
});

test('an idle process releases once, not at every catch-up', async () => {
  const { clock, release, releases } = setup();
  release.wrote();
  release.caughtUp();
  clock.advance(5000);
  await new Promise((r) => setImmediate(r)); // the release settles
  release.caughtUp();
  clock.advance(5000);
  assert.equal(releases(), 1);
  assert.equal(clock.pending(), 0);
  release.wrote();
  release.caughtUp();
  clock.advance(1000);
  assert.equal(releases(), 2);
});

test('releases come at most once per minimum interval, however often a quiet spell follows a write', async () => {
  const { clock, release, releases } = setup(1000, 60_000);
  for (let batch = 0; batch < 12; batch++) {
    release.wrote();
    release.caughtUp();
    clock.advance(10_000);
    await new Promise((r) => setImmediate(r)); // a release settles
  }
  // 120 s of a write every 10 s: the first quiet spell (1 s), then one 60 s later.
  assert.equal(releases(), 2);
  clock.advance(60_000);
  assert.equal(releases(), 3, 'the writes since the last release are released once the interval has passed');
  clock.advance(120_000);
  assert.equal(releases(), 3);
});

test('no release while the flush is behind; the next catch-up arms it again', () => {
  const { clock, release, releases, setFlushedAll } = setup();
  release.wrote();
  release.caughtUp();
  setFlushedAll(false);
  clock.advance(2000);
  assert.equal(releases(), 0);
  setFlushedAll(true);
  release.caughtUp();
  clock.advance(1000);
  assert.equal(releases(), 1);
});

test('stop cancels a pending release', async () => {
  const { clock, release, releases } = setup();
  release.wrote();
  release.caughtUp();
  await release.stop();
  clock.advance(5000);
  assert.equal(releases(), 0);
  release.wrote();
  release.caughtUp();
  clock.advance(5000);
  assert.equal(releases(), 0);
});

test('a quiet period must be positive', () => {
  assert.throws(() => setup(0), /idle_release_delay/);
});

test('exposeGc returns V8 gc(), which collects unreachable objects', async () => {
  const gc = exposeGc();
  let collected = false;
  const registry = new FinalizationRegistry(() => (collected = true));
  (() => registry.register({ big: new Array(1000).fill(1) }, 'x'))();
  for (let i = 0; i < 10 && !collected; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(collected, true);
});
