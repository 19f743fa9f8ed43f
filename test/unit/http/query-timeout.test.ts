// Query timeouts through the HTTP adapter (own file: chdb allows one data directory per process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openEngine, defaultEngineOptions } from '../../../src/core/index.js';
import { buildServer } from '../../../src/http/server.js';

test('a query over the timeout answers like InfluxDB 1.x: 200 with the statement error', async () => {
  const dir2 = mkdtempSync(join(tmpdir(), 'hb-http-timeout-'));
  const registry = new Registry();
  const log = pino({ level: 'silent' });
  const slow = await openEngine({ ...defaultEngineOptions(dir2), queryTimeoutMs: 1 }, { log, registry });
  const server = buildServer({ maxBodyBytes: 1 << 20, defaultChunkSize: 100, metricsEnabled: false, requestTimeoutMs: 30_000 }, { engine: slow, registry, log });
  try {
    await slow.query('CREATE DATABASE t', { db: '' });
    await slow.write({ db: 't', body: Buffer.from(Array.from({ length: 20_000 }, (_, i) => `m,h=h${i % 50} v=${i} ${i}`).join('\n')) });
    const res = await server.inject({ method: 'GET', url: '/query?db=t&q=' + encodeURIComponent('SELECT mean(v) FROM m GROUP BY h') });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '{"results":[{"statement_id":0,"error":"query-timeout limit exceeded"}]}\n');
  } finally {
    await server.close();
    await slow.close();
    rmSync(dir2, { recursive: true, force: true });
  }
});
