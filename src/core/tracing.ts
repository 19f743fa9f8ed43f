// The tracing port: spans around the steps of the write, query, flush and replication paths,
// without knowing OpenTelemetry. The composition root (src/cli) passes an adapter down through
// deps when logging.otlp_endpoint or logging.detailed_trace is set; otherwise every call goes to
// `noopTracer`, which runs the function and nothing else (no context, no allocation per span).

export type SpanAttributes = Readonly<Record<string, string | number | boolean>>;

export interface SpanHandle {
  setAttributes(attributes: SpanAttributes): void;
  /** Ends the span; an error marks it failed. Only the first call counts. */
  end(error?: unknown): void;
}

export interface SpanOptions {
  /** Starts a new trace even when a span is active (background work: flush rounds, replication). */
  readonly root?: boolean;
  /** 'server' for a request taken, 'client' for a request sent; internal otherwise. */
  readonly kind?: 'server' | 'client';
  /** A W3C traceparent header to continue (a request from a client or a peer). */
  readonly traceparent?: string | undefined;
}

export interface Tracer {
  /** False for the no-op tracer: callers may skip building attributes. */
  readonly enabled: boolean;
  /**
   * Runs `fn` inside a span that is the parent of every span `fn` starts, and ends it when `fn`
   * returns or its promise settles (failed if it throws or rejects).
   */
  span<T>(name: string, attributes: SpanAttributes, fn: (span: SpanHandle) => T, options?: SpanOptions): T;
  /** Like span, for the steps logging.detailed_trace adds (parse, WAL append, encode…): `fn` runs bare when it is off. */
  detail<T>(name: string, attributes: SpanAttributes, fn: (span: SpanHandle) => T): T;
  /** Starts a detailed span as a child of the active one, to be ended elsewhere (an answer written after its route returned). */
  startDetail(name: string, attributes: SpanAttributes): SpanHandle;
  /** The trace id of the active span (32 hex digits), or null. */
  traceId(): string | null;
}

const noopSpan: SpanHandle = {
  setAttributes: () => undefined,
  end: () => undefined,
};

export const noopTracer: Tracer = {
  enabled: false,
  span: (_name, _attributes, fn) => fn(noopSpan),
  detail: (_name, _attributes, fn) => fn(noopSpan),
  startDetail: () => noopSpan,
  traceId: () => null,
};
