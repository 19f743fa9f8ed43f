// GET/POST /query: TimeseriesQL over HTTP with InfluxDB 1.x parameters and response shapes
// (JSON, pretty, epoch, chunked, CSV). Parsing and execution live in core/query.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine } from '../../core/index.js';
import { BadRequestError, QueryTimeoutError } from '../../core/errors.js';
import { formatResultsJson, formatResultsJsonPieces, formatResultsChunkedLines, resultRowCount, type Epoch } from '../encode/json.js';
import { formatResultsCsv, formatResultsCsvPieces } from '../encode/csv.js';
import { pacedBody, STREAMED_ANSWER_ROWS } from '../paced-body.js';
import { formValues } from '../request-params.js';
import type { Logger } from 'pino';
import { RequestCancelledError, withInternalErrorsLogged } from '../error-handler.js';
import type { RequestContexts } from '../request-context.js';

export interface QueryRouteOptions {
  readonly engine: Engine;
  /** Who is asking and which statement observer to tell, set by the server's hooks. */
  readonly contexts?: RequestContexts;
  readonly maxBodyBytes: number;
  readonly defaultChunkSize: number;
  /** A large answer whose client takes nothing for this long is abandoned. */
  readonly stallTimeoutMs: number;
  /** Refuses queries before they run (a cluster node that is still catching up). */
  readonly beforeQuery?: () => void;
  /** Where statements that failed inside are logged with their request id. */
  readonly log: Logger;
}

const EPOCHS = new Set(['u', 'ms', 's', 'm', 'h']);

/** URL parameters, overridden by form fields of a POST body (InfluxDB reads both); one value per name. */
function queryParams(request: FastifyRequest): Partial<Record<string, string>> {
  const body = request.body;
  const contentType = request.headers['content-type'] ?? '';
  const form = Buffer.isBuffer(body) && body.length > 0 && contentType.startsWith('application/x-www-form-urlencoded') ? body.toString('utf8') : undefined;
  return formValues(request.query, form);
}

export async function queryRoutes(app: FastifyInstance, options: QueryRouteOptions): Promise<void> {
  const { engine } = options;
  const metrics = engine.metrics;
  app.route({
    method: ['GET', 'POST'],
    url: '/query',
    bodyLimit: options.maxBodyBytes,
    handler: async (request, reply) => {
      const started = performance.now();
      metrics.queryRequests.inc();
      const abort = new AbortController();
      try {
        const params = queryParams(request);
        const q = (params.q ?? '').trim();
        if (q === '') throw new BadRequestError('missing required parameter "q"');
        options.beforeQuery?.();
        let bindParams: Record<string, unknown> | undefined;
        if (params.params) {
          try {
            bindParams = JSON.parse(params.params) as Record<string, unknown>;
          } catch {
            throw new BadRequestError('error parsing query parameters: invalid character in params');
          }
        }
        const epochParam = params.epoch;
        // InfluxDB 1.6 knows u, ms, s, m and h; any other non-empty epoch (n, µ, typos) means nanoseconds.
        const epoch = epochParam ? (EPOCHS.has(epochParam) ? (epochParam as Epoch) : 'ns') : undefined;
        // The request stream closes once a POST body is read; only a response closed before it was
        // finished means the client went away.
        reply.raw.once('close', () => {
          if (!reply.raw.writableFinished) abort.abort();
        });
        const chunked = params.chunked === 'true';
        const answered = await engine.query(q, {
          db: params.db ?? '',
          readOnly: request.method === 'GET',
          chunked,
          ...(params.rp ? { rp: params.rp } : {}),
          ...(bindParams ? { params: bindParams } : {}),
          signal: abort.signal,
          ...options.contexts?.of(request),
        });
        const results = withInternalErrorsLogged(answered, request.id, options.log);
        if (results.some((r) => r.error !== undefined)) metrics.queryErrors.inc();
        metrics.queryDuration.observe((performance.now() - started) / 1000);
        // A large answer is written piece by piece (see paced-body.ts); a small one in one string.
        const streamed = resultRowCount(results) > STREAMED_ANSWER_ROWS;
        const paced = { stallTimeoutMs: options.stallTimeoutMs };
        const accept = request.headers.accept ?? '';
        if (accept.includes('application/csv') || accept.includes('text/csv')) {
          reply.code(200).header('Content-Type', 'application/csv');
          const csvOptions = epoch ? { epoch } : {};
          return reply.send(streamed ? pacedBody(formatResultsCsvPieces(results, csvOptions), paced) : formatResultsCsv(results, csvOptions));
        }
        reply.code(200).header('Content-Type', 'application/json');
        if (chunked) {
          const size = Number.parseInt(params.chunk_size ?? '', 10);
          const chunkSize = Number.isFinite(size) && size > 0 ? size : options.defaultChunkSize;
          const lines = formatResultsChunkedLines(results, { chunkSize, ...(epoch ? { epoch } : {}) });
          return reply.send(streamed ? pacedBody(lines, paced) : [...lines].join(''));
        }
        const format = { pretty: params.pretty === 'true', ...(epoch ? { epoch } : {}) };
        return reply.send(streamed ? pacedBody(formatResultsJsonPieces(results, format), { ...paced, suffix: '\n' }) : formatResultsJson(results, format) + '\n');
      } catch (error) {
        // Whatever the engine threw once the client left (chdb's "Query aborted", an AbortError)
        // only says the work stopped as asked.
        if (abort.signal.aborted && !(error instanceof QueryTimeoutError)) throw new RequestCancelledError({ cause: error });
        metrics.queryErrors.inc();
        if (error instanceof QueryTimeoutError) {
          // InfluxDB 1.x kills the query and reports it as the statement's error, with a 200.
          return reply.code(200).header('Content-Type', 'application/json').send(formatResultsJson([{ statement_id: 0, error: error.message }], {}) + '\n');
        }
        throw error;
      }
    },
  });
}
