// Typed errors of the engine: each carries an HTTP status and an InfluxDB 1.x-exact message.
// Only src/http/error-handler.ts turns them into responses; nothing here knows HTTP frameworks.

const BRAND = Symbol.for('hyperbytedb.error');

export class HyperbyteError extends Error {
  readonly [BRAND] = true;
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export function isHyperbyteError(value: unknown): value is HyperbyteError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

export class BadRequestError extends HyperbyteError {
  constructor(message: string, code = 'HB_BAD_REQUEST') {
    super(code, 400, message);
  }
}

export class LineProtocolError extends BadRequestError {
  constructor(message: string) {
    super(message, 'HB_LINE_PROTOCOL');
  }
}

export class QueryParseError extends BadRequestError {
  constructor(message: string) {
    super(message, 'HB_QUERY_PARSE');
  }
}

export class FieldTypeConflictError extends BadRequestError {
  constructor(message: string) {
    super(message, 'HB_FIELD_TYPE_CONFLICT');
  }
}

/** Some lines of a write were rejected; the rest were stored. */
export class PartialWriteError extends HyperbyteError {
  constructor(
    message: string,
    readonly dropped: number,
  ) {
    super('HB_PARTIAL_WRITE', 400, message);
  }
}

export class UnauthorizedError extends HyperbyteError {
  constructor(message = 'authorization failed') {
    super('HB_UNAUTHORIZED', 401, message);
  }
}

export class ForbiddenError extends HyperbyteError {
  constructor(message: string) {
    super('HB_FORBIDDEN', 403, message);
  }
}

export class DatabaseNotFoundError extends HyperbyteError {
  constructor(readonly database: string) {
    super('HB_DATABASE_NOT_FOUND', 404, `database not found: "${database}"`);
  }
}

export class RetentionPolicyNotFoundError extends HyperbyteError {
  constructor(readonly retentionPolicy: string) {
    super('HB_RP_NOT_FOUND', 404, `retention policy not found: ${retentionPolicy}`);
  }
}

export class LimitExceededError extends HyperbyteError {
  constructor(message: string, status = 413) {
    super('HB_LIMIT_EXCEEDED', status, message);
  }
}

export class UnavailableError extends HyperbyteError {
  /** Sent as Retry-After: when the client may try again. */
  readonly retryAfterSeconds: number = 5;
  /** Sent as X-Hyperbytedb-Redirect: a node that can take the request now. */
  redirect: string | null = null;
  constructor(message: string, code = 'HB_UNAVAILABLE') {
    super(code, 503, message);
  }
}

/** The request was taken but its outcome could not be confirmed in time (a replication timeout). */
export class GatewayTimeoutError extends HyperbyteError {
  constructor(message: string) {
    super('HB_TIMEOUT', 504, message);
  }
}

export class QueryTimeoutError extends HyperbyteError {
  constructor() {
    super('HB_QUERY_TIMEOUT', 200, 'query-timeout limit exceeded');
  }
}

export class InternalError extends HyperbyteError {
  constructor(message: string) {
    super('HB_INTERNAL', 500, message);
  }
}

/** Invariant check: a broken invariant stops the process loudly instead of corrupting data. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
