import { context, propagation } from '@opentelemetry/api';
import { type SqlExecutor } from '@mlops/persistence';
import { type EventDefinition } from './event-definition';
import { envelopeHeaders, type EventEnvelope, newEnvelope } from './envelope';

/**
 * Publishes through the transactional outbox: the event row is written in the caller's transaction,
 * so it exists if and only if the state change that caused it commits. The relay ships it later.
 */
export class OutboxWriter {
  async enqueue<T>(tx: SqlExecutor, definition: EventDefinition<T>, payload: T): Promise<EventEnvelope> {
    const envelope = newEnvelope(definition);
    // The caller's trace context, so the relay's publish (and every consumer) joins this trace.
    const traceContext: Record<string, string> = {};
    propagation.inject(context.active(), traceContext);
    await tx.query(
      'INSERT INTO outbox (id, topic, key, payload, headers, trace_context) VALUES ($1, $2, $3, $4, $5, $6)',
      [
        envelope.id,
        definition.topic,
        definition.key(payload),
        Buffer.from(definition.codec.encode(payload).finish()),
        JSON.stringify(envelopeHeaders(envelope)),
        JSON.stringify(traceContext),
      ],
    );
    return envelope;
  }
}
