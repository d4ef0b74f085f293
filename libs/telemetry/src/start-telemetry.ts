import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace';
import { UntracedMessageSampler } from './untraced-message-sampler';

export interface TelemetryOptions {
  serviceName: string;
  /** Port of the Prometheus scrape endpoint (`/metrics`). */
  metricsPort: number;
  metricsHost?: string;
}

export interface Telemetry {
  shutdown(): Promise<void>;
}

const TRACE_EXPORT_SETTINGS = ['OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];

/**
 * Starts the OpenTelemetry SDK. Must run before grpc-js, kafkajs or pg are first imported, so the
 * instrumentations can patch them: each service's `main.ts` imports its `instrument.ts` first.
 *
 * Export follows the standard OTEL_* variables. Without any trace exporter configured, spans are
 * still created (so context propagates across gRPC and Kafka and logs carry trace ids) but dropped.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  // Logs go to stdout as JSON; an OTLP log pipeline is opt-in.
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const exportsTraces = TRACE_EXPORT_SETTINGS.some((name) => process.env[name]);
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    sampler: new UntracedMessageSampler(),
    metricReaders: [new PrometheusExporter({ port: options.metricsPort, host: options.metricsHost })],
    ...(exportsTraces ? {} : { spanProcessors: [new NoopSpanProcessor()] }),
    instrumentations: [
      new GrpcInstrumentation(),
      new KafkaJsInstrumentation(),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
