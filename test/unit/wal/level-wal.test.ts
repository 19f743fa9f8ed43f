import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassicLevel } from 'classic-level';
import { LimitExceededError, UnavailableError } from '../../../src/core/errors.js';
import { LevelWal } from '../../../src/core/wal/level-wal.js';
import { entryKey } from '../../../src/core/wal/wal-keys.js';
import { defaultWalOptions, WalGapError, WalTruncatedError, type DurableRecord, type HoldDropped, type WalOptions } from '../../../src/core/wal/wal-port.js';
import { makeEntry, makePoint, makeWrite, tempDir } from './fixtures.js';

const BIG = { maxEntries: 1_000_000, maxBytes: 1 << 30 };
type Patch = Partial<Omit<WalOptions, 'dir'>>;

async function withWal(
  t: { after: (fn: () => Promise<void>) => void },
  patch: Patch = {},
  nowMs?: () => number,
): Promise<{ wal: LevelWal; dir: string; reopen: (p?: Patch) => Promise<LevelWal> }> {
  const { dir, cleanup } = await tempDir();
  const opened: LevelWal[] = [];
  const make = async (p: Patch = {}): Promise<LevelWal> => {
    const wal = new LevelWal({ ...defaultWalOptions, syncOnAppend: false, ...patch, ...p, dir }, nowMs ? { nowMs } : {});
    opened.push(wal);
    await wal.open();
    return wal;
  };
  t.after(async () => {
    for (const wal of opened) await wal.close();
    await cleanup();
  });
  const wal = await make({});
  return { wal, dir, reopen: make };
}

test('local appends get consecutive seqs and originSeqs under this node origin, and read returns them in order', async (t) => {
  const { wal } = await withWal(t);
  assert.equal(wal.lastSeq(), 0);
  assert.match(wal.localOrigin, /^node-1~[0-9a-f]{8}$/);
  assert.deepEqual(await wal.read(0, BIG), []);
  for (let i = 1; i <= 10; i++) {
    const receipt = await wal.appendLocal(makeWrite(i));
    assert.equal(receipt.seq, i);
    assert.equal(receipt.originSeq, i);
    assert.equal(receipt.origin, wal.localOrigin);
  }
  assert.equal(wal.lastSeq(), 10);
  const records = await wal.read(1, BIG);
  assert.deepEqual(records.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  for (const r of records) {
    const { points, catalogIndex } = makeWrite(r.seq);
    assert.deepEqual(r.entry.points, points);
    assert.equal(r.entry.catalogIndex, catalogIndex);
    assert.equal(r.entry.originSeq, r.seq);
  }
  const versions = records.map((r) => r.entry.version);
  for (let i = 1; i < versions.length; i++) assert.ok(versions[i]! > versions[i - 1]!, 'versions increase with seq');
  assert.deepEqual((await wal.read(7, BIG)).map((r) => r.seq), [7, 8, 9, 10]);
  assert.deepEqual(await wal.read(11, BIG), []);
  assert.deepEqual([...wal.originWatermarks()], [[wal.localOrigin, 10]]);
});

test('concurrent local appends each land under the seq they were given, originSeqs without holes', async (t) => {
  const { wal } = await withWal(t);
  const receipts = await Promise.all(Array.from({ length: 40 }, (_, i) => wal.appendLocal(makeWrite(i + 1))));
  assert.deepEqual(receipts.map((r) => r.seq).sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i + 1));
  assert.deepEqual(receipts.map((r) => r.originSeq).sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i + 1));
  const bySeq = new Map((await wal.read(1, BIG)).map((r) => [r.seq, r.entry]));
  receipts.forEach((receipt, i) => assert.deepEqual(bySeq.get(receipt.seq)?.points, makeWrite(i + 1).points));
});

