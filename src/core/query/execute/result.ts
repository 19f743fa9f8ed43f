// Result shapes of executed statements, as InfluxDB 1.x returns them (before JSON/CSV encoding).
// Values stay typed: times and 64-bit integers are bigint so the encoders can print them exactly.

export interface Message {
  readonly level: string;
  readonly text: string;
}

/**
 * One series of a result. When `columns[0] === 'time'`, `values[i][0]` is the point (or bucket)
 * time as **bigint nanoseconds since the Unix epoch**; the HTTP layer formats it per `epoch=`
 * (integer in that unit) or as RFC3339Nano. Other cells are: number (float), bigint (integer,
 * unsigned), string, boolean or null.
 */
export interface Series {
  readonly name?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly columns: readonly string[];
  readonly values: ReadonlyArray<readonly unknown[]>;
  readonly partial?: boolean;
  /** tz() of the query: RFC3339 times are printed with this zone's offset. Never encoded itself. */
  readonly timeZone?: string;
}

export interface StatementResult {
  readonly statement_id: number;
  readonly series?: readonly Series[];
  readonly messages?: readonly Message[];
  readonly partial?: boolean;
  readonly error?: string;
  /** Not a SELECT: a chunked response still sends the whole result at once (never encoded itself). */
  readonly unchunked?: boolean;
  /**
   * The failure behind an `error` of INTERNAL_STATEMENT_ERROR (a chDB exception, a broken
   * invariant): for the server log with the request id, never encoded, never shown to a client.
   */
  readonly cause?: unknown;
}

/**
 * Where a chunked answer's results go while they are made (the HTTP writer), each call awaited:
 * the writer's backpressure reaches the statement reading the rows.
 */
export interface ResultSink {
  /** One more series of statement `statementId`, in answer order (streamed SELECTs only). */
  series(statementId: number, series: Series): Promise<void>;
  /** Statement `statementId` is done: its result, less the series already given to series(). */
  end(result: StatementResult): Promise<void>;
}

/** A per-statement failure: its message becomes the statement's `error` (HTTP 200). */
export class StatementError extends Error {}

/** A statement's `error` when the failure is not one InfluxDB reports (its detail goes to the log). */
export const INTERNAL_STATEMENT_ERROR = 'internal error';
