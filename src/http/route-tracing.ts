// A server span around every request of a traced route, continuing the caller's W3C traceparent
// (a client's, or a peer's on replication). The span lasts until the answer is written, so a
// large answer's encoding is inside it; log lines written meanwhile carry its trace id.
// Registered only when tracing is on; probes and scrapes (/ping, /status, /health, /metrics, heartbeats)
// are never traced.

import { finished } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { SpanAttributes, Tracer } from '../core/tracing.js';
import { isHyperbyteError } from '../core/errors.js';

const UNTRACED_ROUTES = new Set(['/ping', '/status', '/health', '/ready', '/metrics', '/debug/vars', '/internal/heartbeat']);

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function requestAttributes(request: FastifyRequest, route: string): SpanAttributes {
  const db = (request.query as Partial<Record<string, unknown>> | undefined)?.['db'];
  return {
    'http.request.method': request.method,
    'http.route': route,
    ...(typeof db === 'string' && db !== '' ? { 'db.namespace': db } : {}),
  };
}

export class RouteTracing {
  private readonly traceIds = new WeakMap<FastifyRequest, string>();

  constructor(private readonly tracer: Tracer) {}

  /** Must run before the routes are registered (fastify applies onRoute hooks to later routes). */
  register(app: FastifyInstance): void {
    const { tracer, traceIds } = this;
    app.addHook('onRoute', (route) => {
      if (UNTRACED_ROUTES.has(route.url)) return;
      const handler = route.handler as (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown;
      const url = route.url;
      route.handler = function traced(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
        const traceparent = header(request.headers.traceparent);
        return tracer.span(
          `${request.method} ${url}`,
          requestAttributes(request, url),
          async (span) => {
            const traceId = tracer.traceId();
            if (traceId !== null) traceIds.set(request, traceId);
            try {
              const result = await handler.call(this, request, reply);
              // A streamed answer is still being written: the request lasts until it is.
              if (reply.sent) await finished(reply.raw).catch(() => undefined);
              span.setAttributes({ 'http.response.status_code': reply.statusCode });
              return result;
            } catch (error) {
              span.setAttributes({ 'http.response.status_code': isHyperbyteError(error) ? error.status : 500 });
              throw error;
            }
          },
          { kind: 'server', ...(traceparent !== undefined ? { traceparent } : {}) },
        );
      } as RouteHandlerMethod;
    });
  }

  /** The trace id a request ran under, for lines logged outside its span (the access log). */
  traceIdOf(request: FastifyRequest): string | undefined {
    return this.traceIds.get(request);
  }
}

/**
 * A detailed span from now until the answer is written (the encoding of a query's results and its
 * transfer): ended when the response finishes or the client goes away.
 */
export function traceAnswer(tracer: Tracer | undefined, reply: FastifyReply, attributes: SpanAttributes): void {
  if (tracer === undefined || !tracer.enabled) return;
  const span = tracer.startDetail('query.encode', attributes);
  finished(reply.raw).then(
    () => span.end(),
    () => span.end(),
  );
}
