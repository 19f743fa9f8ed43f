// Errors as clients see them: InfluxDB's messages where they are ours, a generic message naming
// the request id for everything else (chDB texts, stacks, paths), and the detail once in the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { BadRequestError, DatabaseNotFoundError, LimitExceededError, UnavailableError } from '../../../src/core/errors.js';
import { openEngine, defaultEngineOptions } from '../../../src/core/index.js';
import { buildServer } from '../../../src/http/server.js';
import { describeError, internalErrorMessage, registerErrorHandler, withInternalErrorsLogged } from '../../../src/http/error-handler.js';

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly reqId?: string;
  readonly err?: { readonly message?: string; readonly stack?: string };
}

function capture(): { log: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text !== '') lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

/** What a chdb failure looks like: ClickHouse's code, its exception text, a stack with our paths. */
function chdbLikeError(): Error {
  const error = new Error("Code: 47. DB::Exception: Missing columns: 'f_nope' while processing query: 'SELECT f_nope FROM hb_db__autogen.m_cpu', required columns: 'f_nope'. (UNKNOWN_IDENTIFIER)");
  error.stack = `${error.message}\n    at Session.queryAsync (/work/app/node_modules/chdb/index.js:77:13)\n    at ChdbSession.read (/work/app/src/core/store/chdb-session.ts:180:14)`;
  return error;
}

function assertNoInternals(text: string): void {
  assert.doesNotMatch(text, /Code:|DB::Exception|UNKNOWN_IDENTIFIER|\/work\/|node_modules|\.ts:\d+|\n\s+at /, text);
}

test('typed errors keep their InfluxDB messages; anything else is a generic 500 naming the request id', () => {
  assert.deepEqual(describeError(new BadRequestError('missing required parameter "q"'), 'r1'), { status: 400, message: 'missing required parameter "q"' });
  assert.deepEqual(describeError(new DatabaseNotFoundError('x'), 'r1'), { status: 404, message: 'database not found: "x"' });
  assert.deepEqual(describeError(new UnavailableError('server is shutting down'), 'r1').message, 'server is shutting down');
  assert.equal(describeError(new LimitExceededError('max-result-size limit exceeded'), 'r1').message, 'max-result-size limit exceeded');

  const raw = describeError(chdbLikeError(), 'req-42');
  assert.deepEqual(raw, { status: 500, message: 'internal error; see the server log for request id req-42' });
  assert.deepEqual(describeError('a thrown string', undefined), { status: 500, message: 'internal error' });
  assert.deepEqual(describeError(new TypeError("Cannot read properties of undefined (reading 'x')"), 'r'), { status: 500, message: internalErrorMessage('r') });
  // fastify's own errors: 4xx keep their text, 5xx are internal like any other.
  assert.deepEqual(describeError(Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 }), 'r'), { status: 415, message: 'Unsupported Media Type' });
  assert.deepEqual(describeError(Object.assign(new Error('socket hang up at /srv/x.js'), { statusCode: 502 }), 'r'), { status: 502, message: internalErrorMessage('r') });
});

test('sendError answers an untyped failure with the generic body and logs the full error once with reqId', async () => {
  const { log, lines } = capture();
  const app = Fastify({ logger: false, genReqId: () => 'fixed-id' });
  registerErrorHandler(app, log);
  app.get('/boom', async () => {
    throw chdbLikeError();
  });
  app.get('/typed', async () => {
    throw new BadRequestError('error parsing query: found EOF');
  });
  try {
    const res = await app.inject({ method: 'GET', url: '/boom' });
    assert.equal(res.statusCode, 500);
    assert.equal(res.body, '{"error":"internal error; see the server log for request id fixed-id"}\n');
    assert.equal(res.headers['x-influxdb-error'], 'internal error; see the server log for request id fixed-id');
    assertNoInternals(res.body);
    const errors = lines.filter((l) => l.level >= 50);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.reqId, 'fixed-id');
    assert.match(errors[0]?.err?.stack ?? '', /chdb-session\.ts:180/);

    const typed = await app.inject({ method: 'GET', url: '/typed' });
    assert.equal(typed.statusCode, 400);
    assert.equal(typed.body, '{"error":"error parsing query: found EOF"}\n');
    assert.equal(lines.filter((l) => l.level >= 50).length, 1, 'a 4xx is not logged as a failure');
  } finally {
    await app.close();
  }
});

test('statement results: an internal failure is logged once and its error names the request id', () => {
  const { log, lines } = capture();
  const cause = chdbLikeError();
  const shown = withInternalErrorsLogged(
    [
      { statement_id: 0, error: 'internal error', cause },
      { statement_id: 1, error: 'database not found: x' },
      { statement_id: 2, error: 'not executed', cause },
    ],
    'rid',
    log,
  );
  assert.deepEqual(shown, [
    { statement_id: 0, error: 'internal error; see the server log for request id rid' },
    { statement_id: 1, error: 'database not found: x' },
    { statement_id: 2, error: 'not executed' },
  ]);
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => l.reqId === 'rid' && l.level === 50 && (l.err?.stack ?? '').includes('DB::Exception')));
});

test('a query that chDB fails answers without chDB text, code, path or stack; the log has it with the request id', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-http-errors-'));
  const { log, lines } = capture();
  // The recent-points cache would answer this read itself (its regexes are JavaScript's): off.
  const options = { ...defaultEngineOptions(dir), recentPointsCache: { mode: 'off' as const, maxBytes: 1 << 20, windowNs: 3_600_000_000_000n } };
  const engine = await openEngine(options, { log: pino({ level: 'silent' }), registry: new Registry() });
  const server = buildServer({ maxBodyBytes: 1 << 20, defaultChunkSize: 100, metricsEnabled: false, requestTimeoutMs: 30_000 }, { engine, registry: new Registry(), log });
  try {
    await engine.query('CREATE DATABASE t', { db: '' });
    await engine.write({ db: 't', precision: 's', body: Buffer.from('m,host=a v=1 1') });
    // Valid Go RE2, but its program is larger than ClickHouse's RE2 compiles (Code: 427).
    for (const extra of ['', '&chunked=true']) {
      const res = await server.inject({ method: 'GET', url: `/query?db=t${extra}&q=${encodeURIComponent('SELECT v FROM m WHERE host =~ /\\pL{1000}/')}` });
      assert.equal(res.statusCode, 200);
      const requestId = res.headers['request-id'];
      assert.equal(typeof requestId, 'string');
      assert.equal(res.body, `{"results":[{"statement_id":0,"error":"internal error; see the server log for request id ${String(requestId)}"}]}\n`);
      assertNoInternals(res.body);
      const logged = lines.filter((l) => l.reqId === requestId);
      assert.equal(logged.length, 1);
      assert.match(logged[0]?.err?.message ?? '', /Code: 427/);
    }
    const fine = await server.inject({ method: 'GET', url: `/query?db=t&q=${encodeURIComponent('SELECT v FROM m WHERE host =~ /^a$/')}` });
    assert.equal(fine.body, '{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],"values":[["1970-01-01T00:00:01Z",1]]}]}]}\n');
  } finally {
    await server.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
