// What InfluxDB 1.x clients send and expect at the HTTP level, checked against 1.6.7's answers:
// any Content-Type (the influx CLI sends an empty one), multipart /query, Accept negotiation,
// errors in the asked encoding, method refusals, CORS. Real engine, fastify.inject.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { addExtension, unpack } from 'msgpackr';
import type { FastifyInstance } from 'fastify';
import { openEngine, defaultEngineOptions, type Engine } from '../../../src/core/index.js';
import { buildServer } from '../../../src/http/server.js';
import { isValidMediaType } from '../../../src/http/media-type.js';

/** msgp's time extension, decoded to nanoseconds (Python's client decodes it to an ISO string). */
class GoTime {
  constructor(readonly ns: bigint) {}
}
addExtension({
  Class: GoTime,
  type: 5,
  pack: (time: GoTime) => Buffer.from(time.ns.toString()),
  unpack: (bytes: Buffer) => new GoTime(bytes.readBigInt64BE(0) * 1_000_000_000n + BigInt(bytes.readUInt32BE(8))),
});

const dir = mkdtempSync(join(tmpdir(), 'hb-http-clients-'));
let engine: Engine;
let app: FastifyInstance;

before(async () => {
  const registry = new Registry();
  const log = pino({ level: 'silent' });
  engine = await openEngine(defaultEngineOptions(dir), { log, registry });
  app = buildServer({ maxBodyBytes: 1 << 20, defaultChunkSize: 10_000, metricsEnabled: false, requestTimeoutMs: 30_000 }, { engine, registry, log });
  await app.ready();
  await app.inject({ method: 'POST', url: '/query?q=' + encodeURIComponent('CREATE DATABASE db') });
});

