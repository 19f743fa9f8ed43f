// The process logger: pino writing synchronously to stderr, as JSON or as one human-readable line per record.
// It must never print secrets (see REDACT_PATHS) and never buffer: a crash must not lose its last lines.

import { pino, type DestinationStream, type Logger } from 'pino';
import type { LoggingConfig } from './config-types.js';

const CENSOR = '[redacted]';

/** Applied before either format renders, so both hide the same fields. */
export const REDACT_PATHS: readonly string[] = [
  'authorization',
  'headers.authorization',
  'headers["proxy-authorization"]',
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'request.headers.authorization',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'cluster.secret',
  'config.cluster.secret',
  'token',
  '*.token',
  'hash',
  '*.hash',
];

export interface LogDestination {
  write(chunk: string): unknown;
}

/** Fields added to every record, e.g. the active span's trace_id and span_id (tracing on). */
export type LogContextFields = () => Record<string, string>;

/**
 * `destination` defaults to fd 2; tests pass a collector. Components take children:
 * `log.child({ component: 'flush' })`. `contextFields` is absent unless tracing is on (no cost then).
 */
export function createLogger(logging: Pick<LoggingConfig, 'level' | 'format'>, destination?: LogDestination, contextFields?: LogContextFields): Logger {
  const sink: LogDestination = destination ?? pino.destination({ dest: 2, sync: true });
  const stream: DestinationStream =
    logging.format === 'json'
      ? { write: (line: string) => void sink.write(line) }
      : { write: (line: string) => void sink.write(formatTextLogLine(line)) };
  return pino(
    {
      level: logging.level,
      // Text lines leave out pid and hostname: a person reading a terminal knows both.
      ...(logging.format === 'text' ? { base: null } : {}),
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: CENSOR },
      ...(contextFields ? { mixin: contextFields } : {}),
    },
    stream,
  );
}

const HEADER_KEYS = new Set(['level', 'time', 'msg', 'component', 'err', 'pid', 'hostname']);

/**
 * One pino JSON record → "2026-01-02T03:04:05.678Z INFO  [flush] message key=value …",
 * followed by an error's stack, indented. Unparseable input passes through unchanged.
 */
export function formatTextLogLine(jsonLine: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine.endsWith('\n') ? jsonLine : `${jsonLine}\n`;
  }
  const level = String(record['level'] ?? '').toUpperCase().padEnd(5);
  const component = typeof record['component'] === 'string' ? ` [${record['component']}]` : '';
  const message = record['msg'] === undefined ? '' : ` ${String(record['msg'])}`;
  let line = `${String(record['time'] ?? '')} ${level}${component}${message}`;
  for (const [key, value] of Object.entries(record)) {
    if (!HEADER_KEYS.has(key)) line += ` ${key}=${formatFieldValue(value)}`;
  }
  const err = record['err'];
  if (typeof err === 'object' && err !== null) {
    const { message, stack } = err as { message?: unknown; stack?: unknown };
    line += ` err=${formatFieldValue(message ?? err)}`;
    if (typeof stack === 'string') line += `\n    ${stack.split('\n').join('\n    ')}`;
  } else if (err !== undefined) {
    line += ` err=${formatFieldValue(err)}`;
  }
  return `${line}\n`;
}

function formatFieldValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}
