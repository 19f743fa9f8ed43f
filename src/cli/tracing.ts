// Starts tracing as [logging] asks: nothing at all (OpenTelemetry is not even imported) unless
// otlp_endpoint is set or detailed_trace is on; otherwise the OpenTelemetry adapter, loaded here.

import type { LoggingConfig } from './config-types.js';
import type { OtelTracing } from './otel-tracing.js';

export const DEFAULT_SERVICE_NAME = 'hyperbytedb';

export interface TracingIdentity {
  /** OTEL_SERVICE_NAME when set, else "hyperbytedb". */
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** The node id (service.instance.id). */
  readonly instanceId: string;
}

export function tracingWanted(logging: LoggingConfig): boolean {
  return logging.otlpEndpoint !== '' || logging.detailedTrace;
}

/** The service name spans carry: OTEL_SERVICE_NAME overrides ours, as OpenTelemetry SDKs do. */
export function serviceNameFrom(env: NodeJS.ProcessEnv): string {
  const name = env['OTEL_SERVICE_NAME']?.trim();
  return name !== undefined && name !== '' ? name : DEFAULT_SERVICE_NAME;
}

export async function startTracing(logging: LoggingConfig, identity: TracingIdentity): Promise<OtelTracing | null> {
  if (!tracingWanted(logging)) return null;
  const { startOtelTracing } = await import('./otel-tracing.js');
  return startOtelTracing({
    otlpEndpoint: logging.otlpEndpoint,
    sampleRatio: logging.otlpSampleRatio,
    detailed: logging.detailedTrace,
    serviceName: identity.serviceName,
    serviceVersion: identity.serviceVersion,
    serviceInstanceId: identity.instanceId,
  });
}
