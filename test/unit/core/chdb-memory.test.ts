// chDB's memory figures for /metrics: the jemalloc totals line is parsed, tracker and cache rows
// are mapped, a real session answers both reads, and the allocator purge runs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { ChdbSession } from '../../../src/core/store/chdb-session.js';
import { chdbMetricsFromRows, parseJemallocTotals, readChdbMemory, registerChdbMemoryMetrics } from '../../../src/core/store/chdb-memory.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-chdb-memory-'));
const session = new ChdbSession({ dir: join(dir, 'chdb'), stagingDir: join(dir, 'staging') });
session.open();
after(() => {
  session.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the totals line of malloc_stats_print is parsed, with escaped or real newlines', () => {
  const line = 'Allocated: 27769680, active: 28225536, metadata: 5500144 (n_thp 0, edata 150784, rtree 4194304), resident: 37892096, mapped: 49606656, retained: 3870720';
  const expected = { allocated: 27769680, active: 28225536, resident: 37892096, mapped: 49606656, retained: 3870720 };
  assert.deepEqual(parseJemallocTotals(`Arenas: 4\n${line}\nCount of realloc: 0`), expected);
  assert.deepEqual(parseJemallocTotals(`Arenas: 4\\n${line}\\nCount of realloc: 0`), expected);
  assert.equal(parseJemallocTotals('no statistics here'), null);
});

test('tracker and cache rows map to their figures; missing caches read 0', () => {
  const figures = chdbMetricsFromRows([
    ['MemoryTracking', '1000'],
    ['MergesMutationsMemoryTracking', '10'],
    ['MarkCacheBytes', '300'],
    ['SomethingElse', '5'],
  ]);
  assert.equal(figures.trackedBytes, 1000);
  assert.equal(figures.mergesTrackedBytes, 10);
  assert.equal(figures.caches.get('mark'), 300);
  assert.equal(figures.caches.get('uncompressed'), 0);
});

test('a real session reports its tracker, caches and jemalloc totals', async () => {
  const memory = await readChdbMemory((sql) => session.query(sql));
  assert.ok(memory.trackedBytes > 0, 'MemoryTracking counts something');
  assert.ok(memory.caches.has('mark'));
  assert.ok(memory.jemalloc !== null, 'chdb 3.x links jemalloc');
  assert.ok(memory.jemalloc.resident >= memory.jemalloc.allocated / 2);
});

test('gauges read once per scrape and report the figures', async () => {
  const registry = new Registry();
  let reads = 0;
  registerChdbMemoryMetrics(
    registry,
    async () => {
      reads++;
      return { trackedBytes: 7, mergesTrackedBytes: 0, caches: new Map([['mark', 3]]), jemalloc: { allocated: 1, active: 2, resident: 4, mapped: 5, retained: 6 } };
    },
    () => 0,
  );
  const text = await registry.metrics();
  assert.match(text, /^hyperbytedb_chdb_memory_tracked_bytes 7$/m);
  assert.match(text, /^hyperbytedb_chdb_cache_bytes\{cache="mark"\} 3$/m);
  assert.match(text, /^hyperbytedb_chdb_jemalloc_bytes\{kind="resident"\} 4$/m);
  assert.equal(reads, 1);
});

test('the allocator purge runs on a live session, and fails once it is closed', async () => {
  await session.purgeAllocator();
  const closed = new ChdbSession({ dir: join(dir, 'chdb-closed'), stagingDir: join(dir, 'staging-closed') });
  await assert.rejects(closed.purgeAllocator(), /closed/);
});

test('the mark cache bound reaches chDB as its server setting (256 MiB unless set)', async () => {
  // chdb allows one data directory per process, so the session of this file shows the default.
  const rows = (await session.query("SELECT name, value FROM system.server_settings WHERE name IN ('mark_cache_size', 'index_mark_cache_size') ORDER BY name")).rows;
  assert.deepEqual(rows, [
    ['index_mark_cache_size', String(256 * 1024 * 1024)],
    ['mark_cache_size', String(256 * 1024 * 1024)],
  ]);
  assert.throws(() => new ChdbSession({ dir, stagingDir: dir, markCacheBytes: 0 }), /mark cache/);
});