after(async () => {
  await app.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const q = (text: string): string => encodeURIComponent(text);

function multipart(parts: ReadonlyArray<{ name: string; value: string; filename?: string }>): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----hbtest' + Math.random().toString(16).slice(2);
  const chunks = parts.map(
    (p) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n` +
      (p.filename ? 'Content-Type: text/plain\r\n' : '') +
      `\r\n${p.value}\r\n`,
  );
  return { payload: Buffer.from(chunks.join('') + `--${boundary}--\r\n`), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

test('a write with an empty or odd Content-Type is stored (the influx CLI sends `Content-Type:`)', async () => {
  for (const [i, contentType] of ['', 'foo', ' ', 'a/b;;;', 'text/plain; charset=utf-8'].entries()) {
    const res = await app.inject({ method: 'POST', url: '/write?db=db', payload: `ct v=${i} ${i + 1}`, headers: { 'content-type': contentType } });
    assert.equal(res.statusCode, 204, `${JSON.stringify(contentType)}: ${res.body}`);
  }
  const res = await app.inject({ method: 'POST', url: `/query?db=db&q=${q('SELECT count(v) FROM ct')}`, headers: { 'content-type': '' } });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /"values":\[\["1970-01-01T00:00:00Z",5\]\]/);
  assert.equal(isValidMediaType(''), false);
  assert.equal(isValidMediaType('multipart/form-data; boundary=x'), true);
});

test('POST /query takes q as a multipart file (curl -F "q=@file") and other fields from the form', async () => {
  await app.inject({ method: 'POST', url: '/write?db=db', payload: 'mp v=1 1000000000' });
  const file = multipart([
    { name: 'q', value: 'SHOW DATABASES;\nSELECT v FROM mp\n', filename: 'queries.txt' },
    { name: 'db', value: 'db' },
    { name: 'epoch', value: 's' },
  ]);
  const res = await app.inject({ method: 'POST', url: '/query', ...file });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(
    res.body,
    '{"results":[{"statement_id":0,"series":[{"name":"databases","columns":["name"],"values":[["db"]]}]},{"statement_id":1,"series":[{"name":"mp","columns":["time","v"],"values":[[1,1]]}]}]}\n',
  );
  // A text field q wins over a file, URL parameters over multipart fields (Go appends them).
  const both = multipart([
    { name: 'q', value: 'SELECT v FROM mp' },
    { name: 'q', value: 'SHOW DATABASES', filename: 'q.txt' },
    { name: 'db', value: 'nope' },
  ]);
  const res2 = await app.inject({ method: 'POST', url: '/query?db=db', ...both });
  assert.match(res2.body, /"name":"mp"/);
  const none = await app.inject({ method: 'POST', url: '/query', ...multipart([{ name: 'db', value: 'db' }]) });
  assert.equal(none.statusCode, 400);
  assert.deepEqual(none.json(), { error: 'missing required parameter "q"' });
});

test('q in the URL of a POST without a body; missing or blank q is a 400', async () => {
  const res = await app.inject({ method: 'POST', url: `/query?q=${q('SHOW DATABASES')}` });
  assert.equal(res.statusCode, 200);
  for (const url of ['/query', '/query?q=', '/query?q=%20%0A']) {
    for (const method of ['GET', 'POST'] as const) {
      const bad = await app.inject({ method, url });
      assert.equal(bad.statusCode, 400, `${method} ${url}`);
      assert.equal(bad.body, '{"error":"missing required parameter \\"q\\""}\n');
      assert.equal(bad.headers['x-influxdb-error'], 'missing required parameter "q"');
    }
  }
});

test('methods 1.6.7 refuses get its plain-text 405 with Allow; OPTIONS is an empty 200', async () => {
  const cases: Array<[string, 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'POST' | 'GET' | 'OPTIONS', string]> = [
    ['/query', 'PUT', 'OPTIONS, GET, POST'],
    ['/query', 'DELETE', 'OPTIONS, GET, POST'],
    ['/query', 'HEAD', 'OPTIONS, GET, POST'],
    ['/write', 'GET', 'OPTIONS, POST'],
    ['/write', 'PUT', 'OPTIONS, POST'],
    ['/ping', 'POST', 'GET, HEAD'],
    ['/ping', 'OPTIONS', 'GET, HEAD'],
  ];
  for (const [url, method, allow] of cases) {
    const res = await app.inject({ method, url });
    assert.equal(res.statusCode, 405, `${method} ${url}`);
    assert.equal(res.headers['allow'], allow);
    if (method !== 'HEAD') assert.equal(res.body, 'Method Not Allowed\n');
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
  }
  for (const url of ['/query', '/write']) {
    const res = await app.inject({ method: 'OPTIONS', url, headers: { origin: 'http://dash.example' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '');
    assert.equal(res.headers['access-control-allow-origin'], 'http://dash.example');
    assert.equal(res.headers['access-control-allow-methods'], 'DELETE, GET, OPTIONS, POST, PUT');
  }
  const status = await app.inject({ method: 'GET', url: '/status' });
  assert.equal(status.statusCode, 204);
});

test('Accept picks CSV (served as text/csv) or MessagePack, exactly; errors come in the same encoding', async () => {
  await app.inject({ method: 'POST', url: '/write?db=db', payload: 'acc,t=a v=1,i=2i 1000000000\nacc,t=b v=2.5 2000000000' });
  const csv = await app.inject({ method: 'GET', url: `/query?db=db&q=${q('SELECT v FROM acc GROUP BY t')}`, headers: { accept: 'application/csv' } });
  assert.equal(csv.headers['content-type'], 'text/csv');
  assert.equal(csv.body, 'name,tags,time,v\nacc,t=a,1000000000,1\nacc,t=b,2000000000,2.5\n');
  const notExact = await app.inject({ method: 'GET', url: `/query?db=db&q=${q('SELECT v FROM acc')}`, headers: { accept: 'text/csv, application/json' } });
  assert.match(String(notExact.headers['content-type']), /^application\/json/);
  const empty = await app.inject({ method: 'GET', url: `/query?db=db&q=${q('SELECT v FROM nothing')}`, headers: { accept: 'text/csv' } });
  assert.equal(empty.statusCode, 200);
  assert.equal(empty.body, '');
  const csvError = await app.inject({ method: 'GET', url: `/query?db=db&q=${q('SELEC')}`, headers: { accept: 'text/csv' } });
  assert.equal(csvError.statusCode, 400);
  assert.equal(csvError.headers['content-type'], 'text/csv');
  assert.match(csvError.body, /^error\n"error parsing query: found SELEC, expected SELECT, .* at line 1, char 1"\n$/);

  const mp = await app.inject({ method: 'GET', url: `/query?db=db&q=${q('SELECT v, i FROM acc')}`, headers: { accept: 'application/x-msgpack' } });
  assert.equal(mp.headers['content-type'], 'application/x-msgpack');
  const decoded = unpack(mp.rawPayload) as { results: Array<{ statement_id: number; series: Array<{ values: unknown[][] }> }> };
  assert.equal(decoded.results[0]!.statement_id, 0);
  assert.deepEqual(decoded.results[0]!.series[0]!.values, [[new GoTime(1_000_000_000n), 1, 2], [new GoTime(2_000_000_000n), 2.5, null]]);
  // A float field stays a float64 on the wire even when its value is integral.
  assert.ok(mp.rawPayload.includes(Buffer.from('cb3ff0000000000000', 'hex')));
  const mpChunked = await app.inject({ method: 'GET', url: `/query?db=db&chunked=true&chunk_size=1&q=${q('SELECT v FROM acc')}`, headers: { accept: 'application/x-msgpack' } });
  assert.ok(mpChunked.rawPayload.length > 0);
  const mpError = await app.inject({ method: 'POST', url: '/write?db=nope', payload: 'x v=1', headers: { accept: 'application/x-msgpack' } });
  assert.equal(mpError.statusCode, 404);
  assert.deepEqual(unpack(mpError.rawPayload), { error: 'database not found: "nope"' });
  const pretty = await app.inject({ method: 'GET', url: '/query?pretty=true' });
  assert.equal(pretty.body, '{\n    "error": "missing required parameter \\"q\\""\n}\n');
});

test('a bad consistency level is a 400 after the body parsed; levels are case-insensitive', async () => {
  const cases: Array<[string, string, number, string | undefined]> = [
    ['bogus', 'cons v=1 1', 400, 'invalid consistency level'],
    ['bogus', 'bad line', 400, "unable to parse 'bad line': invalid field format"],
    ['ALL', 'cons v=1 1', 204, undefined],
    ['quorum', 'cons v=1 1', 204, undefined],
    ['', 'cons v=1 1', 204, undefined],
  ];
  for (const [level, body, status, error] of cases) {
    const res = await app.inject({ method: 'POST', url: `/write?db=db&consistency=${level}`, payload: body });
    assert.equal(res.statusCode, status, `${level} ${body}: ${res.body}`);
    if (error !== undefined) assert.deepEqual(res.json(), { error });
  }
  const missingDb = await app.inject({ method: 'POST', url: '/write?db=nope&consistency=bogus', payload: 'cons v=1 1' });
  assert.equal(missingDb.statusCode, 404);
});
