// Request spans through fastify.inject with a recording tracer (the core's port, no OpenTelemetry):
// which routes get a server span, what it carries, the caller's traceparent handed on, the status
// set once the answer is written, and the statement summary naming the span's trace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { openEngine, defaultEngineOptions, type Engine } from '../../../src/core/index.js';
import { buildServer } from '../../../src/http/server.js';
import { StatementSummary } from '../../../src/core/services/statement-summary.js';
import type { SpanAttributes, SpanHandle, SpanOptions, Tracer } from '../../../src/core/tracing.js';

interface RecordedSpan {
  readonly name: string;
  readonly traceId: string;
  readonly options: SpanOptions;
  attributes: Record<string, string | number | boolean>;
  ended: boolean;
}

/** Records every span; each root span gets a trace id of its own, children share their parent's. */
class RecordingTracer implements Tracer {
  readonly enabled = true;
  readonly spans: RecordedSpan[] = [];
  private readonly active = new AsyncLocalStorage<RecordedSpan>();

  span<T>(name: string, attributes: SpanAttributes, fn: (span: SpanHandle) => T, options: SpanOptions = {}): T {
    const parent = this.active.getStore();
    const traceId = parent?.traceId ?? (this.spans.length + 1).toString(16).padStart(32, '0');
    const span: RecordedSpan = { name, traceId, options, attributes: { ...attributes }, ended: false };
    this.spans.push(span);
    const handle: SpanHandle = { setAttributes: (more) => Object.assign(span.attributes, more), end: () => void (span.ended = true) };
    const result = this.active.run(span, () => fn(handle));
    if (result instanceof Promise) return result.finally(() => handle.end()) as T;
    handle.end();
    return result;
  }

  detail<T>(name: string, attributes: SpanAttributes, fn: (span: SpanHandle) => T): T {
    return this.span(name, attributes, fn);
  }

  startDetail(name: string, attributes: SpanAttributes): SpanHandle {
    const span: RecordedSpan = { name, traceId: this.active.getStore()?.traceId ?? '', options: {}, attributes: { ...attributes }, ended: false };
    this.spans.push(span);
    return { setAttributes: (more) => Object.assign(span.attributes, more), end: () => void (span.ended = true) };
  }

  traceId(): string | null {
    return this.active.getStore()?.traceId ?? null;
  }

  servers(): RecordedSpan[] {
    return this.spans.filter((s) => s.options.kind === 'server');
  }
}

const tracer = new RecordingTracer();

/** The last server span once it ended: inject can resolve before the response's 'finish' reaches the span. */
async function lastServerSpan(): Promise<RecordedSpan> {
  for (let i = 0; i < 100; i++) {
    const span = tracer.servers().at(-1);
    if (span?.ended) return span;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the request span did not end');
}

const dir = mkdtempSync(join(tmpdir(), 'hb-route-tracing-'));
const summary = new StatementSummary({ maxEntries: 10, maxTextLength: 4096 }, { nowMs: () => Date.now(), monotonicMs: () => performance.now() });
let engine: Engine;
let app: FastifyInstance;

before(async () => {
  const registry = new Registry();
  const log = pino({ level: 'silent' });
  engine = await openEngine(defaultEngineOptions(dir), { log, registry, tracer });
  app = buildServer({ maxBodyBytes: 64 * 1024, defaultChunkSize: 10_000, metricsEnabled: true, requestTimeoutMs: 30_000 }, { engine, registry, log, tracer, statementSummary: summary });
  await app.ready();
  await app.inject({ method: 'POST', url: '/query?q=CREATE%20DATABASE%20db' });
});

after(async () => {
  await app.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

test('probes and scrapes get no span', async () => {
  const before = tracer.servers().length;
  for (const url of ['/ping', '/status', '/health', '/metrics', '/debug/vars']) {
    const res = await app.inject({ method: 'GET', url });
    assert.ok(res.statusCode < 300, `${url}: ${res.statusCode}`);
  }
  assert.equal(tracer.servers().length, before);
});

test('a write is a server span continuing the caller\'s traceparent, with its route, database and status; its steps are children', async () => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const res = await app.inject({ method: 'POST', url: '/write?db=db', payload: 'cpu,host=a v=1 1', headers: { traceparent } });
  assert.equal(res.statusCode, 204);
  const span = await lastServerSpan();
  assert.equal(span.name, 'POST /write');
  assert.equal(span.options.traceparent, traceparent);
  assert.deepEqual(span.attributes, { 'http.request.method': 'POST', 'http.route': '/write', 'db.namespace': 'db', 'http.response.status_code': 204 });
  const steps = tracer.spans.filter((s) => s.traceId === span.traceId && s !== span).map((s) => s.name);
  assert.ok(steps.includes('write.parse') && steps.includes('wal.append'), steps.join(', '));
});

test('a refused request still ends its span, with the error\'s status', async () => {
  const res = await app.inject({ method: 'GET', url: '/query?db=db&q=SELEKT%201' });
  assert.equal(res.statusCode, 400);
  const span = await lastServerSpan();
  assert.equal(span.name, 'GET /query');
  assert.equal(span.attributes['http.response.status_code'], 400);
  assert.equal(span.options.traceparent, undefined);
});

test('the statement summary names the trace of a statement\'s slowest run: the request\'s span', async () => {
  const res = await app.inject({ method: 'GET', url: '/query?db=db&q=SELECT%20v%20FROM%20cpu' });
  assert.equal(res.statusCode, 200);
  const span = await lastServerSpan();
  assert.equal(span.name, 'GET /query');
  const entry = summary.list().find((e) => e.text === 'SELECT v FROM cpu');
  assert.equal(entry?.slowestTraceId, span.traceId);
  // The answer's encoding is a span of the same trace, ended once the answer is written.
  const encode = tracer.spans.find((s) => s.name === 'query.encode' && s.traceId === span.traceId);
  assert.ok(encode?.ended);
});
