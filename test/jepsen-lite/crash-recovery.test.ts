// Durability under SIGKILL: 100k acknowledged points survive a crash before any flush and are
// all readable after restart (count and a checksum of the values).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startHyperbytedb } from '../support/hyperbytedb-server.js';

const POINTS = 100_000;
const BATCH = 5_000;

async function query(url: string, q: string): Promise<{ results: Array<{ series?: Array<{ values: unknown[][] }>; error?: string }> }> {
  const res = await request(`${url}/query?db=crash&q=${encodeURIComponent(q)}`);
  return (await res.body.json()) as { results: Array<{ series?: Array<{ values: unknown[][] }> }> };
}

test('100k acknowledged points survive SIGKILL before any flush', { timeout: 240_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hb-crash-'));
  // A flush interval far beyond the test: every point is only in the WAL when the process dies.
  const env = { HYPERBYTEDB__FLUSH__INTERVAL_SECS: '3600' };
  let server = await startHyperbytedb({ dataDir, env });
  let expectedSum = 0;
  try {
    await request(`${server.url}/query?q=${encodeURIComponent('CREATE DATABASE crash')}`, { method: 'POST' }).then((r) => r.body.dump());
    for (let start = 0; start < POINTS; start += BATCH) {
      const lines: string[] = [];
      for (let i = start; i < start + BATCH; i++) {
        const value = (i * 7919) % 100_003;
        expectedSum += value;
        lines.push(`m,host=h${i % 50},zone=z${i % 3} v=${value}i,f=${i / 4} ${1_600_000_000_000_000_000n + BigInt(i) * 1_000_000n}`);
      }
      const res = await request(`${server.url}/write?db=crash`, { method: 'POST', body: lines.join('\n') });
      assert.equal(res.statusCode, 204, await res.body.text());
      await res.body.dump().catch(() => undefined);
    }
    await server.kill('SIGKILL');
    server = await startHyperbytedb({ dataDir, env });
    const result = await query(server.url, 'SELECT count(v), sum(v), sum(f) FROM m');
    const row = result.results[0]?.series?.[0]?.values[0];
    assert.ok(row, JSON.stringify(result));
    assert.equal(row[1], POINTS);
    assert.equal(row[2], expectedSum);
    assert.equal(row[3], (POINTS * (POINTS - 1)) / 2 / 4);
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('SIGTERM runs a final flush: the next start has nothing to replay and every point is there', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hb-term-'));
  const env = { HYPERBYTEDB__FLUSH__INTERVAL_SECS: '3600' };
  let server = await startHyperbytedb({ dataDir, env });
  try {
    await request(`${server.url}/query?q=${encodeURIComponent('CREATE DATABASE crash')}`, { method: 'POST' }).then((r) => r.body.dump());
    const lines = Array.from({ length: 1000 }, (_, i) => `t,host=h${i % 5} v=${i} ${i}`);
    const res = await request(`${server.url}/write?db=crash`, { method: 'POST', body: lines.join('\n') });
    assert.equal(res.statusCode, 204);
    await res.body.dump();
    await server.kill('SIGTERM');
    assert.match(server.output(), /stopped/);
    server = await startHyperbytedb({ dataDir, env });
    assert.doesNotMatch(server.output(), /replaying WAL entries/);
    const row = (await query(server.url, 'SELECT count(v) FROM t')).results[0]?.series?.[0]?.values[0];
    assert.equal(row?.[1], 1000);
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('SIGTERM while a client holds a chunked answer unread: the stop is bounded and still flushes', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hb-term-slow-'));
  const env = { HYPERBYTEDB__FLUSH__INTERVAL_SECS: '3600' };
  let server = await startHyperbytedb({ dataDir, env, stopTimeoutMs: 40_000 });
  try {
    await request(`${server.url}/query?q=${encodeURIComponent('CREATE DATABASE crash')}`, { method: 'POST' }).then((r) => r.body.dump());
    for (let b = 0; b < 10; b++) {
      const lines = Array.from({ length: 5_000 }, (_, i) => `t,host=h${i % 50} v=${b * 5_000 + i},pad="${'p'.repeat(100)}" ${(b * 5_000 + i) * 1_000}`);
      const res = await request(`${server.url}/write?db=crash`, { method: 'POST', body: lines.join('\n') });
      assert.equal(res.statusCode, 204);
      await res.body.dump();
    }
    // A chunked answer far larger than the socket buffers, of which the client reads one chunk.
    const slow = await request(`${server.url}/query?db=crash&chunked=true&chunk_size=100&q=${encodeURIComponent('SELECT * FROM t')}`);
    assert.equal(slow.statusCode, 200);
    const reader = slow.body[Symbol.asyncIterator]();
    await reader.next();
    const started = Date.now();
    await server.kill('SIGTERM');
    const tookMs = Date.now() - started;
    slow.body.destroy();
    assert.match(server.output(), /\bstopped\b/, `a graceful stop, not a kill (${tookMs} ms)`);
    assert.ok(tookMs < 30_000, `the stop took ${tookMs} ms`);
    server = await startHyperbytedb({ dataDir, env });
    assert.doesNotMatch(server.output(), /replaying WAL entries/);
    assert.equal((await query(server.url, 'SELECT count(v) FROM t')).results[0]?.series?.[0]?.values[0]?.[1], 50_000);
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