test('concurrent appends are group-committed into fewer LevelDB batches, each at most groupCommitMaxBatch', async (t) => {
  const { wal } = await withWal(t, { syncOnAppend: true, groupCommitMaxBatch: 8, groupCommitMaxDelayMs: 2 });
  await Promise.all(Array.from({ length: 64 }, (_, i) => wal.appendLocal(makeWrite(i + 1))));
  const stats = wal.stats();
  assert.equal(stats.itemsWritten, 64);
  assert.ok(stats.batchesWritten >= 8, `at least 64/8 batches, got ${stats.batchesWritten}`);
  assert.ok(stats.batchesWritten < 64, `expected batching, got ${stats.batchesWritten} batches for 64 appends`);
  assert.equal(stats.largestBatch, 8);
});

test('a lone writer is not delayed by groupCommitMaxDelayMs', async (t) => {
  const { wal } = await withWal(t, { groupCommitMaxDelayMs: 1000 });
  const started = performance.now();
  for (let i = 1; i <= 3; i++) await wal.appendLocal(makeWrite(i));
  // Lingering would take at least 3 × 1 s; three plain appends take milliseconds even on a loaded machine.
  assert.ok(performance.now() - started < 2_500, 'the appends lingered for company');
  assert.equal(wal.stats().batchesWritten, 3);
});

test('bigint timestamps round-trip exactly through disk, including negative and the int64 limits', async (t) => {
  const { wal, reopen } = await withWal(t);
  const times = [0n, -1n, -(2n ** 63n), 2n ** 63n - 1n, 1_700_000_000_123_456_789n, -86_400_000_000_000n, null];
  const points = times.map((ts, i) => makePoint(i, ts));
  await wal.appendLocal({ db: 'db', rp: 'rp', points, catalogIndex: 0 });
  await wal.close();
  const again = await reopen();
  const [record] = await again.read(1, BIG);
  assert.ok(record);
  assert.deepEqual(record.entry.points, points);
  assert.deepEqual(record.entry.points.map((p) => p.timeNs), times);
});

test('read honours maxEntries and maxBytes, but always returns at least one record', async (t) => {
  const { wal } = await withWal(t);
  for (let i = 1; i <= 20; i++) await wal.appendLocal(makeWrite(i, { points: 10 }));
  assert.deepEqual((await wal.read(1, { maxEntries: 5, maxBytes: 1 << 30 })).map((r) => r.seq), [1, 2, 3, 4, 5]);
  const one = await wal.read(3, { maxEntries: 100, maxBytes: 1 });
  assert.deepEqual(one.map((r) => r.seq), [3], 'an entry larger than maxBytes is still returned alone');
  const entryBytes = wal.stats().bytesWritten / 20;
  const some = await wal.read(1, { maxEntries: 100, maxBytes: Math.floor(entryBytes * 6.5) });
  assert.ok(some.length >= 5 && some.length <= 7, `~6 entries fit, got ${some.length}`);
  assert.deepEqual(some.map((r) => r.seq), Array.from({ length: some.length }, (_, i) => i + 1));
  const rest = await wal.read(some.length + 1, { maxEntries: 1000, maxBytes: 1 << 30 });
  assert.equal(some.length + rest.length, 20);
  await assert.rejects(wal.read(1, { maxEntries: 0, maxBytes: 10 }), /maxEntries/);
  await assert.rejects(wal.read(-1, BIG), /fromSeq/);
});

