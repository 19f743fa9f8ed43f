// The flush encoder thread: it reports its heap after a round, collects its garbage when released
// between bursts (the heap it reports shrinks), and encodes again afterwards.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlushEncoder } from '../../../src/core/flush/flush-encoder.js';
import { WalEntryCodec } from '../../../src/core/wal/entry-codec.js';
import { entryKey } from '../../../src/core/wal/wal-keys.js';
import type { Point } from '../../../src/core/model/point.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-flush-encoder-'));
const encoder = new FlushEncoder(dir);
after(async () => {
  await encoder.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** One sealed WAL value of `count` points of ten float fields. */
function sealedValue(seq: number, count: number): Buffer {
  const codec = new WalEntryCodec();
  const fieldKeys = Array.from({ length: 10 }, (_, f) => `f${f}`);
  const fieldTypes = fieldKeys.map(() => 'float' as const);
  const points: Point[] = Array.from({ length: count }, (_, i) => ({
    measurement: 'cpu',
    tags: ['host', `h${i % 100}`],
    fieldKeys,
    fieldTypes,
    fieldValues: fieldKeys.map((_, f) => i + f / 10),
    timeNs: BigInt(seq * count + i) * 1_000_000_000n,
  }));
  const value = codec.encode({ db: 'db', rp: 'autogen', origin: 'node-1', catalogIndex: 1, points });
  codec.seal(entryKey(seq), value, seq, BigInt(seq));
  return value;
}

test('a released encoder thread hands back the garbage of its rounds and still encodes', async () => {
  const values = Array.from({ length: 4 }, (_, i) => ({ seq: i + 1, value: sealedValue(i + 1, 50_000) }));
  const first = await encoder.encode(values);
  assert.equal(first.points, 200_000);
  for (const table of first.tables) assert.ok(existsSync(table.path));
  const afterRound = encoder.heap();
  assert.ok(afterRound.usedBytes > 0 && afterRound.totalBytes >= afterRound.usedBytes);
  encoder.release();
  const deadline = Date.now() + 10_000;
  while (encoder.heap() === afterRound && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const released = encoder.heap();
  assert.notEqual(released, afterRound, 'the thread answered the release');
  assert.ok(released.usedBytes < afterRound.usedBytes / 2, `heap used ${released.usedBytes} after the release, ${afterRound.usedBytes} after the round`);
  const again = await encoder.encode([{ seq: 5, value: sealedValue(5, 10) }]);
  assert.equal(again.points, 10);
});
