// Prometheus remote write/read through fastify.inject over a real engine, with InfluxDB 1.x's
// mapping (answers compared with 1.6.7's for the same requests).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { openEngine, defaultEngineOptions, type Engine } from '../../../src/core/index.js';
import { buildServer } from '../../../src/http/server.js';
import { decodeReadResponse, encodeReadRequest, encodeWriteRequest } from '../../../src/http/prometheus/remote-codec.js';
import { promSeriesToPoints, type PromMatcher } from '../../../src/core/prometheus/remote-mapping.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-http-prom-'));
let engine: Engine;
let app: FastifyInstance;
const t0 = 1_700_000_000_000n;
const series = [
  { labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'prom' }, { name: 'instance', value: 'a:9090' }], samples: [{ value: 1, timestampMs: t0 }, { value: 0, timestampMs: t0 + 15000n }, { value: Number.NaN, timestampMs: t0 + 30000n }] },
  { labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'node' }], samples: [{ value: 1, timestampMs: t0 }] },
  { labels: [{ name: '__name__', value: 'http_requests_total' }, { name: 'code', value: '200' }, { name: 'job', value: 'prom/x' }], samples: [{ value: 12.5, timestampMs: t0 + 1n }] },
  { labels: [{ name: 'job', value: 'nameless' }], samples: [{ value: 7, timestampMs: t0 + 2n }] },
];

before(async () => {
  const registry = new Registry();
  const log = pino({ level: 'silent' });
  engine = await openEngine(defaultEngineOptions(dir), { log, registry });
  app = buildServer({ maxBodyBytes: 1 << 20, defaultChunkSize: 10_000, metricsEnabled: false, requestTimeoutMs: 30_000 }, { engine, registry, log });
  await app.ready();
  await app.inject({ method: 'POST', url: '/query?q=' + encodeURIComponent('CREATE DATABASE prom') });
});

after(async () => {
  await app.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const promHeaders = { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf' };

test('remote write stores samples as 1.x maps them: measurement __name__, every label a tag, field value; NaN dropped', async () => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/prom/write?db=prom', payload: encodeWriteRequest(series), headers: promHeaders });
  assert.equal(res.statusCode, 204, res.body);
  const keys = await app.inject({ method: 'GET', url: '/query?db=prom&q=' + encodeURIComponent('SHOW TAG KEYS; SHOW FIELD KEYS FROM up; SELECT count(value) FROM up') });
  assert.equal(
    keys.body,
    '{"results":[{"statement_id":0,"series":[{"name":"http_requests_total","columns":["tagKey"],"values":[["__name__"],["code"],["job"]]},{"name":"prom_metric_not_specified","columns":["tagKey"],"values":[["job"]]},{"name":"up","columns":["tagKey"],"values":[["__name__"],["instance"],["job"]]}]},{"statement_id":1,"series":[{"name":"up","columns":["fieldKey","fieldType"],"values":[["value","float"]]}]},{"statement_id":2,"series":[{"name":"up","columns":["time","count"],"values":[["1970-01-01T00:00:00Z",3]]}]}]}\n',
  );
});

test('remote write errors: unknown database 404, corrupt body 400, +/-Inf 400 (1.6.7 wording)', async () => {
  const cases: Array<[string, Buffer, number, string]> = [
    ['/api/v1/prom/write?db=nope', encodeWriteRequest(series), 404, 'database not found: "nope"'],
    ['/api/v1/prom/write', encodeWriteRequest(series), 400, 'database is required'],
    ['/api/v1/prom/write?db=prom', Buffer.from('garbage'), 400, 'snappy: corrupt input'],
    ['/api/v1/prom/write?db=prom', encodeWriteRequest([{ labels: [{ name: '__name__', value: 'x' }], samples: [{ value: Number.POSITIVE_INFINITY, timestampMs: t0 }] }]), 400, '+/-Inf is an unsupported value for field value'],
  ];
  for (const [url, payload, status, error] of cases) {
    const res = await app.inject({ method: 'POST', url, payload, headers: promHeaders });
    assert.equal(res.statusCode, status, url);
    assert.deepEqual(res.json(), { error });
  }
  const get = await app.inject({ method: 'GET', url: '/api/v1/prom/read?db=prom' });
  assert.equal(get.statusCode, 405);
});

async function read(matchers: PromMatcher[]): Promise<Array<{ labels: string; samples: string }>> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/prom/read?db=prom', payload: encodeReadRequest([{ startMs: t0 - 1000n, endMs: t0 + 15000n, matchers }]) });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'application/x-protobuf');
  assert.equal(res.headers['content-encoding'], 'snappy');
  return decodeReadResponse(res.rawPayload, 1 << 24).map((ts) => ({
    labels: ts.labels.map((l) => `${l.name}=${l.value}`).join(','),
    samples: ts.samples.map((s) => `${s.value}@${s.timestampMs}`).join(' '),
  }));
}

test('remote read answers the matchers in series-key order, regexes anchored, an empty value matching a missing label', async () => {
  assert.deepEqual(await read([{ type: 0, name: '__name__', value: 'up' }]), [
    { labels: '__name__=up,instance=a:9090,job=prom', samples: `1@${t0} 0@${t0 + 15000n}` },
    { labels: '__name__=up,job=node', samples: `1@${t0}` },
  ]);
  assert.deepEqual((await read([{ type: 2, name: 'job', value: 'pro.*' }])).map((s) => s.labels), ['__name__=http_requests_total,code=200,job=prom/x', '__name__=up,instance=a:9090,job=prom']);
  assert.deepEqual((await read([{ type: 2, name: 'job', value: 'pro' }])).map((s) => s.labels), []);
  assert.deepEqual((await read([{ type: 3, name: '__name__', value: 'up' }])).map((s) => s.labels), ['__name__=http_requests_total,code=200,job=prom/x', 'job=nameless']);
  assert.deepEqual((await read([{ type: 0, name: 'instance', value: '' }, { type: 0, name: '__name__', value: 'up' }])).map((s) => s.labels), ['__name__=up,job=node']);
  assert.deepEqual(await read([{ type: 0, name: '__name__', value: 'nothing' }]), []);
  const two = await app.inject({
    method: 'POST',
    url: '/api/v1/prom/read?db=prom',
    payload: encodeReadRequest([
      { startMs: 0n, endMs: 1n, matchers: [{ type: 0, name: '__name__', value: 'up' }] },
      { startMs: 0n, endMs: 1n, matchers: [{ type: 0, name: '__name__', value: 'up' }] },
    ]),
  });
  assert.equal(two.statusCode, 400);
  assert.deepEqual(two.json(), { error: 'Prometheus read endpoint currently only supports one query at a time' });
});

test('the mapping keeps label order out of the tags: tags are sorted, NaN counted', () => {
  const { points, droppedNaN } = promSeriesToPoints([{ labels: [{ name: 'z', value: '1' }, { name: '__name__', value: 'm' }, { name: 'a', value: '2' }], samples: [{ value: 3, timestampMs: 5n }, { value: Number.NaN, timestampMs: 6n }] }]);
  assert.deepEqual(points, [{ measurement: 'm', tags: ['__name__', 'm', 'a', '2', 'z', '1'], fieldKeys: ['value'], fieldTypes: ['float'], fieldValues: [3], timeNs: 5_000_000n }]);
  assert.equal(droppedNaN, 1);
});