test('replicated entries are applied in order and once: a duplicate is acknowledged, a gap refused', async (t) => {
  const { wal, reopen } = await withWal(t);
  assert.deepEqual(await wal.appendReplicated(makeEntry(1, { origin: 'a~1', originSeq: 1 })), { kind: 'appended', seq: 1 });
  assert.deepEqual(await wal.appendReplicated(makeEntry(1, { origin: 'a~1', originSeq: 1 })), { kind: 'duplicate' });
  await assert.rejects(wal.appendReplicated(makeEntry(3, { origin: 'a~1', originSeq: 3 })), (e: unknown) => e instanceof WalGapError && e.watermark === 1 && e.received === 3 && e.status === 409);
  assert.deepEqual(await wal.appendReplicated(makeEntry(1, { origin: 'b~1', originSeq: 1 })), { kind: 'appended', seq: 2 }, 'origins are independent');
  assert.deepEqual(await wal.appendReplicated(makeEntry(2, { origin: 'a~1', originSeq: 2 })), { kind: 'appended', seq: 3 });
  await assert.rejects(wal.appendReplicated(makeEntry(1, { origin: wal.localOrigin, originSeq: 1 })), /this node's own/);

  // Two copies racing: one is written; the other resolves duplicate only once the first is durable.
  const [x, y] = await Promise.all([
    wal.appendReplicated(makeEntry(3, { origin: 'a~1', originSeq: 3 })),
    wal.appendReplicated(makeEntry(3, { origin: 'a~1', originSeq: 3 })),
  ]);
  assert.deepEqual([x, y], [{ kind: 'appended', seq: 4 }, { kind: 'duplicate' }]);
  assert.deepEqual([...wal.originWatermarks()].sort(), [['a~1', 3], ['b~1', 1]]);
  const origin = wal.localOrigin;
  await wal.close();
  const again = await reopen();
  assert.equal(again.localOrigin, origin, 'a clean stop keeps the origin');
  assert.deepEqual(await again.appendReplicated(makeEntry(3, { origin: 'a~1', originSeq: 3 })), { kind: 'duplicate' });
  assert.deepEqual(await again.appendReplicated(makeEntry(4, { origin: 'a~1', originSeq: 4 })), { kind: 'appended', seq: 5 });
});

test('a received version raises the local clock: later local writes order after it', async (t) => {
  const { wal } = await withWal(t, {}, () => 1_000);
  const future = (5_000_000n << 20n) + 7n;
  await wal.appendReplicated(makeEntry(1, { origin: 'a~1', originSeq: 1, version: future }));
  const receipt = await wal.appendLocal(makeWrite(2));
  assert.ok(receipt.version > future);
});

test('readOrigin returns one origin in originSeq order, bounded, and says when it is truncated', async (t) => {
  const { wal } = await withWal(t);
  for (let i = 1; i <= 6; i++) {
    await wal.appendReplicated(makeEntry(i, { origin: 'a~1', originSeq: i }));
    await wal.appendLocal(makeWrite(i));
  }
  const read = await wal.readOrigin('a~1', 2, BIG);
  assert.deepEqual(read.records.map((r) => r.entry.originSeq), [2, 3, 4, 5, 6]);
  assert.deepEqual(read.records.map((r) => r.seq), [3, 5, 7, 9, 11]);
  assert.equal(read.firstRetained, 1);
  assert.deepEqual((await wal.readOrigin(wal.localOrigin, 5, { maxEntries: 1, maxBytes: 1 << 20 })).records.map((r) => r.entry.originSeq), [5]);
  assert.deepEqual((await wal.readOrigin('a~1', 7, BIG)).records, [], 'nothing past the watermark yet');
  assert.deepEqual((await wal.readOrigin('never~1', 1, BIG)).records, []);

  await wal.setFlushedSeq(6);
  await wal.truncate();
  assert.equal(wal.firstRetained().get('a~1'), 4);
  await assert.rejects(wal.readOrigin('a~1', 3, BIG), (e: unknown) => e instanceof WalTruncatedError && e.firstRetained === 4 && e.status === 410);
  assert.deepEqual((await wal.readOrigin('a~1', 4, BIG)).records.map((r) => r.entry.originSeq), [4, 5, 6]);
  await wal.setFlushedSeq(12);
  await wal.truncate();
  assert.equal(wal.firstRetained().has('a~1'), false);
  await assert.rejects(wal.readOrigin('a~1', 6, BIG), WalTruncatedError);
  assert.deepEqual((await wal.readOrigin('a~1', 7, BIG)).records, []);
});

test('truncate stops at the flushed watermark and at every hold; holds survive a reopen', async (t) => {
  const { wal, reopen } = await withWal(t);
  for (let i = 1; i <= 10; i++) await wal.appendLocal(makeWrite(i));
  await wal.truncate();
  assert.equal((await wal.read(0, BIG)).length, 10, 'nothing flushed: nothing truncated');
  await wal.setHold('peer:n2', 3);
  await wal.setFlushedSeq(8);
  await wal.truncate();
  assert.deepEqual((await wal.read(0, BIG)).map((r) => r.seq), [4, 5, 6, 7, 8, 9, 10]);
  await wal.setHold('peer:n2', 9);
  await wal.truncate();
  assert.deepEqual((await wal.read(0, BIG)).map((r) => r.seq), [9, 10], 'the flushed watermark bounds it');
  await wal.truncate(); // idempotent
  await wal.close();
  const again = await reopen();
  assert.deepEqual([...again.holds()], [['peer:n2', 9]]);
  await again.setFlushedSeq(10);
  await again.truncate();
  assert.deepEqual((await again.read(0, BIG)).map((r) => r.seq), [10]);
  await again.removeHold('peer:n2');
  await again.truncate();
  assert.deepEqual(await again.read(0, BIG), []);
  assert.equal(again.lastSeq(), 10);
  assert.equal((await again.appendLocal(makeWrite(11))).seq, 11, 'a fully truncated log never reuses a seq');
});

test('a hold that would keep more than maxRetainedBytes is let go, and its owner is told', async (t) => {
  const maxRetainedBytes = 256 * 1024;
  const { wal } = await withWal(t, { maxPendingBytes: maxRetainedBytes, maxRetainedBytes });
  const dropped: HoldDropped[] = [];
  wal.onHoldDropped((d) => dropped.push(d));
  await wal.setHold('peer:slow', 0);
  for (let i = 1; i <= 200; i++) {
    await wal.appendLocal(makeWrite(i, { points: 20 }));
    await wal.setFlushedSeq(i);
    await wal.truncate();
  }
  assert.ok(wal.retainedBytes() <= maxRetainedBytes, `retained ${wal.retainedBytes()} bytes`);
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0]!.name, 'peer:slow');
  assert.equal(dropped[0]!.reason, 'size');
  assert.equal(wal.holds().has('peer:slow'), false);
});

