import { context, trace } from '@opentelemetry/api';
import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs on stdout; every line carries the active trace and span ids. */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['password', '*.password', 'authorization', '*.authorization', 'token', '*.token'], censor: '[redacted]' },
    mixin() {
      const spanContext = trace.getSpan(context.active())?.spanContext();
      return spanContext && trace.isSpanContextValid(spanContext)
        ? { trace_id: spanContext.traceId, span_id: spanContext.spanId }
        : {};
    },
  });
}
