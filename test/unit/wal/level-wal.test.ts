import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassicLevel } from 'classic-level';
import { LimitExceededError, UnavailableError } from '../../../src/core/errors.js';
import { LevelWal } from '../../../src/core/wal/level-wal.js';
import { entryKey } from '../../../src/core/wal/wal-keys.js';
import { defaultWalOptions, type WalEntry, type WalOptions } from '../../../src/core/wal/wal-port.js';
import { makeEntry, makePoint, tempDir } from './fixtures.js';

const BIG = { maxEntries: 1_000_000, maxBytes: 1 << 30 };

async function withWal(
  t: { after: (fn: () => Promise<void>) => void },
  patch: Partial<Omit<WalOptions, 'dir'>> = {},
): Promise<{ wal: LevelWal; dir: string; reopen: (p?: Partial<Omit<WalOptions, 'dir'>>) => Promise<LevelWal> }> {
  const { dir, cleanup } = await tempDir();
  const opened: LevelWal[] = [];
  const make = async (p: Partial<Omit<WalOptions, 'dir'>> = {}): Promise<LevelWal> => {
    const wal = new LevelWal({ ...defaultWalOptions, syncOnAppend: false, ...patch, ...p, dir });
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

test('appends get consecutive seqs and read returns them in order, unchanged', async (t) => {
  const { wal } = await withWal(t);
  assert.equal(wal.lastSeq(), 0);
  assert.deepEqual(await wal.read(0, BIG), []);
  for (let i = 1; i <= 10; i++) assert.equal(await wal.append(makeEntry(i)), i);
  assert.equal(wal.lastSeq(), 10);
  const records = await wal.read(1, BIG);
  assert.deepEqual(records.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  for (const r of records) assert.deepEqual(r.entry, makeEntry(r.seq));
  assert.deepEqual((await wal.read(7, BIG)).map((r) => r.seq), [7, 8, 9, 10]);
  assert.deepEqual(await wal.read(11, BIG), []);
});

test('concurrent appends each land under the seq they were given', async (t) => {
  const { wal } = await withWal(t);
  const seqs = await Promise.all(Array.from({ length: 40 }, (_, i) => wal.append(makeEntry(i + 1))));
  assert.deepEqual([...seqs].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i + 1));
  const bySeq = new Map((await wal.read(1, BIG)).map((r) => [r.seq, r.entry]));
  seqs.forEach((seq, i) => assert.deepEqual(bySeq.get(seq), makeEntry(i + 1)));
});

test('concurrent appends are group-committed into fewer LevelDB batches, each at most groupCommitMaxBatch', async (t) => {
  const { wal } = await withWal(t, { syncOnAppend: true, groupCommitMaxBatch: 8, groupCommitMaxDelayMs: 2 });
  await Promise.all(Array.from({ length: 64 }, (_, i) => wal.append(makeEntry(i + 1))));
  const stats = wal.stats();
  assert.equal(stats.itemsWritten, 64);
  assert.ok(stats.batchesWritten >= 8, `at least 64/8 batches, got ${stats.batchesWritten}`);
  assert.ok(stats.batchesWritten < 64, `expected batching, got ${stats.batchesWritten} batches for 64 appends`);
  assert.equal(stats.largestBatch, 8);
});

test('a lone writer is not delayed by groupCommitMaxDelayMs', async (t) => {
  const { wal } = await withWal(t, { groupCommitMaxDelayMs: 1000 });
  const started = performance.now();
  for (let i = 1; i <= 3; i++) await wal.append(makeEntry(i));
  // Lingering would take at least 3 × 1 s; three plain appends take milliseconds even on a loaded machine.
  assert.ok(performance.now() - started < 2_500, 'the appends lingered for company');
  assert.equal(wal.stats().batchesWritten, 3);
});

test('bigint timestamps round-trip exactly through disk, including negative and the int64 limits', async (t) => {
  const { wal, reopen } = await withWal(t);
  const times = [0n, -1n, -(2n ** 63n), 2n ** 63n - 1n, 1_700_000_000_123_456_789n, -86_400_000_000_000n, null];
  const entry: WalEntry = { db: 'db', rp: 'rp', origin: 'n', originSeq: 1, points: times.map((ts, i) => makePoint(i, ts)) };
  await wal.append(entry);
  await wal.close();
  const again = await reopen();
  const [record] = await again.read(1, BIG);
  assert.ok(record);
  assert.deepEqual(record.entry, entry);
  assert.deepEqual(record.entry.points.map((p) => p.timeNs), times);
});

test('read honours maxEntries and maxBytes, but always returns at least one record', async (t) => {
  const { wal } = await withWal(t);
  for (let i = 1; i <= 20; i++) await wal.append(makeEntry(i, { points: 10 }));
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

test('truncateThrough deletes through the flushed watermark and never past it', async (t) => {
  const { wal } = await withWal(t);
  for (let i = 1; i <= 10; i++) await wal.append(makeEntry(i));
  await assert.rejects(wal.truncateThrough(1), /would drop unflushed entries/);
  await wal.setFlushedSeq(6);
  await wal.truncateThrough(6);
  assert.deepEqual((await wal.read(0, BIG)).map((r) => r.seq), [7, 8, 9, 10]);
  await assert.rejects(wal.truncateThrough(7), /would drop unflushed entries \(flushed 6\)/);
  await wal.truncateThrough(6); // idempotent
  assert.equal(wal.lastSeq(), 10);
});

test('the flushed watermark is monotonic and never passes lastSeq (asserted)', async (t) => {
  const { wal } = await withWal(t);
  for (let i = 1; i <= 5; i++) await wal.append(makeEntry(i));
  await wal.setFlushedSeq(3);
  await wal.setFlushedSeq(3); // equal is a no-op
  await assert.rejects(wal.setFlushedSeq(2), /assertion failed: wal: flushed watermark must not decrease \(3 -> 2\)/);
  await assert.rejects(wal.setFlushedSeq(6), /past the last seq 5/);
  // Concurrent raises persist in call order: the highest one wins.
  await Promise.all([wal.setFlushedSeq(4), wal.setFlushedSeq(5)]);
  assert.equal(wal.flushedSeq(), 5);
});

test('reopen recovers lastSeq, flushedSeq, origin watermarks and pending bytes', async (t) => {
  const { wal, reopen } = await withWal(t);
  for (let i = 1; i <= 6; i++) await wal.append(makeEntry(i, { origin: i % 2 === 0 ? 'even' : 'odd', originSeq: i * 10 }));
  await wal.setFlushedSeq(4);
  const pending = wal.pendingBytes();
  assert.ok(pending > 0);
  await wal.close();
  await wal.close(); // idempotent
  const again = await reopen();
  assert.equal(again.lastSeq(), 6);
  assert.equal(again.flushedSeq(), 4);
  assert.equal(again.pendingBytes(), pending, 'entries 5 and 6 are still pending');
  assert.deepEqual([...again.originWatermarks()].sort(), [['even', 60], ['odd', 50]]);
  assert.equal(await again.append(makeEntry(7)), 7);
});

test('a fully truncated log never reuses a seq after reopen', async (t) => {
  const { wal, reopen } = await withWal(t);
  for (let i = 1; i <= 4; i++) await wal.append(makeEntry(i));
  await wal.setFlushedSeq(4);
  await wal.truncateThrough(4);
  assert.equal(wal.pendingBytes(), 0);
  await wal.close();
  const again = await reopen();
  assert.equal(again.lastSeq(), 4);
  assert.equal(await again.append(makeEntry(5)), 5);
});

test('appendIfNew writes each (origin, originSeq) once, also across reopen', async (t) => {
  const { wal, reopen } = await withWal(t);
  assert.equal(await wal.appendIfNew(makeEntry(1, { origin: 'a', originSeq: 1 })), 1);
  assert.equal(await wal.appendIfNew(makeEntry(1, { origin: 'a', originSeq: 1 })), null);
  assert.equal(await wal.appendIfNew(makeEntry(0, { origin: 'a', originSeq: 0 })), null, 'below the watermark');
  assert.equal(await wal.appendIfNew(makeEntry(1, { origin: 'b', originSeq: 1 })), 2, 'origins are independent');
  assert.equal(await wal.appendIfNew(makeEntry(2, { origin: 'a', originSeq: 2 })), 3);
  assert.equal(wal.lastSeq(), 3);
  assert.deepEqual([...wal.originWatermarks()].sort(), [['a', 2], ['b', 1]]);

  // Two copies racing: one is written; the other resolves null only once the first is durable.
  const [x, y] = await Promise.all([
    wal.appendIfNew(makeEntry(5, { origin: 'a', originSeq: 5 })),
    wal.appendIfNew(makeEntry(5, { origin: 'a', originSeq: 5 })),
  ]);
  assert.deepEqual([x, y], [4, null]);
  assert.equal(wal.originWatermarks().get('a'), 5);

  // A plain append raises the watermark too, and never lowers it.
  await wal.append(makeEntry(6, { origin: 'a', originSeq: 3 }));
  assert.equal(wal.originWatermarks().get('a'), 5);
  await wal.close();
  const again = await reopen();
  assert.equal(await again.appendIfNew(makeEntry(5, { origin: 'a', originSeq: 5 })), null);
  assert.equal(await again.appendIfNew(makeEntry(6, { origin: 'a', originSeq: 6 })), 6);
  assert.equal(again.lastSeq(), 6);
});

test('backpressure: appends past maxPendingBytes get a 503 and nothing is written; flushing makes room', async (t) => {
  const maxPendingBytes = 64 * 1024;
  const { wal } = await withWal(t, { maxPendingBytes });
  const entry = makeEntry(1, { points: 40 });
  let accepted = 0;
  let refused: unknown;
  for (let i = 0; i < 1000 && refused === undefined; i++) {
    try {
      await wal.append(entry);
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

  // A concurrent burst: every admitted append is written, the rest refused, the bound holds.
  const burst = await Promise.allSettled(Array.from({ length: 50 }, () => wal.append(entry)));
  assert.ok(burst.every((r) => r.status === 'rejected' && r.reason instanceof LimitExceededError));

  // A refused appendIfNew leaves no trace: the same (origin, originSeq) is accepted later.
  await assert.rejects(wal.appendIfNew(makeEntry(1, { points: 40, origin: 'peer', originSeq: 7 })), LimitExceededError);
  assert.equal(wal.originWatermarks().has('peer'), false);

  await wal.setFlushedSeq(wal.lastSeq());
  assert.equal(wal.pendingBytes(), 0);
  assert.equal(typeof (await wal.appendIfNew(makeEntry(1, { points: 40, origin: 'peer', originSeq: 7 }))), 'number');
  const afterFlush = await Promise.allSettled(Array.from({ length: 50 }, () => wal.append(entry)));
  const ok = afterFlush.filter((r) => r.status === 'fulfilled').length;
  assert.ok(ok > 1 && ok < 50, `some of the burst fits, got ${ok}`);
  assert.ok(wal.pendingBytes() <= maxPendingBytes);
});

test('a corrupted value is detected on read (CRC assert), not returned', async (t) => {
  const { wal, dir, reopen } = await withWal(t);
  for (let i = 1; i <= 3; i++) await wal.append(makeEntry(i));
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
  for (let i = 1; i <= 2; i++) await wal.append(makeEntry(i));
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
  await assert.rejects(wal.append(makeEntry(1)), UnavailableError);
  await Promise.all([wal.open(), wal.open()]);
  assert.equal(await wal.append(makeEntry(1)), 1);
  const pendingAppend = wal.append(makeEntry(2));
  await Promise.all([wal.close(), wal.close()]);
  assert.equal(await pendingAppend, 2, 'close writes what was queued');
  await assert.rejects(wal.append(makeEntry(3)), UnavailableError);
  await assert.rejects(wal.open(), /open after close/);
  assert.throws(() => new LevelWal({ ...defaultWalOptions, dir: '' }), /dir/);
});
