import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import { UntracedMessageSampler } from './untraced-message-sampler';

const traceId = 'a'.repeat(32);
const upstream = { traceId: 'b'.repeat(32), spanId: 'c'.repeat(16), traceFlags: TraceFlags.SAMPLED };
const processing = { 'messaging.operation.type': 'process', 'messaging.destination.name': 'upstream.flights' };
const sampler = new UntracedMessageSampler();
const decide = (...args: Parameters<UntracedMessageSampler['shouldSample']>) => sampler.shouldSample(...args).decision;

describe('UntracedMessageSampler', () => {
  it('drops the processing span of a message that carries no trace context', () => {
    expect(decide(ROOT_CONTEXT, traceId, 'process upstream.flights', SpanKind.CONSUMER, processing, [])).toBe(SamplingDecision.NOT_RECORD);
  });

  it('keeps the processing span of a message linked to its producer (batch consumption)', () => {
    expect(decide(ROOT_CONTEXT, traceId, 'process t', SpanKind.CONSUMER, processing, [{ context: upstream }])).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('keeps the processing span of a message whose producer is its remote parent', () => {
    const context = trace.setSpanContext(ROOT_CONTEXT, { ...upstream, isRemote: true });
    expect(decide(context, traceId, 'process t', SpanKind.CONSUMER, processing, [])).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('samples every other span as a parent-based sampler does', () => {
    expect(decide(ROOT_CONTEXT, traceId, 'poll t', SpanKind.CLIENT, { 'messaging.operation.type': 'receive' }, [])).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    const unsampledParent = trace.setSpanContext(ROOT_CONTEXT, { ...upstream, traceFlags: TraceFlags.NONE, isRemote: true });
    expect(decide(unsampledParent, traceId, 'SELECT', SpanKind.CLIENT, {}, [])).toBe(SamplingDecision.NOT_RECORD);
  });
});
