// GET/POST /query: TimeseriesQL over HTTP with InfluxDB 1.x parameters (URL, form or multipart
// body) and response shapes (JSON, pretty, epoch, chunked, CSV, MessagePack). Parsing and
// execution live in core/query.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine, QueryRequest, ResultSink } from '../../core/index.js';
import { BadRequestError, QueryTimeoutError } from '../../core/errors.js';
import type { StatementResult } from '../../core/query/index.js';
import { formatResultsJson, formatResultsJsonPieces, resultRowCount, type Epoch } from '../encode/json.js';
import { chunkResults, formatResultsChunkedLines } from '../encode/chunked.js';
import { formatResultsCsv, formatResultsCsvPieces } from '../encode/csv.js';
import { formatResultsMsgpack, formatResultsMsgpackPieces } from '../encode/msgpack.js';
import { FORMAT_CONTENT_TYPE, responseFormat, type ResponseFormat } from '../encode/response-format.js';
import { pacedBody, STREAMED_ANSWER_ROWS } from '../paced-body.js';
import { formValues } from '../request-params.js';
import { isMultipartForm, readMultipartForm } from '../multipart-form.js';
import type { Logger } from 'pino';
import { MethodNotAllowedError, RequestCancelledError, withInternalErrorsLogged } from '../error-handler.js';
import type { RequestContexts } from '../request-context.js';
import type { Tracer } from '../../core/tracing.js';
import { traceAnswer } from '../route-tracing.js';
import { writeChunkedAnswer } from '../chunked-answer.js';

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
  /** The answer's encoding is a span of the detailed trace. */
  readonly tracer?: Tracer;
}

const EPOCHS = new Set(['u', 'ms', 's', 'm', 'h']);

interface QueryParams {
  readonly values: Partial<Record<string, string>>;
  /** The statements: the `q` parameter, else the first file uploaded as `q` in a multipart body. */
  readonly q: string;
}

/** URL parameters, overridden by form fields of a POST body (InfluxDB reads both); one value per name. */
async function queryParams(request: FastifyRequest): Promise<QueryParams> {
  const body = request.body;
  const contentType = request.headers['content-type'] ?? '';
  const hasBody = Buffer.isBuffer(body) && body.length > 0;
  const form = hasBody && contentType.startsWith('application/x-www-form-urlencoded') ? body.toString('utf8') : undefined;
  const multipart = hasBody && isMultipartForm(contentType) ? await readMultipartForm(body, contentType) : undefined;
  const values = formValues(request.query, form, multipart?.values);
  const q = (values.q ?? '').trim();
  return { values, q: q !== '' ? q : (multipart?.files.get('q')?.[0] ?? '') };
}

