// The flush encoder thread: it reports its heap after a round, collects its garbage when released
// between bursts (the heap it reports shrinks), and encodes again afterwards. It keeps its insert
// buffer between rounds, and what it stages is what a fresh encode would write.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlushEncoder } from '../../../src/core/flush/flush-encoder.js';
import { WalEntryCodec } from '../../../src/core/wal/entry-codec.js';
import { entryKey } from '../../../src/core/wal/wal-keys.js';
import type { Point } from '../../../src/core/model/point.js';
import { encodeTable, groupByTable } from '../../../src/core/flush/table-batches.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-flush-encoder-'));
const encoder = new FlushEncoder(dir, { maxBytesPerRound: 32 << 20 });
after(async () => {
  await encoder.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** One sealed WAL value of `count` points of ten float fields (`hosts` series). */
function sealedValue(seq: number, count: number, hosts = 100): Buffer {
  const codec = new WalEntryCodec();
  const fieldKeys = Array.from({ length: 10 }, (_, f) => `f${f}`);
  const fieldTypes = fieldKeys.map(() => 'float' as const);
  const points: Point[] = Array.from({ length: count }, (_, i) => ({
    measurement: 'cpu',
    tags: ['host', `h${i % hosts}`],
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

test('the thread keeps its insert buffer across rounds, stages what a fresh encode writes, and drops it when released', async () => {
  const codec = new WalEntryCodec();
  const rounds = [
    [{ seq: 11, value: sealedValue(11, 40_000, 3_000) }],
    // Far smaller, with fewer and shorter series: the first round's bytes lie past its end.
    [{ seq: 12, value: sealedValue(12, 700, 7) }],
  ];
  for (const values of rounds) {
    const { tables } = await encoder.encode(values);
    assert.ok(encoder.heap().insertBufferBytes > 0, 'a buffer is kept after the round');
    const fresh = groupByTable(values.map(({ seq, value }) => ({ seq, entry: codec.decode(entryKey(seq), value, seq) })));
    assert.equal(tables.length, fresh.size);
    for (const table of tables) {
      const expected = encodeTable([...fresh.values()].find((batch) => batch.measurement === table.measurement)!);
      assert.ok(readFileSync(table.path).equals(expected.payload), `round of ${values[0]!.seq}: the staged payload differs from a fresh encode`);
    }
  }
  const kept = encoder.heap();
  encoder.release();
  const deadline = Date.now() + 10_000;
  while (encoder.heap() === kept && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(encoder.heap().insertBufferBytes, 0, 'the release drops the buffer');
});
