// Traces and logs of real server processes, received by a real OTLP/HTTP receiver started here:
// a 2-node cluster with detailed_trace (write, replication to the peer, flush and query spans with
// their parents and attributes, the caller's traceparent continued on both nodes, trace ids on
// log lines, the statement summary naming the trace), then a single node exporting at ratio 0
// without detailed_trace (only traces whose caller sampled them leave, and only the main spans).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startCluster, type TestCluster } from '../support/hyperbytedb-cluster.js';
import { startHyperbytedb } from '../support/hyperbytedb-server.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';

const PARENT_SPAN = '00f067aa0ba902b7';

function traceparent(traceId: string, sampled: boolean): string {
  return `00-${traceId}-${PARENT_SPAN}-${sampled ? '01' : '00'}`;
}

async function send(url: string, options: { method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  const res = await request(url, { method: options.method ?? 'GET', headersTimeout: 20_000, bodyTimeout: 20_000, ...(options.body !== undefined ? { body: options.body } : {}), ...(options.headers ? { headers: options.headers } : {}) });
  return { status: res.statusCode, body: await res.body.text() };
}

function query(base: string, db: string, q: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return send(`${base}/query?db=${db}&q=${encodeURIComponent(q)}`, { headers });
}

function one(spans: readonly ReceivedSpan[], where: (s: ReceivedSpan) => boolean, what: string): ReceivedSpan {
  const found = spans.filter(where);
  assert.equal(found.length, 1, `one ${what}; got ${found.length} of ${spans.map((s) => `${s.name}@${String(s.resource['service.instance.id'])}`).join(', ')}`);
  return found[0]!;
}

function childrenOf(spans: readonly ReceivedSpan[], parent: ReceivedSpan): string[] {
  return spans.filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId).map((s) => s.name).sort();
}

