// What hooks learn about a request before its route runs (who is asking, which statement observer
// to tell), handed to the query route without module-level state: a WeakMap per server.

import type { FastifyRequest } from 'fastify';
import type { QueryPrincipal } from '../core/query/execute/query-authorizer.js';
import type { StatementObserver } from '../core/services/statement-summary.js';

export interface QueryRequestContext {
  readonly principal?: QueryPrincipal;
  readonly observer?: StatementObserver;
}

export class RequestContexts {
  private readonly contexts = new WeakMap<FastifyRequest, QueryRequestContext>();

  set(request: FastifyRequest, patch: QueryRequestContext): void {
    this.contexts.set(request, { ...this.contexts.get(request), ...patch });
  }

  /** Spread into the engine's QueryRequest: the principal and observer of this request, if any. */
  of(request: FastifyRequest): QueryRequestContext {
    return this.contexts.get(request) ?? {};
  }
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The trace id of a W3C `traceparent` header, or null when absent or malformed. */
export function traceIdOf(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value === undefined ? null : TRACEPARENT.exec(value.trim().toLowerCase());
  if (match === null || /^0+$/.test(match[1]!)) return null;
  return match[1]!;
}
