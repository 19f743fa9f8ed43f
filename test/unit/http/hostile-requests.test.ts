// Requests the query fuzz test found answered with a 500 or a malformed 400: repeated parameters,
// error messages with characters a header cannot carry, and deep nesting. Real engine, fastify.inject.
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
import { errorHeaderValue } from '../../../src/http/error-handler.js';
import { firstValues, formValues } from '../../../src/http/request-params.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-http-hostile-'));
let engine: Engine;
let app: FastifyInstance;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

before(async () => {
  const registry = new Registry();
  const log = pino({ level: 'silent' });
  engine = await openEngine(defaultEngineOptions(dir), { log, registry });
  app = buildServer({ maxBodyBytes: 1 << 20, defaultChunkSize: 10_000, metricsEnabled: false, requestTimeoutMs: 30_000 }, { engine, registry, log });
  await app.ready();
  await app.inject({ method: 'POST', url: '/query?q=' + encodeURIComponent('CREATE DATABASE db') });
  await app.inject({ method: 'POST', url: '/write?db=db', payload: 'm,host=a v=1 1000000000' });
});

after(async () => {
  await app.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const q = (text: string): string => encodeURIComponent(text);

test('errorHeaderValue sends UTF-8 bytes and blanks control characters', () => {
  assert.equal(errorHeaderValue('plain'), 'plain');
  assert.equal(Buffer.from(errorHeaderValue('found €, İ, 😀'), 'latin1').toString('utf8'), 'found €, İ, 😀');
  assert.equal(errorHeaderValue('a\u0000b\u0001c\nd\re\u007ff\tg'), 'a b c d e f\tg');
  assert.ok(errorHeaderValue('x'.repeat(5000)).length <= 1024);
  // Every value must be one node accepts as a header: no control characters, nothing above U+00FF.
  for (const message of ['\u0000', '€', '\ud800', '\u2028', 'ß\u0085']) {
    assert.doesNotMatch(errorHeaderValue(message), /[^\t\x20-\x7e\x80-\xff]/);
  }
});

test('a parse error naming any character is a 400 with {"error"} and the header', async () => {
  for (const [text, found] of [['SELECT € FROM m', '€'], ['SELECT \u0000 FROM m', '\u0000'], ['SELECT İ FROM m', 'İ'], ['😀', '😀']] as const) {
    const res = await app.inject({ method: 'GET', url: `/query?db=db&q=${q(text)}` });
    assert.equal(res.statusCode, 400, text);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body = res.json() as { error: string };
    assert.deepEqual(Object.keys(body), ['error']);
    assert.ok(body.error.startsWith(`error parsing query: found ${found},`), body.error);
    assert.ok(String(res.headers['x-influxdb-error']).startsWith('error parsing query: found '));
  }
});

test('a repeated parameter takes its first value, as InfluxDB (Go FormValue) does', async () => {
  const twoQ = await app.inject({ method: 'GET', url: `/query?db=db&q=${q('SELECT v FROM m')}&q=${q('SHOW DATABASES')}` });
  assert.equal(twoQ.statusCode, 200);
  assert.match(twoQ.body, /"name":"m"/);
  const emptySecond = await app.inject({ method: 'GET', url: `/query?db=db&q=${q('SELECT v FROM m')}&q` });
  assert.equal(emptySecond.statusCode, 200);
  const twoDb = await app.inject({ method: 'GET', url: `/query?db=db&db=nosuch&q=${q('SELECT v FROM m')}` });
  assert.match(twoDb.body, /"name":"m"/);
  const twoEpoch = await app.inject({ method: 'GET', url: `/query?db=db&epoch=s&epoch=ms&q=${q('SELECT v FROM m')}` });
  assert.match(twoEpoch.body, /\[\[1,1\]\]/);
  const write = await app.inject({ method: 'POST', url: '/write?db=db&db=nosuch', payload: 'm,host=b v=2 2000000000' });
  assert.equal(write.statusCode, 204);
});

test('form fields override URL parameters; the first form value wins', async () => {
  const res = await app.inject({
    method: 'POST',
    url: `/query?db=nosuch&q=${q('SHOW DATABASES')}`,
    payload: `db=db&q=${q("SELECT v FROM m WHERE host = 'a'")}&q=${q('SHOW DATABASES')}&epoch=s&epoch=h`,
    headers: form,
  });
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, '{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],"values":[[1,1]]}]}]}\n');
  assert.deepEqual({ ...formValues({ a: ['1', '2'], b: '3' }, 'b=4&b=5&c=6') }, { a: '1', b: '4', c: '6' });
  assert.deepEqual({ ...firstValues({ a: [], b: 5, c: ['x'] }) }, { c: 'x' });
  assert.equal(formValues({}, '__proto__=x&constructor=y')['constructor'], 'y');
});

test('deep nesting is a 400, not a 500', async () => {
  const deep = `SELECT ${'('.repeat(100_000)}v${')'.repeat(100_000)} FROM m`;
  const res = await app.inject({ method: 'POST', url: '/query?db=db', payload: `q=${q(deep)}`, headers: form });
  assert.equal(res.statusCode, 400);
  assert.match((res.json() as { error: string }).error, /^error parsing query: expression nested too deeply/);
});