/** JSON log records of a node's output (text lines of the test harness are skipped). */
function logRecords(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

test('cluster with detailed_trace: write, replication, flush and query spans reach the receiver with their parents; logs carry the trace', { timeout: 90_000 }, async () => {
  const receiver = await startOtlpReceiver();
  let cluster: TestCluster | null = null;
  try {
    cluster = await startCluster({
      size: 2,
      env: {
        HYPERBYTEDB__LOGGING__OTLP_ENDPOINT: receiver.url,
        HYPERBYTEDB__LOGGING__DETAILED_TRACE: 'true',
        HYPERBYTEDB__LOGGING__FORMAT: 'json',
        HYPERBYTEDB__LOGGING__LEVEL: 'debug',
        HYPERBYTEDB__STATEMENT_SUMMARY__ENABLED: 'true',
        OTEL_SERVICE_NAME: 'hb-traced',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    const [n1, n2] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
    assert.equal((await query(n1.url, '', 'CREATE DATABASE db')).status, 200);

    // A write at consistency=all through n1: its trace starts at the caller's span.
    const writeTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const written = await send(`${n1.url}/write?db=db&consistency=all`, { method: 'POST', body: 'cpu,host=a value=1 1000000000\ncpu,host=b value=2 1000000000', headers: { traceparent: traceparent(writeTrace, true) } });
    assert.equal(written.status, 204, written.body);
    const isWrite = (s: ReceivedSpan): boolean => s.name === 'POST /write' && s.traceId === writeTrace;
    await receiver.waitFor((spans) => spans.some(isWrite) && spans.some((s) => s.name === 'replication.append' && s.resource['service.instance.id'] === 'n2'), 20_000, 'write and replication spans');
    const writeSpan = one(receiver.spans, isWrite, 'POST /write span');
    assert.equal(writeSpan.parentSpanId, PARENT_SPAN);
    assert.equal(writeSpan.kind, 2);
    assert.deepEqual(writeSpan.resource, { 'service.name': 'hb-traced', 'service.version': writeSpan.resource['service.version'], 'service.instance.id': 'n1' });
    assert.equal(writeSpan.attributes['http.route'], '/write');
    assert.equal(writeSpan.attributes['db.namespace'], 'db');
    assert.equal(writeSpan.attributes['http.response.status_code'], 204);
    assert.equal(writeSpan.flags & 1, 1);
    assert.deepEqual(childrenOf(receiver.spans, writeSpan), ['replication.wait', 'wal.append', 'write.catalog', 'write.catalog_apply', 'write.parse']);
    const parse = one(receiver.spans, (s) => s.name === 'write.parse' && s.traceId === writeTrace, 'write.parse');
    assert.equal(parse.attributes['hyperbytedb.points'], 2);
    assert.equal(one(receiver.spans, (s) => s.name === 'replication.wait' && s.traceId === writeTrace, 'replication.wait').attributes['hyperbytedb.consistency'], 'all');

    // Replication: n1 sends in a trace of its own; n2 continues it from the traceparent it got.
    const sendSpan = one(receiver.spans, (s) => s.name === 'replication.send' && s.attributes['hyperbytedb.peer'] === 'n2', 'replication.send to n2');
    assert.equal(sendSpan.kind, 3);
    assert.equal(sendSpan.parentSpanId, '');
    assert.equal(sendSpan.resource['service.instance.id'], 'n1');
    const received = one(receiver.spans, (s) => s.name === 'POST /internal/replicate' && s.traceId === sendSpan.traceId, 'the peer\'s replicate span');
    assert.equal(received.resource['service.instance.id'], 'n2');
    assert.equal(received.parentSpanId, sendSpan.spanId);
    assert.deepEqual(childrenOf(receiver.spans, received), ['replication.append', 'replication.catalog_wait']);

    // Log lines written while the write ran carry its trace id (the request line among them).
    const writeLog = logRecords(n1.handle!.output());
    const requestLine = writeLog.find((r) => r['msg'] === 'request' && r['url'] === '/write?db=db&consistency=all');
    assert.equal(requestLine?.['trace_id'], writeTrace, `the access log line of the write names its trace: ${JSON.stringify(requestLine)} ${n1.handle!.output().length}`);
    const spanLines = writeLog.filter((r) => r['system_trace'] === true && r['trace_id'] === writeTrace).map((r) => r['span']);
    assert.ok(spanLines.includes('write.parse') && spanLines.includes('POST /write'), `span log lines: ${spanLines.join(', ')}`);

    // A query on n2 (its own trace from the caller), which flushes first (read-your-writes).
    const queryTrace = 'a3ce929d0e0e47364bf92f3577b34da6';
    const answer = await query(n2.url, 'db', 'SELECT value FROM cpu', { traceparent: traceparent(queryTrace, true) });
    assert.equal(answer.status, 200);
    assert.match(answer.body, /"values":\[\["1970-01-01T00:00:01Z",1\],\["1970-01-01T00:00:01Z",2\]\]/);
    const isQuery = (s: ReceivedSpan): boolean => s.name === 'GET /query' && s.traceId === queryTrace;
    await receiver.waitFor((spans) => spans.some(isQuery), 20_000, 'the query span');
    const querySpan = one(receiver.spans, isQuery, 'GET /query span');
    assert.equal(querySpan.resource['service.instance.id'], 'n2');
    assert.deepEqual(childrenOf(receiver.spans, querySpan), ['query.encode', 'query.execute', 'query.parse']);
    const execute = one(receiver.spans, (s) => s.name === 'query.execute' && s.traceId === queryTrace, 'query.execute');
    assert.equal(execute.attributes['hyperbytedb.statement'], 'select');
    assert.deepEqual(childrenOf(receiver.spans, execute), ['chdb.query', 'query.plan', 'query.read_your_writes']);
    assert.equal(one(receiver.spans, (s) => s.name === 'query.plan' && s.traceId === queryTrace, 'query.plan').attributes['hyperbytedb.measurement'], 'cpu');

    // Flush rounds are traces of their own: encode and chDB insert inside.
    await receiver.waitFor((spans) => spans.some((s) => s.name === 'flush.insert' && s.resource['service.instance.id'] === 'n2'), 20_000, 'a flush on n2');
    const insert = receiver.spans.find((s) => s.name === 'flush.insert' && s.resource['service.instance.id'] === 'n2')!;
    assert.deepEqual([insert.attributes['db.namespace'], insert.attributes['hyperbytedb.measurement']], ['db', 'cpu']);
    const flush = one(receiver.spans, (s) => s.spanId === insert.parentSpanId, 'the insert\'s flush');
    assert.equal(flush.name, 'flush');
    assert.equal(flush.parentSpanId, '');
    assert.ok(childrenOf(receiver.spans, flush).includes('flush.encode'));

    // Without a caller's trace, the statement summary names the trace the query got here.
    assert.equal((await query(n1.url, 'db', 'SELECT count(value) FROM cpu')).status, 200);
    const summary = JSON.parse((await send(`${n1.url}/api/v1/statements`)).body) as { statements: Array<{ query: string; slowest_trace_id: string | null }> };
    const counted = summary.statements.find((s) => s.query === 'SELECT count(value) FROM cpu');
    assert.match(counted?.slowest_trace_id ?? '', /^[0-9a-f]{32}$/, JSON.stringify(summary));
    await receiver.waitFor((spans) => spans.some((s) => s.traceId === counted!.slowest_trace_id && s.name === 'GET /query'), 20_000, 'the summarized query\'s span');
    assert.deepEqual(receiver.rejected, []);
  } finally {
    await cluster?.stop();
    await receiver.close();
  }
});

test('single node at otlp_sample_ratio 0 without detailed_trace: only caller-sampled traces leave, with the main spans only; logs still carry trace ids', { timeout: 60_000 }, async () => {
  const receiver = await startOtlpReceiver();
  const server = await startHyperbytedb({
    env: {
      HYPERBYTEDB__LOGGING__OTLP_ENDPOINT: `${receiver.url}/v1/traces`,
      HYPERBYTEDB__LOGGING__OTLP_SAMPLE_RATIO: '0',
      HYPERBYTEDB__LOGGING__FORMAT: 'json',
      HYPERBYTEDB__LOGGING__LEVEL: 'debug',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
  });
  try {
    assert.equal((await query(server.url, '', 'CREATE DATABASE db')).status, 200);
    const notSampled = 'b'.repeat(32);
    const sampled = 'c'.repeat(32);
    for (const headers of [{}, { traceparent: traceparent(notSampled, false) }]) {
      assert.equal((await send(`${server.url}/write?db=db`, { method: 'POST', body: 'm v=1', headers })).status, 204);
    }
    assert.equal((await send(`${server.url}/write?db=db`, { method: 'POST', body: 'm v=2', headers: { traceparent: traceparent(sampled, true) } })).status, 204);
    // Spans are exported in the order they end: once the sampled write is in, the others would be too.
    await receiver.waitFor((spans) => spans.some((s) => s.traceId === sampled), 20_000, 'the sampled write');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(receiver.spans.map((s) => [s.name, s.traceId, s.parentSpanId]), [['POST /write', sampled, PARENT_SPAN]]);
    assert.equal(receiver.spans[0]!.resource['service.name'], 'hyperbytedb');
    const requestLines = logRecords(server.output()).filter((r) => r['msg'] === 'request' && r['url'] === '/write?db=db');
    assert.equal(requestLines.length, 3);
    assert.match(String(requestLines[0]!['trace_id']), /^[0-9a-f]{32}$/);
    assert.deepEqual(requestLines.slice(1).map((r) => r['trace_id']), [notSampled, sampled]);
    assert.ok(!logRecords(server.output()).some((r) => r['system_trace'] === true), 'no span lines without detailed_trace');
    assert.deepEqual(receiver.rejected, []);
  } finally {
    await server.stop();
    await receiver.close();
  }
});
