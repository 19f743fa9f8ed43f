// The OpenTelemetry adapter of the tracing port, against a real OTLP/HTTP receiver: span names,
// parents, kinds, attributes, failures, traceparent continuation, sampling, the detailed-trace
// switch, log correlation and traceparent on outgoing undici requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-node';
import { ExportSampler, startOtelTracing, tracesUrl, type OtelTracing, type OtelTracingOptions } from '../../../src/cli/otel-tracing.js';
import { serviceNameFrom, startTracing, tracingWanted } from '../../../src/cli/tracing.js';
import { createLogger } from '../../../src/cli/logger.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

async function withTracing(options: Partial<OtelTracingOptions>, body: (tracing: OtelTracing, receiver: OtlpReceiver) => Promise<void>): Promise<ReceivedSpan[]> {
  const receiver = await startOtlpReceiver();
  const tracing = startOtelTracing({ otlpEndpoint: receiver.url, sampleRatio: 1, detailed: true, serviceName: 'hb-unit', serviceVersion: '9.9.9', serviceInstanceId: 'n7', ...options });
  try {
    await body(tracing, receiver);
  } finally {
    // Shutdown exports whatever the batch processor still holds.
    await tracing.shutdown(5_000);
    await receiver.close();
  }
  assert.deepEqual(receiver.rejected, []);
  return receiver.spans;
}

function named(spans: readonly ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `exactly one ${name} span; got ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

test('tracesUrl adds /v1/traces to a bare endpoint and keeps a full one', () => {
  assert.equal(tracesUrl('http://alloy:4318'), 'http://alloy:4318/v1/traces');
  assert.equal(tracesUrl('http://alloy:4318/'), 'http://alloy:4318/v1/traces');
  assert.equal(tracesUrl('https://collector.example/otlp/v1/traces'), 'https://collector.example/otlp/v1/traces');
});

test('tracing stays off (and OpenTelemetry unloaded) unless an endpoint or detailed_trace is set; OTEL_SERVICE_NAME names the service', async () => {
  const off = { level: 'info', format: 'text', detailedTrace: false, otlpEndpoint: '', otlpSampleRatio: 1 } as const;
  assert.equal(tracingWanted(off), false);
  assert.equal(await startTracing(off, { serviceName: 'x', serviceVersion: '0', instanceId: 'n' }), null);
  assert.equal(tracingWanted({ ...off, detailedTrace: true }), true);
  assert.equal(tracingWanted({ ...off, otlpEndpoint: 'http://a:4318' }), true);
  assert.equal(serviceNameFrom({}), 'hyperbytedb');
  assert.equal(serviceNameFrom({ OTEL_SERVICE_NAME: ' ' }), 'hyperbytedb');
  assert.equal(serviceNameFrom({ OTEL_SERVICE_NAME: 'tsdb-eu' }), 'tsdb-eu');
});

test('sampler: the ratio decides new traces, a caller\'s flag decides its own; detailed_trace records the rest without exporting it', () => {
  const remote = (flags: number) => trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: flags, isRemote: true });
  const decide = (sampler: ExportSampler, context = ROOT_CONTEXT, traceId = TRACE_ID) => sampler.shouldSample(context, traceId, 'x', SpanKind.SERVER, {}, []).decision;
  assert.equal(decide(new ExportSampler(1, false)), SamplingDecision.RECORD_AND_SAMPLED);
  assert.equal(decide(new ExportSampler(0, false)), SamplingDecision.NOT_RECORD);
  assert.equal(decide(new ExportSampler(0, true)), SamplingDecision.RECORD);
  assert.equal(decide(new ExportSampler(0, false), remote(TraceFlags.SAMPLED)), SamplingDecision.RECORD_AND_SAMPLED);
  assert.equal(decide(new ExportSampler(1, false), remote(TraceFlags.NONE)), SamplingDecision.NOT_RECORD);
  assert.equal(decide(new ExportSampler(1, true), remote(TraceFlags.NONE)), SamplingDecision.RECORD);
  const half = new ExportSampler(0.5, false);
  let sampled = 0;
  for (let i = 0; i < 2000; i++) if (decide(half, ROOT_CONTEXT, randomBytes(16).toString('hex')) === SamplingDecision.RECORD_AND_SAMPLED) sampled++;
  assert.ok(sampled > 850 && sampled < 1150, `0.5 sampled ${sampled} of 2000`);
});

test('spans: a caller\'s traceparent is continued, children nest through awaits, failures are marked, roots link their starter', async () => {
  let insideTraceId: string | null = null;
  let insideFields: Record<string, string> = {};
  let outsideFields: Record<string, string> = { unset: 'yes' };
  const spans = await withTracing({}, async (tracing) => {
    const { tracer } = tracing;
    assert.equal(tracer.traceId(), null);
    outsideFields = tracing.logFields();
    const answer = await tracer.span('POST /write', { 'http.route': '/write' }, async (span) => {
      insideTraceId = tracer.traceId();
      insideFields = tracing.logFields();
      const points = tracer.detail('write.parse', { bytes: 14 }, () => 3);
      await tracer.detail('wal.append', {}, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
      });
      await assert.rejects(tracer.detail('write.catalog', {}, async () => Promise.reject(new Error('catalog down'))), /catalog down/);
      assert.throws(() => tracer.detail('write.sync', {}, () => {
        throw new Error('sync failure');
      }), /sync failure/);
      const encode = tracer.startDetail('query.encode', { statements: 1 });
      // A background step started here is a trace of its own that links back.
      await tracer.span('flush', {}, async () => undefined, { root: true });
      span.setAttributes({ 'http.response.status_code': 204 });
      setTimeout(() => encode.end(), 5);
      return points;
    }, { kind: 'server', traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` });
    assert.equal(answer, 3);
    await new Promise((resolve) => setTimeout(resolve, 20));
  });
  const server = named(spans, 'POST /write');
  assert.equal(server.traceId, TRACE_ID);
  assert.equal(server.parentSpanId, PARENT_ID);
  assert.equal(server.kind, 2);
  assert.equal(server.attributes['http.route'], '/write');
  assert.equal(server.attributes['http.response.status_code'], 204);
  assert.deepEqual(server.resource, { 'service.name': 'hb-unit', 'service.version': '9.9.9', 'service.instance.id': 'n7' });
  for (const name of ['write.parse', 'wal.append', 'write.catalog', 'write.sync', 'query.encode']) {
    const child = named(spans, name);
    assert.equal(child.traceId, TRACE_ID, name);
    assert.equal(child.parentSpanId, server.spanId, name);
    assert.equal(child.kind, 1, name);
  }
  assert.equal(named(spans, 'write.parse').attributes['bytes'], 14);
  assert.equal(named(spans, 'write.catalog').statusCode, 2);
  assert.equal(named(spans, 'write.sync').statusCode, 2);
  assert.equal(named(spans, 'wal.append').statusCode, 0);
  assert.ok(named(spans, 'wal.append').endNs - named(spans, 'wal.append').startNs >= 4_000_000n);
  const flush = named(spans, 'flush');
  assert.notEqual(flush.traceId, TRACE_ID);
  assert.equal(flush.parentSpanId, '');
  assert.deepEqual(flush.links, [{ traceId: TRACE_ID, spanId: server.spanId }]);
  assert.equal(insideTraceId, TRACE_ID);
  assert.deepEqual(insideFields, { trace_id: TRACE_ID, span_id: server.spanId });
  assert.deepEqual(outsideFields, {});
});

