// The OpenTelemetry adapter of the core tracing port. Only src/cli/tracing.ts imports it, and only
// when logging.otlp_endpoint or logging.detailed_trace is set, so a server without tracing never
// loads the SDK. Spans are exported over OTLP/HTTP (sampled ones), written to the log
// (detailed_trace), and every log line written under a span carries its trace and span ids.
// Outgoing undici requests (replication to peers) get the active span's traceparent through
// undici's diagnostics channel, so the peer client needs no tracing code.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  context,
  diag,
  DiagLogLevel,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer as OtelTracer,
} from '@opentelemetry/api';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SamplingResult,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { Logger } from 'pino';
import type { SpanAttributes, SpanHandle, SpanOptions, Tracer } from '../core/tracing.js';

export interface OtelTracingOptions {
  /** OTLP/HTTP traces URL, or '' for no export. */
  readonly otlpEndpoint: string;
  readonly sampleRatio: number;
  readonly detailed: boolean;
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** service.instance.id: the node id. */
  readonly serviceInstanceId: string;
}

export interface OtelTracing {
  readonly tracer: Tracer;
  /** pino mixin: trace_id and span_id of the active span, if any. */
  logFields(): Record<string, string>;
  /** Where finished spans are logged (detailed_trace) and exporter problems reported. */
  useLogger(log: Logger): void;
  /** Exports what is still buffered (bounded by `deadlineMs`), then stops. */
  shutdown(deadlineMs: number): Promise<void>;
}

/** An endpoint without a path gets the OTLP traces path, as OTEL_EXPORTER_OTLP_ENDPOINT does. */
export function tracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/v1/traces';
  return url.toString();
}

/**
 * The export decision is the usual one (a caller's sampled flag, else the ratio); with
 * detailed_trace every span is recorded anyway, for the log, and only the sampled ones are exported.
 */
export class ExportSampler implements Sampler {
  private readonly decide: Sampler;

  constructor(
    ratio: number,
    private readonly recordAll: boolean,
  ) {
    this.decide = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }

  shouldSample(...args: Parameters<Sampler['shouldSample']>): SamplingResult {
    const result = this.decide.shouldSample(...args);
    return result.decision === SamplingDecision.NOT_RECORD && this.recordAll ? { ...result, decision: SamplingDecision.RECORD } : result;
  }

  toString(): string {
    return `ExportSampler{${this.decide.toString()}, recordAll=${this.recordAll}}`;
  }
}

const NANOS_PER_MS = 1e6;

/** Writes each finished span as one log line (system_trace=true), sampled for export or not. */
class LogSpanProcessor implements SpanProcessor {
  log: Logger | null = null;

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    const log = this.log;
    if (log === null || !log.isLevelEnabled('info')) return;
    const { traceId, spanId } = span.spanContext();
    const [seconds, nanos] = span.duration;
    log.info(
      {
        system_trace: true,
        trace_id: traceId,
        span_id: spanId,
        ...(span.parentSpanContext ? { parent_span_id: span.parentSpanContext.spanId } : {}),
        span: span.name,
        duration_ms: Math.round((seconds * 1000 + nanos / NANOS_PER_MS) * 1000) / 1000,
        ...(span.status.code === SpanStatusCode.ERROR ? { span_error: span.status.message ?? 'error' } : {}),
        attributes: span.attributes,
      },
      `span ${span.name}`,
    );
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

function handleOf(span: Span): SpanHandle {
  let ended = false;
  return {
    setAttributes: (attributes) => void span.setAttributes(attributes as Attributes),
    end: (error) => {
      if (ended) return;
      ended = true;
      endSpan(span, error);
    },
  };
}

/** Runs `fn` in `ctx` with `span` active and ends the span when `fn` returns or settles. */
function runInSpan<T>(span: Span, ctx: Context, fn: (span: SpanHandle) => T): T {
  const handle = handleOf(span);
  return context.with(trace.setSpan(ctx, span), () => {
    let result: T;
    try {
      result = fn(handle);
    } catch (error) {
      handle.end(error);
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          handle.end();
          return value;
        },
        (error: unknown) => {
          handle.end(error);
          throw error;
        },
      ) as T;
    }
    handle.end();
    return result;
  });
}

