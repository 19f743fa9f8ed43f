// The HTTP adapter through fastify.inject, over a real engine (LevelDB + chDB) in a temp dir.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { openEngine, defaultEngineOptions, type Engine } from '../../../src/core/index.js';
import { buildServer } from '../../../src/http/server.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-http-'));
let engine: Engine;
let app: FastifyInstance;

before(async () => {
  const registry = new Registry();
  const log = pino({ level: 'silent' });
  engine = await openEngine(defaultEngineOptions(dir), { log, registry });
  app = buildServer({ maxBodyBytes: 64 * 1024, defaultChunkSize: 10_000, metricsEnabled: true, requestTimeoutMs: 30_000 }, { engine, registry, log });
  await app.ready();
  await app.inject({ method: 'POST', url: '/query', payload: 'q=CREATE DATABASE db', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
});

after(async () => {
  await app.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

test('GET /ping answers 204 with the InfluxDB version headers, verbose or not (1.6.7)', async () => {
  const res = await app.inject({ method: 'GET', url: '/ping' });
  assert.equal(res.statusCode, 204);
  assert.equal(res.headers['x-influxdb-version'], '1.6.7');
  assert.equal(res.headers['x-influxdb-build'], 'OSS');
  assert.ok(res.headers['request-id']);
  const verbose = await app.inject({ method: 'GET', url: '/ping?verbose=true' });
  assert.equal(verbose.statusCode, 204);
  assert.equal(verbose.body, '');
});

test('GET /health reports pass', async () => {
  const res = await app.inject({ method: 'GET', url: '/health' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().status, 'pass');
});

test('POST /write status codes and bodies match InfluxDB 1.x', async () => {
  const cases: Array<{ url: string; body: string | Buffer; headers?: Record<string, string>; status: number; error?: string }> = [
    { url: '/write?db=db', body: 'cpu,host=a v=1 1', status: 204 },
    { url: '/write', body: 'cpu v=1', status: 400, error: 'database is required' },
    { url: '/write?db=nope', body: 'cpu v=1', status: 404, error: 'database not found: "nope"' },
    { url: '/write?db=db&rp=nope', body: 'cpu v=1', status: 500, error: 'retention policy not found: nope' },
    { url: '/write?db=db', body: 'cpu v=', status: 400, error: "unable to parse 'cpu v=': missing field value" },
    { url: '/write?db=db', body: 'cpu v=1i', status: 400, error: 'partial write: field type conflict: input field "v" on measurement "cpu" is type integer, already exists as type float dropped=1' },
    { url: '/write?db=db', body: '', status: 204 },
    { url: '/write?db=db', body: gzipSync('cpu,host=gz v=5 5'), headers: { 'content-encoding': 'gzip' }, status: 204 },
    { url: '/write?db=db', body: 'x'.repeat(70 * 1024), status: 413, error: 'Request Entity Too Large' },
  ];
  for (const c of cases) {
    const res = await app.inject({ method: 'POST', url: c.url, payload: c.body, headers: { 'content-type': 'text/plain', ...c.headers } });
    assert.equal(res.statusCode, c.status, `${c.url} ${String(c.body).slice(0, 30)}: ${res.body}`);
    if (c.error) assert.deepEqual(res.json(), { error: c.error });
  }
  // curl --data-binary sends line protocol as form-urlencoded; it must still be written.
  const formBody = await app.inject({ method: 'POST', url: '/write?db=db', payload: 'curl,host=a v=1 1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(formBody.statusCode, 204);
  const stored = await app.inject({ method: 'GET', url: '/query?db=db&q=' + encodeURIComponent('SELECT count(v) FROM curl') });
  assert.match(stored.body, /"values":\[\["1970-01-01T00:00:00Z",1\]\]/);
  const wrongMethod = await app.inject({ method: 'GET', url: '/write?db=db' });
  assert.equal(wrongMethod.statusCode, 405);
});

test('GET and POST /query return InfluxDB JSON; a missing q is a 400', async () => {
  await app.inject({ method: 'POST', url: '/write?db=db', payload: 'q1,host=a v=1 1000000000', headers: { 'content-type': 'text/plain' } });
  const get = await app.inject({ method: 'GET', url: '/query?db=db&q=' + encodeURIComponent('SELECT v FROM q1') });
  assert.equal(get.statusCode, 200);
  assert.equal(get.body, '{"results":[{"statement_id":0,"series":[{"name":"q1","columns":["time","v"],"values":[["1970-01-01T00:00:01Z",1]]}]}]}\n');
  const post = await app.inject({
    method: 'POST',
    url: '/query',
    payload: 'db=db&epoch=s&q=' + encodeURIComponent('SELECT v FROM q1'),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(post.body, '{"results":[{"statement_id":0,"series":[{"name":"q1","columns":["time","v"],"values":[[1,1]]}]}]}\n');
  const missing = await app.inject({ method: 'GET', url: '/query' });
  assert.equal(missing.statusCode, 400);
  assert.deepEqual(missing.json(), { error: 'missing required parameter "q"' });
});

test('GET /metrics exposes the hyperbytedb_* instruments', async () => {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  for (const name of [
    'hyperbytedb_write_requests_total',
    'hyperbytedb_write_errors_total',
    'hyperbytedb_write_payload_bytes_bucket',
    'hyperbytedb_write_duration_seconds_bucket',
    'hyperbytedb_query_requests_total',
    'hyperbytedb_query_errors_total',
    'hyperbytedb_query_duration_seconds_bucket',
    'hyperbytedb_ingestion_points_total',
    'hyperbytedb_flush_runs_total',
    'hyperbytedb_flush_errors_total',
    'hyperbytedb_flush_points_total',
    'hyperbytedb_flush_duration_seconds_bucket',
    'hyperbytedb_wal_last_sequence',
    'hyperbytedb_uptime_seconds',
  ]) {
    assert.match(res.body, new RegExp(`^${name}`, 'm'), name);
  }
});

test('passwords in URLs are redacted before logging', async () => {
  const { redactUrl } = await import('../../../src/http/server.js');
  assert.equal(redactUrl('/query?u=me&p=s3cret&q=SHOW'), '/query?u=me&p=[redacted]&q=SHOW');
  assert.equal(redactUrl('/write?p=x'), '/write?p=[redacted]');
});
