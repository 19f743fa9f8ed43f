import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, formatTextLogLine } from '../../../src/cli/logger.js';
import type { LoggingConfig } from '../../../src/cli/config-types.js';

function capture(logging: Pick<LoggingConfig, 'level' | 'format'>): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger(logging, { write: (chunk: string) => lines.push(chunk) }), lines };
}

test('text format: one readable line with time, level, component, message and fields', () => {
  const { log, lines } = capture({ level: 'info', format: 'text' });
  log.child({ component: 'flush' }).info({ points: 3, table: 'cpu load', ok: true }, 'flushed');
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  \[flush\] flushed points=3 table="cpu load" ok=true\n$/);
  assert.ok(!(lines[0] ?? '').includes('pid='));
});

test('json format: one pino object per line with a level label', () => {
  const { log, lines } = capture({ level: 'info', format: 'json' });
  log.child({ component: 'wal' }).warn({ bytes: 10 }, 'slow fsync');
  assert.equal(lines.length, 1);
  const record = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  assert.equal(record['level'], 'warn');
  assert.equal(record['msg'], 'slow fsync');
  assert.equal(record['component'], 'wal');
  assert.equal(record['bytes'], 10);
  assert.equal(typeof record['time'], 'string');
  assert.equal(typeof record['pid'], 'number');
});

test('the configured level filters less severe records', () => {
  const { log, lines } = capture({ level: 'warn', format: 'text' });
  log.info('hidden');
  log.debug('hidden');
  log.error('shown');
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', / ERROR shown\n$/);
  assert.equal(log.level, 'warn');
});

test('authorization headers, passwords and the cluster secret are redacted in both formats', () => {
  for (const format of ['text', 'json'] as const) {
    const { log, lines } = capture({ level: 'info', format });
    log.info({ req: { headers: { authorization: 'Token abc123' } } }, 'request');
    log.info({ headers: { authorization: 'Basic dXNlcjpwdw==' } }, 'outgoing');
    log.info({ user: { name: 'admin', password: 'hunter2' } }, 'user created');
    log.info({ password: 'hunter3' }, 'login');
    log.info({ config: { cluster: { secret: 'shared-s3cret' } } }, 'config');
    log.info({ cluster: { secret: 'shared-s3cret' } }, 'cluster');
    const output = lines.join('');
    for (const secret of ['abc123', 'dXNlcjpwdw', 'hunter2', 'hunter3', 'shared-s3cret']) {
      assert.ok(!output.includes(secret), `${format} output leaks ${secret}: ${output}`);
    }
    assert.ok(output.includes('[redacted]'));
    assert.ok(output.includes('admin'));
  }
});

test('text format prints an error message and its stack, indented', () => {
  const { log, lines } = capture({ level: 'info', format: 'text' });
  log.error({ err: new Error('disk full') }, 'flush failed');
  const [first, ...stack] = (lines[0] ?? '').trimEnd().split('\n');
  assert.match(first ?? '', / ERROR flush failed err="disk full"$/);
  assert.match(stack[0] ?? '', /^ {4}Error: disk full$/);
  assert.ok(stack.length > 1 && stack.every((line) => line.startsWith('    ')));
});

test('formatTextLogLine passes through what is not JSON', () => {
  assert.equal(formatTextLogLine('not json'), 'not json\n');
  assert.equal(formatTextLogLine('{"level":"info","time":"t","msg":"m","n":null}\n'), 't INFO  m n=null\n');
  assert.equal(formatTextLogLine('{"level":"debug","time":"t","n":1}'), 't DEBUG n=1\n');
});

test('context fields (the active trace) join every record; without them nothing is added', () => {
  const lines: string[] = [];
  let active: Record<string, string> = { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' };
  const log = createLogger({ level: 'info', format: 'text' }, { write: (chunk: string) => lines.push(chunk) }, () => active);
  log.child({ component: 'http' }).info('traced');
  active = {};
  log.info('untraced');
  assert.match(lines[0] ?? '', / INFO  \[http\] traced trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7\n$/);
  assert.match(lines[1] ?? '', / INFO  untraced\n$/);
  const { log: plain, lines: plainLines } = capture({ level: 'info', format: 'json' });
  plain.info('x');
  assert.equal((JSON.parse(plainLines[0] ?? '') as Record<string, unknown>)['trace_id'], undefined);
});
