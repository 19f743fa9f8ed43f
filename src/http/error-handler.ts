// The one place that maps errors to HTTP responses in InfluxDB 1.x's format: {"error":"..."}.
// Routes throw typed errors; nothing else in src/http writes an error status.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { isHyperbyteError, UnavailableError } from '../core/errors.js';
import { INTERNAL_STATEMENT_ERROR } from '../core/query/index.js';
import { FORMAT_CONTENT_TYPE, formatError, responseFormat } from './encode/response-format.js';

export interface ErrorBody {
  readonly status: number;
  readonly message: string;
}

/** Status of a request whose client went away before the answer (nginx's 499); nobody reads it. */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * The client closed the connection while its request ran (the engine stopped its work, e.g. chdb's
 * "Query aborted"): an expected outcome, logged at debug, never a server error.
 */
export class RequestCancelledError extends Error {
  constructor(options: { readonly cause: unknown }) {
    super('request cancelled: the client closed the connection', options);
    this.name = 'RequestCancelledError';
  }
}

/** A method the URL does not answer: 1.x's router sends a plain-text 405 naming the allowed ones. */
export class MethodNotAllowedError extends Error {
  constructor(readonly allow: readonly string[]) {
    super('Method Not Allowed');
    this.name = 'MethodNotAllowedError';
  }
}

/**
 * What a client reads for a failure that is not one of ours: never a chDB text, a stack or a
 * path; the full error is in the server log under the same request id (the Request-Id header).
 */
export function internalErrorMessage(requestId: string | undefined): string {
  return requestId === undefined ? 'internal error' : `internal error; see the server log for request id ${requestId}`;
}

/**
 * Translates any thrown value into the status and message InfluxDB 1.x would send. Our typed
 * errors keep their InfluxDB-exact messages (they are built without chDB texts or paths); any
 * other failure answers a generic message naming the request id.
 */
export function describeError(error: unknown, requestId?: string): ErrorBody {
  if (error instanceof RequestCancelledError) return { status: CLIENT_CLOSED_REQUEST, message: error.message };
  if (isHyperbyteError(error)) return { status: error.status, message: error.message };
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, message: 'Request Entity Too Large' };
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return { status: 400, message: 'invalid content length' };
  const status = typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode <= 599 ? fastifyError.statusCode : 500;
  if (status < 500) return { status, message: fastifyError.message ?? 'bad request' };
  return { status, message: internalErrorMessage(requestId) };
}

/**
 * Statement results as a client may see them: a statement that failed inside (its `cause` set by
 * the executor) is logged once with the request id and names that id in its error.
 */
export function withInternalErrorsLogged<T extends { readonly error?: string; readonly cause?: unknown }>(results: readonly T[], requestId: string, log: Logger): T[] {
  return results.map((result) => {
    if (!('cause' in result)) return result;
    log.error({ err: result.cause, reqId: requestId }, 'statement failed');
    const { cause: _cause, ...shown } = result;
    return (result.error === INTERNAL_STATEMENT_ERROR ? { ...shown, error: internalErrorMessage(requestId) } : shown) as T;
  });
}

/**
 * The message as a header value. Node refuses control characters and code points above U+00FF
 * there (the reply would become fastify's own 400), so send the UTF-8 bytes as Go does and blank
 * the control characters.
 */
export function errorHeaderValue(message: string): string {
  // Go's header writer trims the value's surrounding blanks too.
  return Buffer.from(message.slice(0, 1024), 'utf8').toString('latin1').replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ' ').trim();
}

/**
 * The error in the encoding the request's Accept header asks for (JSON, a CSV document or a
 * MessagePack map), as 1.x's response writer wraps every API route.
 */
export function sendError(reply: FastifyReply, error: unknown, log: Logger): FastifyReply {
  if (error instanceof MethodNotAllowedError) {
    return reply
      .code(405)
      .header('Allow', error.allow.join(', '))
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Type', 'text/plain; charset=utf-8')
      .send('Method Not Allowed\n');
  }
  const reqId = reply.request.id;
  const { status, message } = describeError(error, reqId);
  if (error instanceof RequestCancelledError) log.debug({ cause: causeMessage(error), reqId }, 'request cancelled by the client');
  // A 503 is an expected state (catching up, draining, a full disk): one line, no stack.
  else if (error instanceof UnavailableError) log.warn({ reqId, status, reason: message }, 'request refused for now');
  else if (status >= 500) log.error({ err: error, reqId }, 'request failed');
  if (error instanceof UnavailableError) {
    reply.header('Retry-After', String(error.retryAfterSeconds));
    if (error.redirect !== null) reply.header('X-Hyperbytedb-Redirect', error.redirect);
  }
  // InfluxDB 1.x answers a 401 with a Basic challenge instead of the error header.
  if (status === 401) reply.header('WWW-Authenticate', 'Basic realm="InfluxDB"');
  else reply.header('X-Influxdb-Error', errorHeaderValue(message));
  const format = responseFormat(reply.request.headers.accept);
  const pretty = (reply.request.query as Record<string, unknown> | undefined)?.['pretty'] === 'true';
  const body = formatError(message, format, { pretty });
  return reply
    .code(status)
    .header('Content-Type', FORMAT_CONTENT_TYPE[format])
    .send(typeof body === 'string' ? Buffer.from(body) : body);
}

function causeMessage(error: Error): string {
  return error.cause instanceof Error ? error.cause.message : String(error.cause);
}

export function registerErrorHandler(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((error: unknown, _request: FastifyRequest, reply: FastifyReply) => sendError(reply, error, log));
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).header('Content-Type', 'text/plain; charset=utf-8').send('404 page not found\n');
  });
}