class OtelTracerPort implements Tracer {
  readonly enabled = true;

  constructor(
    private readonly tracer: OtelTracer,
    private readonly detailed: boolean,
  ) {}

  span<T>(name: string, attributes: SpanAttributes, fn: (span: SpanHandle) => T, options: SpanOptions = {}): T {
    let parent = context.active();
    const links: Link[] = [];
    if (options.traceparent !== undefined) {
      parent = propagation.extract(ROOT_CONTEXT, { traceparent: options.traceparent });
    } else if (options.root === true) {
      // A background step started under a request still says which one started it.
      const started = trace.getSpanContext(parent);
      if (started !== undefined && isSpanContextValid(started)) links.push({ context: started });
      parent = ROOT_CONTEXT;
    }
    const kind = options.kind === 'server' ? SpanKind.SERVER : options.kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL;
    const span = this.tracer.startSpan(name, { kind, attributes: attributes as Attributes, links }, parent);
    return runInSpan(span, parent, fn);
  }

  detail<T>(name: string, attributes: SpanAttributes, fn: (span: SpanHandle) => T): T {
    if (!this.detailed) return fn(NOOP_HANDLE);
    const parent = context.active();
    return runInSpan(this.tracer.startSpan(name, { attributes: attributes as Attributes }, parent), parent, fn);
  }

  startDetail(name: string, attributes: SpanAttributes): SpanHandle {
    if (!this.detailed) return NOOP_HANDLE;
    return handleOf(this.tracer.startSpan(name, { attributes: attributes as Attributes }, context.active()));
  }

  traceId(): string | null {
    const spanContext = trace.getSpanContext(context.active());
    return spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext.traceId : null;
  }
}

const NOOP_HANDLE: SpanHandle = { setAttributes: () => undefined, end: () => undefined };

/** undici publishes every request it creates; the subscriber runs in the caller's async context. */
const UNDICI_REQUEST_CREATE = 'undici:request:create';

interface UndiciRequestMessage {
  readonly request: { addHeader(name: string, value: string): unknown; readonly headers?: unknown };
}

function injectTraceparent(message: unknown): void {
  const active = context.active();
  const spanContext = trace.getSpanContext(active);
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return;
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  const { request } = message as UndiciRequestMessage;
  for (const [name, value] of Object.entries(carrier)) request.addHeader(name, value);
}

export function startOtelTracing(options: OtelTracingOptions): OtelTracing {
  const logSpans = new LogSpanProcessor();
  const spanProcessors: SpanProcessor[] = [];
  if (options.otlpEndpoint !== '') spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(options.otlpEndpoint) })));
  if (options.detailed) spanProcessors.push(logSpans);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      'service.version': options.serviceVersion,
      'service.instance.id': options.serviceInstanceId,
    }),
    sampler: new ExportSampler(options.sampleRatio, options.detailed),
    spanProcessors,
  });
  // The global context manager (AsyncLocalStorage) and W3C trace-context propagator.
  provider.register();
  subscribe(UNDICI_REQUEST_CREATE, injectTraceparent);
  const tracer = new OtelTracerPort(provider.getTracer('hyperbytedb', options.serviceVersion), options.detailed);
  let stopped: Promise<void> | null = null;
  return {
    tracer,
    logFields() {
      const spanContext = trace.getSpanContext(context.active());
      if (spanContext === undefined || !isSpanContextValid(spanContext)) return {};
      return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
    },
    useLogger(log) {
      logSpans.log = log;
      diag.setLogger(
        {
          error: (message, ...args) => log.error({ args }, `opentelemetry: ${message}`),
          warn: (message, ...args) => log.warn({ args }, `opentelemetry: ${message}`),
          info: () => undefined,
          debug: () => undefined,
          verbose: () => undefined,
        },
        { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
      );
    },
    shutdown(deadlineMs) {
      stopped ??= (async () => {
        unsubscribe(UNDICI_REQUEST_CREATE, injectTraceparent);
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, deadlineMs);
          timer.unref();
        });
        await Promise.race([provider.shutdown().catch(() => undefined), deadline]);
        clearTimeout(timer);
        trace.disable();
        context.disable();
        propagation.disable();
        diag.disable();
      })();
      return stopped;
    },
  };
}
