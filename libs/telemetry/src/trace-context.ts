import { context, trace } from '@opentelemetry/api';

/** The trace id of the active span, or undefined outside any trace. */
export function activeTraceId(): string | undefined {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}