test('a hold on entries older than maxRetainedAgeMs is let go', async (t) => {
  let now = 1_000_000;
  const { wal } = await withWal(t, { maxRetainedAgeMs: 60_000 }, () => now);
  const dropped: HoldDropped[] = [];
  wal.onHoldDropped((d) => dropped.push(d));
  await wal.setHold('peer:away', 0);
  for (let i = 1; i <= 5; i++) await wal.appendLocal(makeWrite(i));
  await wal.setFlushedSeq(5);
  await wal.truncate();
  assert.equal((await wal.read(0, BIG)).length, 5);
  now += 61_000;
  await wal.appendLocal(makeWrite(6));
  await wal.setFlushedSeq(6);
  await wal.truncate();
  assert.deepEqual((await wal.read(0, BIG)).map((r) => r.seq), [6]);
  assert.deepEqual(dropped.map((d) => [d.name, d.reason]), [['peer:away', 'age']]);
});

test('durable listeners see every entry once it is durable, in seq order, with its value', async (t) => {
  const { wal } = await withWal(t);
  const seen: DurableRecord[] = [];
  const unsubscribe = wal.onDurable((record) => seen.push(record));
  await Promise.all([wal.appendLocal(makeWrite(1)), wal.appendReplicated(makeEntry(2, { origin: 'x~1', originSeq: 1 })), wal.appendLocal(makeWrite(3))]);
  assert.deepEqual(seen.map((r) => r.seq), [1, 2, 3]);
  assert.equal(seen[1]!.entry.origin, 'x~1');
  assert.equal(seen[2]!.entry.originSeq, 2);
  assert.ok(Buffer.isBuffer(seen[0]!.value) && seen[0]!.value.length > 20);
  unsubscribe();
  await wal.appendLocal(makeWrite(4));
  assert.equal(seen.length, 3);
});

