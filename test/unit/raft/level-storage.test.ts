// Tests for the LevelDB log adapter: persist/reload, conflicting suffixes, snapshots, compaction, crash safety.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { decodeConfChange } from '../../../src/raft/core/conf-change.js';
import type { Entry, Snapshot } from '../../../src/raft/core/types.js';
import { LevelStorage, LogCorruptionError, entryKey } from '../../../src/raft/storage/level-storage.js';

function entries(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let index = from; index <= to; index++) out.push({ index, term, type: 'normal', data: Buffer.from(`e${index}t${term}`) });
  return out;
}

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hb-raft-level-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function countEntryKeys(path: string): Promise<number> {
  const db = new ClassicLevel<Buffer, Buffer>(path, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  let count = 0;
  for await (const key of db.keys({ gte: entryKey(0), lte: entryKey(2 ** 48 - 1) })) if (key) count++;
  await db.close();
  return count;
}

describe('LevelStorage', () => {
  it('persists hard state and entries and reloads them into the in-memory log', async () => {
    await withDir(async (dir) => {
      const store = new LevelStorage({ path: dir });
      const opened = await store.open();
      assert.equal(opened.fresh, true);
      await store.persist({ hardState: { term: 2, vote: 'b', commit: 3 }, entries: entries(1, 5, 2), snapshot: null }, { sync: true });
      assert.equal(store.reader.lastIndex(), 5);
      await store.close();

      const again = new LevelStorage({ path: dir });
      const reopened = await again.open();
      assert.equal(reopened.fresh, false);
      assert.deepEqual(reopened.hardState, { term: 2, vote: 'b', commit: 3 });
      assert.deepEqual(again.reader.initialState().hardState, { term: 2, vote: 'b', commit: 3 });
      assert.equal(again.reader.firstIndex(), 1);
      assert.equal(again.reader.lastIndex(), 5);
      const loaded = again.reader.entries(1, 6, Infinity);
      assert.deepEqual(loaded.map((e) => Buffer.from(e.data).toString()), ['e1t2', 'e2t2', 'e3t2', 'e4t2', 'e5t2']);
      await again.close();
    });
  });

  it('truncates a conflicting suffix in the same batch', async () => {
    await withDir(async (dir) => {
      const store = new LevelStorage({ path: dir });
      await store.open();
      await store.persist({ hardState: { term: 1, vote: null, commit: 0 }, entries: entries(1, 10, 1), snapshot: null }, { sync: true });
      await store.persist({ hardState: { term: 2, vote: null, commit: 4 }, entries: entries(5, 7, 2), snapshot: null }, { sync: true });
      assert.equal(store.reader.lastIndex(), 7);
      await store.close();
      const again = new LevelStorage({ path: dir });
      await again.open();
      assert.equal(again.reader.lastIndex(), 7);
      assert.equal(again.reader.term(4), 1);
      assert.equal(again.reader.term(7), 2);
      assert.equal(await countEntryKeys(dir).catch(() => -1), -1, 'db is locked while open');
      await again.close();
      assert.equal(await countEntryKeys(dir), 7);
    });
  });

  it('bootstraps a fresh cluster with committed conf-change entries, only once', async () => {
    await withDir(async (dir) => {
      const store = new LevelStorage({ path: dir });
      const opened = await store.open({ bootstrap: { voters: ['c', 'a', 'b'], learners: [] } });
      assert.equal(opened.fresh, true);
      assert.deepEqual(opened.hardState, { term: 1, vote: null, commit: 3 });
      const boot = store.reader.entries(1, 4, Infinity);
      assert.deepEqual(boot.map((e) => decodeConfChange(e.data)), [
        { kind: 'add-voter', id: 'a' }, { kind: 'add-voter', id: 'b' }, { kind: 'add-voter', id: 'c' },
      ]);
      assert.deepEqual(store.reader.initialState().confState.voters, ['a', 'b', 'c']);
      await store.close();
      const again = new LevelStorage({ path: dir });
      await again.open({ bootstrap: { voters: ['x'], learners: [] } });
      assert.deepEqual(again.reader.initialState().confState.voters, ['a', 'b', 'c'], 'a second bootstrap is ignored');
      await again.close();
    });
  });

  it('saves a snapshot, compacts below it, and reloads from the snapshot', async () => {
    await withDir(async (dir) => {
      const store = new LevelStorage({ path: dir });
      await store.open();
      await store.persist({ hardState: { term: 3, vote: 'a', commit: 100 }, entries: entries(1, 100, 3), snapshot: null }, { sync: true });
      const conf = { voters: ['a', 'b', 'c'], learners: [] };
      const snap = await store.saveSnapshot(80, conf, Buffer.from('state@80'));
      assert.equal(snap.metadata.term, 3);
      await store.compact(70);
      assert.equal(store.reader.firstIndex(), 71);
      assert.throws(() => store.reader.entries(60, 75, Infinity), /compacted/);
      await assert.rejects(store.compact(90), RangeError, 'cannot compact past the snapshot');
      await store.close();
      assert.equal(await countEntryKeys(dir), 30, 'entries 71..100 remain on disk');

      const again = new LevelStorage({ path: dir });
      const opened = await again.open();
      assert.equal(opened.snapshot?.metadata.index, 80);
      assert.equal(Buffer.from(opened.snapshot!.data).toString(), 'state@80');
      assert.deepEqual(again.reader.initialState().confState, conf);
      assert.equal(again.reader.firstIndex(), 81);
      assert.equal(again.reader.lastIndex(), 100);
      await again.close();
    });
  });

  it('replaces the whole log with a snapshot received from the leader', async () => {
    await withDir(async (dir) => {
      const store = new LevelStorage({ path: dir });
      await store.open();
      await store.persist({ hardState: { term: 1, vote: null, commit: 5 }, entries: entries(1, 20, 1), snapshot: null }, { sync: true });
      const snapshot: Snapshot = { metadata: { index: 10, term: 4, confState: { voters: ['a'], learners: [] } }, data: Buffer.from('leader') };
      await store.persist({ hardState: { term: 4, vote: null, commit: 10 }, entries: entries(11, 12, 4), snapshot }, { sync: true });
      assert.equal(store.reader.firstIndex(), 11);
      assert.equal(store.reader.lastIndex(), 12);
      assert.equal(store.reader.term(12), 4);
      await store.close();
      const again = new LevelStorage({ path: dir });
      await again.open();
      assert.equal(again.reader.lastIndex(), 12, 'stale entries 13..20 were deleted atomically with the snapshot');
      assert.equal(again.reader.term(10), 4);
      await again.close();
    });
  });

  it('refuses to open a log with a flipped bit or a gap (never silently truncates)', async () => {
    await withDir(async (dir) => {
      const store = new LevelStorage({ path: dir });
      await store.open();
      await store.persist({ hardState: { term: 1, vote: null, commit: 2 }, entries: entries(1, 5, 1), snapshot: null }, { sync: true });
      await store.close();
      const raw = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
      const value = (await raw.get(entryKey(3)))!;
      value[value.length - 1]! ^= 0x01;
      await raw.put(entryKey(3), value);
      await raw.close();
      await assert.rejects(new LevelStorage({ path: dir }).open(), (error: unknown) => error instanceof LogCorruptionError && /entry 3: checksum/.test(error.message));

      const raw2 = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
      value[value.length - 1]! ^= 0x01;
      await raw2.put(entryKey(3), value);
      await raw2.del(entryKey(2));
      await raw2.close();
      await assert.rejects(new LevelStorage({ path: dir }).open(), /log gap: expected entry 2, found 3/);
    });
  });

  it('keeps every synced batch across kill -9 of the writing process', async () => {
    await withDir(async (dir) => {
      const script = `
        import { LevelStorage } from ${JSON.stringify(new URL('../../../src/raft/storage/level-storage.ts', import.meta.url).href)};
        const store = new LevelStorage({ path: ${JSON.stringify(dir)} });
        await store.open();
        for (let i = 1; ; i += 10) {
          const batch = [];
          for (let j = i; j < i + 10; j++) batch.push({ index: j, term: 1, type: 'normal', data: Buffer.alloc(100, j % 256) });
          await store.persist({ hardState: { term: 1, vote: null, commit: i - 1 }, entries: batch, snapshot: null }, { sync: true });
          process.stdout.write(String(i + 9) + '\\n');
        }`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let acked = 0;
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) acked = Number(line);
      });
      const deadline = Date.now() + 20_000;
      while (acked < 500 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      assert.ok(acked >= 500, `writer made progress (acked ${acked})`);
      const store = new LevelStorage({ path: dir });
      await store.open();
      assert.ok(store.reader.lastIndex() >= acked, `every acknowledged entry survived (last ${store.reader.lastIndex()} >= acked ${acked})`);
      assert.equal(store.reader.entries(acked, acked + 1, Infinity)[0]?.data[0], acked % 256);
      await store.close();
    });
  });

  it('skips entries an interrupted compaction left below the snapshot', async () => {
    await withDir(async (dir) => {
      const store = new LevelStorage({ path: dir });
      await store.open();
      await store.persist({ hardState: { term: 1, vote: null, commit: 30 }, entries: entries(1, 30, 1), snapshot: null }, { sync: true });
      await store.saveSnapshot(20, { voters: ['a'], learners: [] }, Buffer.from('s'));
      await store.close(); // "crash" before compact(): entries 1..30 all still on disk
      const again = new LevelStorage({ path: dir });
      await again.open();
      assert.equal(again.reader.firstIndex(), 21);
      assert.equal(again.reader.lastIndex(), 30);
      await again.close();
    });
  });
});
