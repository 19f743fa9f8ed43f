// The /query route's memory lease: a streamed answer (chunked or whole) holds its share of the
// budget until the last byte is written, and gives it back then, or when the client leaves
// mid-answer; a chunked answer written while the query runs is the whole-answer path's, byte for
// byte (own file: chdb allows one data directory per process).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { openEngine, defaultEngineOptions, type Engine } from '../../../src/core/index.js';
import { buildServer } from '../../../src/http/server.js';
import { formatResultsChunked } from '../../../src/http/encode/chunked.js';

let dir: string;
let engine: Engine;
let app: FastifyInstance;
let address: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hb-http-lease-'));
  engine = await openEngine(defaultEngineOptions(dir), { log: pino({ level: 'silent' }), registry: new Registry() });
  app = buildServer({ maxBodyBytes: 1 << 20, defaultChunkSize: 10_000, metricsEnabled: false, requestTimeoutMs: 60_000 }, { engine, registry: new Registry(), log: pino({ level: 'silent' }) });
  address = await app.listen({ port: 0, host: '127.0.0.1' });
  await engine.query('CREATE DATABASE t', { db: '' });
  const lines: string[] = [];
  for (let i = 0; i < 6_000; i++) lines.push(`m,h=a v=${i} ${i}`, `m,h=b v=${i * 2} ${i}`);
  await engine.write({ db: 't', precision: 's', body: Buffer.from(lines.join('\n')) });
});

after(async () => {
  await app.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

/** 12,000 rows in two series: past the 10,000 rows from which answers stream. */
const MEDIUM = 'SELECT v FROM m GROUP BY h';
/** 2 × 200,000 filled buckets: still being written long after the client starts reading. */
const LARGE = 'SELECT mean(v) FROM m WHERE time >= 0 AND time < 200000s GROUP BY time(1s), h fill(0)';

async function leasesReleased(): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((engine.queryMemory.openLeases > 0 || engine.queryMemory.inUseBytes > 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(engine.queryMemory.openLeases, 0, 'every lease closed');
  assert.equal(engine.queryMemory.inUseBytes, 0, 'nothing left reserved');
}

test('a streamed chunked answer is the whole-answer chunked answer, and its lease is released once written', async () => {
  const expected = formatResultsChunked(await engine.query(MEDIUM, { db: 't', chunked: true }), { chunkSize: 1_000 }).join('');
  const res = await app.inject({ method: 'GET', url: `/query?db=t&chunked=true&chunk_size=1000&q=${encodeURIComponent(MEDIUM)}` });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.body, expected);
  assert.equal(res.body.split('\n').length - 1, 12);
  await leasesReleased();
  const whole = await app.inject({ method: 'GET', url: `/query?db=t&q=${encodeURIComponent(MEDIUM)}` });
  assert.equal((JSON.parse(whole.body) as { results: Array<{ series: unknown[] }> }).results[0]?.series.length, 2);
  await leasesReleased();
});

test('a lease is held while a large answer is written and released when the client leaves mid-answer', { timeout: 60_000 }, async () => {
  for (const chunked of [true, false]) {
    const url = `${address}/query?db=t${chunked ? '&chunked=true&chunk_size=1000' : ''}&q=${encodeURIComponent(LARGE)}`;
    let heldWhileReading = 0;
    await new Promise<void>((resolve, reject) => {
      const req = request(url, (res) => {
        res.once('data', () => {
          heldWhileReading = engine.queryMemory.inUseBytes;
          res.destroy();
          resolve();
        });
        res.once('error', () => undefined);
      });
      req.once('error', reject);
      req.end();
    });
    assert.ok(heldWhileReading > 0, `${chunked ? 'chunked' : 'whole'}: the answer being written holds memory`);
    await leasesReleased();
  }
});