test('backpressure: appends past maxPendingBytes get a 503 and nothing is written; flushing makes room', async (t) => {
  const maxPendingBytes = 64 * 1024;
  const { wal } = await withWal(t, { maxPendingBytes });
  const write = makeWrite(1, { points: 40 });
  let accepted = 0;
  let refused: unknown;
  for (let i = 0; i < 1000 && refused === undefined; i++) {
    try {
      await wal.appendLocal(write);
      accepted++;
    } catch (error) {
      refused = error;
    }
  }
  assert.ok(refused instanceof LimitExceededError, `expected the bound to be hit after ${accepted} appends`);
  assert.equal(refused.status, 503);
  assert.match(refused.message, /would exceed max-pending-bytes 65536/);
  assert.ok(accepted > 1);
  assert.ok(wal.pendingBytes() <= maxPendingBytes);
  assert.equal(wal.lastSeq(), accepted, 'the refused append took no seq');

  const burst = await Promise.allSettled(Array.from({ length: 50 }, () => wal.appendLocal(write)));
  assert.ok(burst.every((r) => r.status === 'rejected' && r.reason instanceof LimitExceededError));

  // A refused replicated entry leaves no trace: the same (origin, originSeq) is accepted later.
  await assert.rejects(wal.appendReplicated(makeEntry(1, { points: 40, origin: 'peer~1', originSeq: 1 })), LimitExceededError);
  assert.equal(wal.originWatermarks().has('peer~1'), false);

  await wal.setFlushedSeq(wal.lastSeq());
  assert.equal(wal.pendingBytes(), 0);
  assert.equal((await wal.appendReplicated(makeEntry(1, { points: 40, origin: 'peer~1', originSeq: 1 }))).kind, 'appended');
  const afterFlush = await Promise.allSettled(Array.from({ length: 50 }, () => wal.appendLocal(write)));
  const ok = afterFlush.filter((r) => r.status === 'fulfilled').length;
  assert.ok(ok > 1 && ok < 50, `some of the burst fits, got ${ok}`);
  assert.ok(wal.pendingBytes() <= maxPendingBytes);
});

test('the flushed watermark is monotonic and never passes lastSeq (asserted)', async (t) => {
  const { wal } = await withWal(t);
  for (let i = 1; i <= 5; i++) await wal.appendLocal(makeWrite(i));
  await wal.setFlushedSeq(3);
  await wal.setFlushedSeq(3); // equal is a no-op
  await assert.rejects(wal.setFlushedSeq(2), /assertion failed: wal: flushed watermark must not decrease \(3 -> 2\)/);
  await assert.rejects(wal.setFlushedSeq(6), /past the last seq 5/);
  await Promise.all([wal.setFlushedSeq(4), wal.setFlushedSeq(5)]);
  assert.equal(wal.flushedSeq(), 5);
});

test('reopen recovers lastSeq, flushedSeq, origin watermarks, pending bytes and the version floor', async (t) => {
  let now = 50_000;
  const { wal, reopen } = await withWal(t, {}, () => now);
  for (let i = 1; i <= 3; i++) await wal.appendReplicated(makeEntry(i, { origin: 'odd~1', originSeq: i }));
  let lastVersion = 0n;
  for (let i = 4; i <= 6; i++) lastVersion = (await wal.appendLocal(makeWrite(i))).version;
  await wal.setFlushedSeq(4);
  const pending = wal.pendingBytes();
  assert.ok(pending > 0);
  const origin = wal.localOrigin;
  await wal.close();
  await wal.close(); // idempotent
  now = 10; // the wall clock went backwards
  const again = await reopen();
  assert.equal(again.lastSeq(), 6);
  assert.equal(again.flushedSeq(), 4);
  assert.equal(again.pendingBytes(), pending, 'entries 5 and 6 are still pending');
  assert.deepEqual([...again.originWatermarks()].sort(), [[origin, 3], ['odd~1', 3]]);
  const receipt = await again.appendLocal(makeWrite(7));
  assert.equal(receipt.seq, 7);
  assert.equal(receipt.originSeq, 4);
  assert.ok(receipt.version > lastVersion, 'versions never go backwards across a restart');
});

