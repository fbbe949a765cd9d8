import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/** Options of {@link startNodeTelemetry}. Exporters follow the standard `OTEL_*` environment variables. */
export interface NodeTelemetryOptions {
  /** `service.name` (e.g. `revmesh-authority`). Overridden by `OTEL_SERVICE_NAME` when set. */
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** `service.instance.id`: lets SREs tell replicas apart. */
  readonly serviceInstanceId?: string;
  /** Extra span processors (tests: an in-memory exporter). */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** The environment to read `OTEL_*` from. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A started SDK. Call `shutdown()` on exit to flush spans and metrics. */
export interface NodeTelemetry {
  /** Serves the Prometheus text format; mount it at `GET /metrics` in the app's own HTTP server. */
  metricsHandler(request: IncomingMessage, response: ServerResponse): void;
  /** Whether traces leave the process (an OTLP endpoint or exporter is configured). */
  readonly tracesExported: boolean;
  shutdown(): Promise<void>;
}

const otlpConfigured = (env: NodeJS.ProcessEnv, signal: 'TRACES' | 'METRICS'): boolean =>
  Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`]);

/**
 * Starts the OpenTelemetry Node SDK for an app, before the app creates its servers:
 * - traces: exported per the standard `OTEL_TRACES_EXPORTER` / `OTEL_EXPORTER_OTLP_*` variables.
 *   Unlike the SDK's own default (OTLP to localhost:4318 whether or not anything listens), nothing
 *   is exported unless an exporter or endpoint is configured, so a laptop run stays quiet;
 * - metrics: always readable as Prometheus text through `metricsHandler` (pull), and also pushed
 *   over OTLP when an OTLP endpoint is configured;
 * - incoming and outgoing HTTP are instrumented; Kafka spans are created by revmesh itself, because
 *   the trace context must survive the outbox hop (stored with the row, not taken from the relay).
 */
export function startNodeTelemetry(options: NodeTelemetryOptions): NodeTelemetry {
  const env = options.env ?? process.env;
  if (env['OTEL_LOG_LEVEL']?.toLowerCase() === 'debug') diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.DEBUG);

  const tracesExported =
    (env['OTEL_TRACES_EXPORTER'] !== undefined && env['OTEL_TRACES_EXPORTER'] !== 'none') || otlpConfigured(env, 'TRACES');
  if (!tracesExported) env['OTEL_TRACES_EXPORTER'] = 'none';

  // Without resource labels every series of every instance would look the same to Prometheus;
  // the alert rules aggregate by these two (deploy/observability/metrics.md).
  const prometheus = new PrometheusExporter({
    preventServerStart: true,
    withResourceConstantLabels: /^service\.(name|instance\.id)$/,
  });
  const metricReaders: IMetricReader[] = [prometheus];
  if (otlpConfigured(env, 'METRICS')) {
    const interval = Number(env['OTEL_METRIC_EXPORT_INTERVAL'] ?? 60_000);
    metricReaders.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(),
        exportIntervalMillis: Number.isFinite(interval) && interval > 0 ? interval : 60_000,
      }),
    );
  }

  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env['OTEL_SERVICE_NAME'] ?? options.serviceName,
      ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
      ...(options.serviceInstanceId ? { 'service.instance.id': options.serviceInstanceId } : {}),
    }),
    metricReaders,
    ...(options.spanProcessors ? { spanProcessors: [...options.spanProcessors] } : {}),
    instrumentations: [new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url === '/metrics' || req.url === '/healthz' })],
  });
  sdk.start();

  return {
    tracesExported,
    metricsHandler: (request, response) => prometheus.getMetricsRequestHandler(request, response),
    shutdown: () => sdk.shutdown(),
  };
}
