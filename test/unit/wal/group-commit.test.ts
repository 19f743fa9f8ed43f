import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommitter, type GroupCommitOptions, type GroupCommitTimer } from '../../../src/core/wal/group-commit.js';
import { LimitExceededError, UnavailableError } from '../../../src/core/errors.js';

/** A writer whose batches complete only when the test says so. */
class ManualWriter {
  readonly batches: string[][] = [];
  private readonly finishers: Array<(ok: boolean) => void> = [];
  private nextSeq = 1;
  readonly write = (batch: readonly string[]): Promise<number> => {
    this.batches.push([...batch]);
    return new Promise((resolve, reject) => {
      this.finishers.push((ok) => {
        if (!ok) return reject(new Error('disk on fire'));
        const first = this.nextSeq;
        this.nextSeq += batch.length;
        resolve(first);
      });
    });
  };
  finish(ok = true): void {
    const f = this.finishers.shift();
    assert.ok(f, 'no batch in flight');
    f(ok);
  }
  get inFlight(): number {
    return this.finishers.length;
  }
}

/** A timer the test advances by hand. */
class ManualTimer implements GroupCommitTimer {
  now = 0;
  timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  nowMs(): number {
    return this.now;
  }
  setTimer(delayMs: number, fn: () => void): () => void {
    const t = { at: this.now + delayMs, fn, live: true };
    this.timers.push(t);
    return () => {
      t.live = false;
    };
  }
  advance(ms: number): void {
    this.now += ms;
    for (const t of this.timers) {
      if (t.live && t.at <= this.now) {
        t.live = false;
        t.fn();
      }
    }
  }
  get live(): number {
    return this.timers.filter((t) => t.live).length;
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const opts = (o: Partial<GroupCommitOptions> = {}): GroupCommitOptions => ({ maxBatch: 100, maxDelayMs: 5, maxPendingBytes: 1000, initialPendingBytes: 0, ...o });

test('a lone writer on an idle log is written at once, with no timer', async () => {
  const w = new ManualWriter();
  const timer = new ManualTimer();
  const gc = new GroupCommitter(opts({ maxDelayMs: 1000 }), w.write, timer);
  const seq = gc.submit('a', 10);
  await tick();
  assert.deepEqual(w.batches, [['a']]);
  assert.equal(timer.live, 0);
  w.finish();
  assert.equal(await seq, 1);
});

test('appends arriving while a batch is written form the next batch, one batch in flight at a time', async () => {
  const w = new ManualWriter();
  const gc = new GroupCommitter(opts({ maxDelayMs: 0 }), w.write, new ManualTimer());
  const first = gc.submit('a', 1);
  assert.deepEqual(w.batches, [['a']], 'written synchronously: the caller overlaps its next work with the write');
  const second = [gc.submit('b', 1), gc.submit('c', 1), gc.submit('d', 1)];
  await tick();
  assert.equal(w.batches.length, 1, 'one batch in flight at a time');
  w.finish();
  assert.equal(await first, 1);
  await tick();
  assert.deepEqual(w.batches[1], ['b', 'c', 'd']);
  w.finish();
  assert.deepEqual(await Promise.all(second), [2, 3, 4]);
  assert.deepEqual(gc.stats(), { batchesWritten: 2, itemsWritten: 4, largestBatch: 3 });
});

test('entries that queued behind a busy log linger up to maxDelayMs for companions', async () => {
  const w = new ManualWriter();
  const timer = new ManualTimer();
  const gc = new GroupCommitter(opts({ maxDelayMs: 5 }), w.write, timer);
  void gc.submit('a', 1);
  await tick();
  timer.now = 1;
  void gc.submit('b', 1); // waits behind 'a'
  w.finish();
  await tick();
  assert.equal(w.batches.length, 1, 'b lingers');
  assert.equal(timer.live, 1);
  void gc.submit('c', 1);
  timer.advance(4); // b enqueued at 1, linger ends at 6 > 5
  assert.equal(w.batches.length, 1);
  timer.advance(1);
  assert.deepEqual(w.batches[1], ['b', 'c']);
  w.finish();
  await tick();
});

test('a linger ends early when the batch fills, and batches never exceed maxBatch', async () => {
  const w = new ManualWriter();
  const timer = new ManualTimer();
  const gc = new GroupCommitter(opts({ maxBatch: 3, maxDelayMs: 50 }), w.write, timer);
  void gc.submit('a', 1);
  await tick();
  void gc.submit('b', 1);
  w.finish();
  await tick();
  assert.equal(timer.live, 1);
  void gc.submit('c', 1);
  void gc.submit('d', 1); // third entry: the batch is full
  assert.deepEqual(w.batches[1], ['b', 'c', 'd']);
  assert.equal(timer.live, 0);
  for (const x of ['e', 'f', 'g', 'h', 'i', 'j', 'k']) void gc.submit(x, 1);
  w.finish();
  await tick();
  assert.deepEqual(w.batches[2], ['e', 'f', 'g']);
  w.finish();
  await tick();
  assert.deepEqual(w.batches[3], ['h', 'i', 'j']);
  w.finish();
  await tick();
  timer.advance(50);
  assert.deepEqual(w.batches[4], ['k']);
  w.finish();
  await tick();
  assert.ok(w.batches.every((b) => b.length <= 3));
  assert.equal(gc.stats().largestBatch, 3);
});

test('the pending-bytes bound is hit: a 503 LimitExceededError, thrown before anything is queued', async () => {
  const w = new ManualWriter();
  const gc = new GroupCommitter(opts({ maxPendingBytes: 100, initialPendingBytes: 30, maxDelayMs: 0 }), w.write, new ManualTimer());
  void gc.submit('a', 60);
  assert.equal(gc.pendingBytes(), 90);
  let caught: unknown;
  try {
    void gc.submit('b', 11);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof LimitExceededError);
  assert.equal(caught.status, 503);
  assert.match(caught.message, /90 bytes pending flush \+ 11 would exceed max-pending-bytes 100/);
  assert.equal(gc.queuedItems(), 0, "the refused item was not queued ('a' is in flight)");
  void gc.submit('c', 10); // exactly at the bound is allowed
  assert.equal(gc.pendingBytes(), 100);
  w.finish();
  await tick();
  w.finish();
  await tick();
  assert.equal(gc.pendingBytes(), 100, 'written is not flushed');
  gc.release(60);
  void gc.submit('d', 11);
  assert.equal(gc.pendingBytes(), 51);
  assert.throws(() => gc.release(1000), /release 1000 of 51/);
});

test('a failed write rejects its batch and the queue with a 503, refuses appends from then on, and reports once', async () => {
  const w = new ManualWriter();
  const failures: Error[] = [];
  const gc = new GroupCommitter(opts(), w.write, new ManualTimer(), (failure) => failures.push(failure));
  const a = gc.submit('a', 1);
  await tick();
  const b = gc.submit('b', 1);
  w.finish(false);
  await assert.rejects(a, (e: unknown) => e instanceof UnavailableError && e.status === 503 && /write failed \(I\/O error\)/.test(e.message) && /disk on fire/.test(String((e as Error & { cause?: Error }).cause?.message)));
  await assert.rejects(b, UnavailableError);
  assert.throws(() => gc.submit('c', 1), UnavailableError);
  assert.equal(failures.length, 1);
  assert.equal(gc.failed(), failures[0]);
  await gc.close();
});

test('close writes what is queued, then refuses; a second close joins', async () => {
  const w = new ManualWriter();
  const timer = new ManualTimer();
  const gc = new GroupCommitter(opts({ maxDelayMs: 100 }), w.write, timer);
  const a = gc.submit('a', 1);
  await tick();
  const b = gc.submit('b', 1);
  w.finish();
  await tick();
  assert.equal(timer.live, 1, 'b lingers');
  let closed = false;
  const closing = gc.close().then(() => (closed = true));
  assert.deepEqual(w.batches[1], ['b'], 'close ends the linger');
  assert.throws(() => gc.submit('c', 1), UnavailableError);
  await tick();
  assert.equal(closed, false);
  w.finish();
  await closing;
  await gc.close();
  assert.deepEqual([await a, await b], [1, 2]);
});