test('an unclean stop without fsync starts a new origin; with fsync the origin is kept', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const open = async (syncOnAppend: boolean): Promise<LevelWal> => {
    const wal = new LevelWal({ ...defaultWalOptions, syncOnAppend, dir });
    await wal.open();
    return wal;
  };
  const crash = async (wal: LevelWal): Promise<void> => {
    // Simulates a crash: the LevelDB handle closes without the clean-close mark.
    await (wal as unknown as { db: ClassicLevel<Buffer, Buffer> }).db.close();
  };
  const first = await open(false);
  await first.appendLocal(makeWrite(1));
  const firstOrigin = first.localOrigin;
  await crash(first);
  const second = await open(false);
  assert.notEqual(second.localOrigin, firstOrigin);
  assert.equal((await second.appendLocal(makeWrite(2))).originSeq, 1, 'a new origin numbers from 1');
  assert.equal(second.originWatermarks().get(firstOrigin), 1, 'the old origin stays a stream of its own');
  const secondOrigin = second.localOrigin;
  await crash(second);
  const third = await open(true);
  assert.equal(third.localOrigin, secondOrigin, 'with fsync an unclean stop keeps the origin');
  await third.close();
});

test('after a failed write the log refuses with a 503, reopens by itself and accepts again', async (t) => {
  const { wal } = await withWal(t, { recoveryDelayMs: 20 });
  await wal.appendLocal(makeWrite(1));
  const db = (wal as unknown as { db: ClassicLevel<Buffer, Buffer> }).db;
  const realBatch = db.batch.bind(db);
  let failures = 1;
  (db as unknown as { batch: typeof db.batch }).batch = ((...args: Parameters<typeof db.batch>) => {
    if (failures-- > 0) return Promise.reject(new Error('IO error: No space left on device'));
    return (realBatch as (...a: Parameters<typeof db.batch>) => ReturnType<typeof db.batch>)(...args);
  }) as typeof db.batch;
  await assert.rejects(wal.appendLocal(makeWrite(2)), (e: unknown) => e instanceof UnavailableError && /write failed \(no space left on device\)/.test(e.message));
  assert.match(wal.degraded() ?? '', /no space left/);
  await assert.rejects(wal.appendLocal(makeWrite(3)), UnavailableError);
  for (let i = 0; i < 100 && wal.degraded() !== null; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(wal.degraded(), null, 'recovered');
  const receipt = await wal.appendLocal(makeWrite(4));
  assert.deepEqual([receipt.seq, receipt.originSeq], [2, 2], 'the failed append left no hole');
  assert.equal(wal.stats().recoveries, 1);
});

test('a corrupted value is detected on read (CRC assert), not returned', async (t) => {
  const { wal, dir, reopen } = await withWal(t);
  for (let i = 1; i <= 3; i++) await wal.appendLocal(makeWrite(i));
  await wal.close();
  const raw = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await raw.open();
  const value = await raw.get(entryKey(2));
  assert.ok(value);
  const corrupt = Buffer.from(value);
  corrupt[corrupt.length - 5]! ^= 0x01;
  await raw.put(entryKey(2), corrupt);
  await raw.close();
  const again = await reopen();
  assert.equal((await again.read(1, { maxEntries: 1, maxBytes: 1 << 20 }))[0]?.seq, 1);
  await assert.rejects(again.read(1, BIG), /assertion failed: wal: CRC mismatch in entry 2/);
  assert.equal((await again.read(3, BIG))[0]?.seq, 3);
});

test('a value moved under another key is detected (the CRC covers the key)', async (t) => {
  const { wal, dir, reopen } = await withWal(t);
  for (let i = 1; i <= 2; i++) await wal.appendLocal(makeWrite(i));
  await wal.close();
  const raw = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await raw.open();
  const first = await raw.get(entryKey(1));
  assert.ok(first);
  await raw.put(entryKey(2), first);
  await raw.close();
  const again = await reopen();
  await assert.rejects(again.read(2, BIG), /CRC mismatch in entry 2/);
});

test('calls on a WAL that is not open are refused; open and close are idempotent', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const wal = new LevelWal({ ...defaultWalOptions, dir });
  await assert.rejects(wal.appendLocal(makeWrite(1)), UnavailableError);
  await Promise.all([wal.open(), wal.open()]);
  assert.equal((await wal.appendLocal(makeWrite(1))).seq, 1);
  const pendingAppend = wal.appendLocal(makeWrite(2));
  await Promise.all([wal.close(), wal.close()]);
  assert.equal((await pendingAppend).seq, 2, 'close writes what was queued');
  await assert.rejects(wal.appendLocal(makeWrite(3)), UnavailableError);
  await assert.rejects(wal.open(), /open after close/);
  assert.throws(() => new LevelWal({ ...defaultWalOptions, dir: '' }), /dir/);
  assert.throws(() => new LevelWal({ ...defaultWalOptions, dir, nodeId: 'a b' }), /nodeId/);
});

