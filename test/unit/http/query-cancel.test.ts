// A client that disconnects mid-query: the engine stops, and the server logs a cancelled request
// at debug instead of a 500 at error (own file: chdb allows one data directory per process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openEngine, defaultEngineOptions } from '../../../src/core/index.js';
import { buildServer } from '../../../src/http/server.js';
import { CLIENT_CLOSED_REQUEST, describeError, RequestCancelledError } from '../../../src/http/error-handler.js';

interface LogLine {
  readonly level: number;
  readonly msg: string;
}

test('a cancelled request maps to 499, not a server error', () => {
  assert.deepEqual(describeError(new RequestCancelledError({ cause: new Error('Query aborted') })), {
    status: CLIENT_CLOSED_REQUEST,
    message: 'request cancelled: the client closed the connection',
  });
});

test('a query whose client disconnects is logged as cancelled at debug, never as a failed request', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-http-cancel-'));
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text !== '') lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  const log = pino({ level: 'debug' }, sink);
  const engine = await openEngine(defaultEngineOptions(dir), { log: pino({ level: 'silent' }), registry: new Registry() });
  const server = buildServer({ maxBodyBytes: 1 << 20, defaultChunkSize: 100, metricsEnabled: false, requestTimeoutMs: 30_000 }, { engine, registry: new Registry(), log });
  try {
    await engine.query('CREATE DATABASE t', { db: '' });
    await engine.write({ db: 't', precision: 's', body: Buffer.from(Array.from({ length: 100 }, (_, i) => `m,h=a v=${i} ${i * 1000}`).join('\n')) });
    const address = await server.listen({ port: 0, host: '127.0.0.1' });
    // About a million filled buckets: seconds of work unless the disconnect stops it.
    const q = encodeURIComponent('SELECT mean(v) FROM m WHERE time >= 0 AND time < 999000s GROUP BY time(1s) fill(0)');
    const req = request(`${address}/query?db=t&q=${q}`);
    req.on('error', () => {});
    req.end();
    setTimeout(() => req.destroy(), 100);
    const deadline = Date.now() + 20_000;
    while (!lines.some((l) => l.msg === 'request cancelled by the client') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const cancelled = lines.filter((l) => l.msg === 'request cancelled by the client');
    assert.equal(cancelled.length, 1, JSON.stringify(lines));
    assert.equal(cancelled[0]?.level, 20);
    assert.deepEqual(lines.filter((l) => l.level >= 50), []);
  } finally {
    await server.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
