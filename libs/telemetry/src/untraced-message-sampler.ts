import { type Attributes, type Context, type Link, SpanKind, trace } from '@opentelemetry/api';
import { AlwaysOnSampler, ParentBasedSampler, type Sampler, SamplingDecision, type SamplingResult } from '@opentelemetry/sdk-trace';

/**
 * The default parent-based sampler, except that the kafkajs instrumentation's per-message "process"
 * span is not recorded when the message carries no trace context (no remote parent, no link): an
 * upstream topic of raw records would otherwise cost a span per record (a quarter of the ingestion
 * rate) to say nothing the batch's span does not. Messages from traced producers, our own events
 * among them, keep their spans.
 */
export class UntracedMessageSampler implements Sampler {
  private readonly fallback = new ParentBasedSampler({ root: new AlwaysOnSampler() });

  shouldSample(context: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    const isMessageProcessing = spanKind === SpanKind.CONSUMER && attributes['messaging.operation.type'] === 'process';
    const hasRemoteParent = trace.getSpanContext(context)?.isRemote === true;
    if (isMessageProcessing && !hasRemoteParent && links.length === 0) return { decision: SamplingDecision.NOT_RECORD };
    return this.fallback.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return 'UntracedMessageSampler{ParentBased{AlwaysOn}}';
  }
}