test('adopted watermarks continue an origin after a full copy, never lower it, and survive a reopen', async (t) => {
  const { wal, reopen } = await withWal(t);
  await wal.appendReplicated(makeEntry(1, { origin: 'a~1', originSeq: 1 }));
  await wal.adoptWatermarks(new Map([['a~1', 50], ['b~1', 7]]));
  await wal.adoptWatermarks(new Map([['a~1', 10]]));
  assert.deepEqual([...wal.originWatermarks()].sort(), [['a~1', 50], ['b~1', 7]]);
  assert.deepEqual(await wal.appendReplicated(makeEntry(50, { origin: 'a~1', originSeq: 50 })), { kind: 'duplicate' });
  await assert.rejects(wal.appendReplicated(makeEntry(52, { origin: 'a~1', originSeq: 52 })), WalGapError);
  assert.equal((await wal.appendReplicated(makeEntry(51, { origin: 'a~1', originSeq: 51 }))).kind, 'appended');
  await assert.rejects(wal.readOrigin('b~1', 3, BIG), WalTruncatedError, 'adopted entries are not held as entries');
  await assert.rejects(wal.adoptWatermarks(new Map([[wal.localOrigin, 3]])), /this node's own/);
  await wal.close();
  const again = await reopen();
  assert.equal(again.originWatermarks().get('b~1'), 7);
  assert.equal((await again.appendReplicated(makeEntry(8, { origin: 'b~1', originSeq: 8 }))).kind, 'appended');
});

test('a shipped value is stored as it is, resealed under this log\'s key, and reads back as the entry', async (t) => {
  const source = await withWal(t);
  const target = await withWal(t);
  await source.wal.appendLocal(makeWrite(1));
  const [shipped] = (await source.wal.readOrigin(source.wal.localOrigin, 1, BIG)).records;
  assert.ok(shipped);
  await target.wal.appendLocal(makeWrite(9)); // this log's seq 1: the shipped value lands under seq 2
  const original = Buffer.from(shipped.value);
  assert.deepEqual(await target.wal.appendReplicated(shipped.entry, shipped.value), { kind: 'appended', seq: 2 });
  assert.deepEqual(shipped.value, original, 'the caller\'s buffer is left as it was');
  const [stored] = await target.wal.read(2, BIG);
  assert.deepEqual(stored?.entry, shipped.entry);
});