test('without detailed_trace only the main spans exist; an unsampled trace exports nothing but still correlates logs', async () => {
  let unsampledTraceId: string | null = null;
  const spans = await withTracing({ detailed: false, sampleRatio: 0 }, async ({ tracer }) => {
    const value = await tracer.span('POST /query', {}, async () => {
      unsampledTraceId = tracer.traceId();
      return tracer.detail('query.parse', {}, () => 'parsed');
    });
    assert.equal(value, 'parsed');
    await tracer.span('POST /write', {}, async () => tracer.detail('write.parse', {}, () => 1), { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` });
    await tracer.span('POST /write', {}, async () => undefined, { traceparent: `00-${'a'.repeat(32)}-${PARENT_ID}-00` });
  });
  assert.deepEqual(spans.map((s) => [s.name, s.traceId]), [['POST /write', TRACE_ID]]);
  assert.match(unsampledTraceId ?? '', /^[0-9a-f]{32}$/);
});

test('detailed_trace without an endpoint logs every finished span with its ids (system_trace)', async () => {
  const lines: string[] = [];
  const tracing = startOtelTracing({ otlpEndpoint: '', sampleRatio: 0, detailed: true, serviceName: 'hb', serviceVersion: '0', serviceInstanceId: 'n1' });
  try {
    const log = createLogger({ level: 'info', format: 'json' }, { write: (line: string) => lines.push(line) }, tracing.logFields);
    tracing.useLogger(log.child({ component: 'trace' }));
    await tracing.tracer.span('POST /write', { 'http.route': '/write' }, async () => {
      log.info('inside');
      tracing.tracer.detail('write.parse', { points: 2 }, () => undefined);
    });
    log.info('outside');
  } finally {
    await tracing.shutdown(1_000);
  }
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const inside = records.find((r) => r['msg'] === 'inside')!;
  const parse = records.find((r) => r['span'] === 'write.parse')!;
  const server = records.find((r) => r['span'] === 'POST /write')!;
  assert.equal(parse['system_trace'], true);
  assert.equal(parse['trace_id'], server['trace_id']);
  assert.equal(parse['parent_span_id'], server['span_id']);
  assert.deepEqual(parse['attributes'], { points: 2 });
  assert.equal(typeof parse['duration_ms'], 'number');
  assert.equal(inside['trace_id'], server['trace_id']);
  assert.equal(inside['span_id'], server['span_id']);
  assert.equal(records.find((r) => r['msg'] === 'outside')!['trace_id'], undefined);
});

test('undici requests made inside a span carry its traceparent (diagnostics channel); outside one, none', async () => {
  const seen: Array<string | undefined> = [];
  const peer = createServer((req, res) => {
    seen.push(req.headers.traceparent as string | undefined);
    res.end('ok');
  });
  await new Promise<void>((resolve) => peer.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const url = `http://127.0.0.1:${(peer.address() as AddressInfo).port}/internal/replicate`;
  try {
    const spans = await withTracing({ detailed: false }, async ({ tracer }) => {
      await tracer.span('replication.send', {}, async () => (await request(url, { method: 'POST', body: 'x' })).body.text(), { root: true, kind: 'client' });
      await (await request(url)).body.text();
    });
    const send = named(spans, 'replication.send');
    assert.equal(send.kind, 3);
    assert.deepEqual(seen, [`00-${send.traceId}-${send.spanId}-01`, undefined]);
  } finally {
    peer.closeAllConnections();
    await new Promise((resolve) => peer.close(resolve));
  }
});
