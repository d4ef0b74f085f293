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
    const [envelope] = await this.enqueueMany(tx, definition, [payload]);
    return envelope;
  }

  /** Several events of one type in one statement: a batch that rejects many records costs one round trip. */
  async enqueueMany<T>(tx: SqlExecutor, definition: EventDefinition<T>, payloads: T[]): Promise<EventEnvelope[]> {
    if (payloads.length === 0) return [];
    // The caller's trace context, so the relay's publish (and every consumer) joins this trace.
    const traceContext: Record<string, string> = {};
    propagation.inject(context.active(), traceContext);
    const envelopes = payloads.map(() => newEnvelope(definition));
    await tx.query(
      `INSERT INTO outbox (id, topic, key, payload, headers, trace_context)
       SELECT t.id, $1, t.key, t.payload, t.headers, $2 FROM unnest($3::uuid[], $4::text[], $5::bytea[], $6::jsonb[]) AS t(id, key, payload, headers)`,
      [
        definition.topic,
        JSON.stringify(traceContext),
        envelopes.map((e) => e.id),
        payloads.map((p) => definition.key(p)),
        payloads.map((p) => Buffer.from(definition.codec.encode(p).finish())),
        envelopes.map((e) => JSON.stringify(envelopeHeaders(e))),
      ],
    );
    return envelopes;
  }
}