export async function queryRoutes(app: FastifyInstance, options: QueryRouteOptions): Promise<void> {
  const { engine } = options;
  const metrics = engine.metrics;
  app.route({
    method: ['GET', 'POST'],
    url: '/query',
    // HEAD is one of the methods 1.x's router refuses here.
    exposeHeadRoute: false,
    bodyLimit: options.maxBodyBytes,
    handler: async (request, reply) => {
      const started = performance.now();
      metrics.queryRequests.inc();
      const abort = new AbortController();
      // The query's share of the memory budget, held until its answer is written (or it failed).
      const memory = engine.queryMemory.open();
      let answerHoldsMemory = false;
      try {
        const { values: params, q } = await queryParams(request);
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
        const epochParam = params.epoch?.trim();
        // InfluxDB 1.6 knows u, ms, s, m and h; any other non-empty epoch (n, µ, typos) means nanoseconds.
        const epoch = epochParam ? (EPOCHS.has(epochParam) ? (epochParam as Epoch) : 'ns') : undefined;
        // The request stream closes once a POST body is read; only a response closed before it was
        // finished means the client went away.
        reply.raw.once('close', () => {
          if (!reply.raw.writableFinished) abort.abort();
        });
        const chunked = params.chunked === 'true';
        const format = responseFormat(request.headers.accept);
        const queryRequest: QueryRequest = {
          db: params.db ?? '',
          readOnly: request.method === 'GET',
          chunked,
          ...(params.rp ? { rp: params.rp } : {}),
          ...(bindParams ? { params: bindParams } : {}),
          signal: abort.signal,
          ...options.contexts?.of(request),
          memory,
        };
        if (chunked && format === 'json') {
          // Written while the query runs, series by series where a SELECT can stream (chunked
          // MessagePack is encoded from the whole answer, as CSV, which has no chunks).
          const size = Number.parseInt(params.chunk_size ?? '', 10);
          const chunkSize = Number.isFinite(size) && size > 0 ? size : options.defaultChunkSize;
          let statementFailed = false;
          // Its encoding span covers the query too: lines are made and written while it runs.
          traceAnswer(options.tracer, reply, { 'hyperbytedb.streamed': true });
          const answer = await writeChunkedAnswer(reply, { chunkSize, stallTimeoutMs: options.stallTimeoutMs, ...(epoch ? { epoch } : {}) }, async (sink) => {
            const counted: ResultSink = {
              series: (id, series) => sink.series(id, series),
              end: (result) => {
                const [shown] = withInternalErrorsLogged([result], request.id, options.log);
                if (result.error !== undefined) statementFailed = true;
                return sink.end(shown ?? result);
              },
            };
            await engine.query(q, { ...queryRequest, sink: counted });
          });
          if (statementFailed || (answer.failed !== undefined && !abort.signal.aborted)) metrics.queryErrors.inc();
          metrics.queryDuration.observe((performance.now() - started) / 1000);
          return reply;
        }
        const results = withInternalErrorsLogged(await engine.query(q, queryRequest), request.id, options.log);
        if (results.some((r) => r.error !== undefined)) metrics.queryErrors.inc();
        metrics.queryDuration.observe((performance.now() - started) / 1000);
        traceAnswer(options.tracer, reply, { 'hyperbytedb.statements': results.length });
        reply.code(200).header('Content-Type', FORMAT_CONTENT_TYPE[format]);
        const size = Number.parseInt(params.chunk_size ?? '', 10);
        const chunkSize = !chunked ? 0 : Number.isFinite(size) && size > 0 ? size : options.defaultChunkSize;
        const body = encodeAnswer(results, format, {
          chunkSize,
          pretty: (request.query as Record<string, unknown>)['pretty'] === 'true',
          stallTimeoutMs: options.stallTimeoutMs,
          onClose: () => memory.close(),
          ...(epoch ? { epoch } : {}),
        });
        // A streamed answer holds its rows (and their share of the budget) until it is written.
        answerHoldsMemory = typeof body !== 'string' && !Buffer.isBuffer(body);
        return reply.send(body);
      } catch (error) {
        // Whatever the engine threw once the client left (chdb's "Query aborted", an AbortError)
        // only says the work stopped as asked.
        if (abort.signal.aborted && !(error instanceof QueryTimeoutError)) throw new RequestCancelledError({ cause: error });
        metrics.queryErrors.inc();
        if (error instanceof QueryTimeoutError) {
          // InfluxDB 1.x kills the query and reports it as the statement's error, with a 200.
          const format = responseFormat(request.headers.accept);
          return reply.code(200).header('Content-Type', FORMAT_CONTENT_TYPE[format]).send(encodeAnswer([{ statement_id: 0, error: error.message }], format, { chunkSize: 0, pretty: false, stallTimeoutMs: options.stallTimeoutMs }));
        }
        throw error;
      } finally {
        if (!answerHoldsMemory) memory.close();
      }
    },
  });
  // CORS preflight: 1.x answers OPTIONS on its API routes with an empty 200.
  app.options('/query', async (_request, reply) => reply.code(200).send());
  app.route({
    method: ['PUT', 'DELETE', 'PATCH', 'HEAD'],
    url: '/query',
    handler: async () => {
      throw new MethodNotAllowedError(['OPTIONS', 'GET', 'POST']);
    },
  });
}

interface AnswerOptions {
  readonly epoch?: Epoch;
  /** Rows per chunk of a chunked answer; 0 when the answer is not chunked. */
  readonly chunkSize: number;
  readonly pretty: boolean;
  readonly stallTimeoutMs: number;
  /** Called once a streamed body is done (written whole, or the client gone). */
  readonly onClose?: () => void;
}

/**
 * The answer's body: one string or buffer when small, otherwise written piece by piece (see
 * paced-body.ts). A chunked answer is one document per chunk: JSON lines, or MessagePack maps
 * back to back; CSV has no chunks (1.x's encoder continues one document).
 */
function encodeAnswer(results: readonly StatementResult[], format: ResponseFormat, options: AnswerOptions): string | Buffer | NodeJS.ReadableStream {
  const streamed = resultRowCount(results) > STREAMED_ANSWER_ROWS;
  const paced = { stallTimeoutMs: options.stallTimeoutMs, ...(options.onClose ? { onClose: options.onClose } : {}) };
  const epoch = options.epoch !== undefined ? { epoch: options.epoch } : {};
  switch (format) {
    case 'csv':
      return streamed ? pacedBody(formatResultsCsvPieces(results, epoch), paced) : Buffer.from(formatResultsCsv(results, epoch));
    case 'msgpack': {
      if (options.chunkSize > 0) {
        const chunks = chunkResults(results, options.chunkSize);
        return streamed ? pacedBody(msgpackChunks(chunks, epoch), paced) : Buffer.concat([...msgpackChunks(chunks, epoch)]);
      }
      return streamed ? pacedBody(formatResultsMsgpackPieces(results, epoch), paced) : formatResultsMsgpack(results, epoch);
    }
    case 'json': {
      if (options.chunkSize > 0) {
        const lines = formatResultsChunkedLines(results, { chunkSize: options.chunkSize, ...epoch });
        return streamed ? pacedBody(lines, paced) : [...lines].join('');
      }
      const format = { pretty: options.pretty, ...epoch };
      return streamed ? pacedBody(formatResultsJsonPieces(results, format), { ...paced, suffix: '\n' }) : formatResultsJson(results, format) + '\n';
    }
  }
}

function* msgpackChunks(chunks: Iterable<StatementResult>, options: { readonly epoch?: Epoch }): Generator<Buffer> {
  for (const chunk of chunks) yield* formatResultsMsgpackPieces([chunk], options);
}
