import { type IHeaders } from 'kafkajs';
import { type EventDefinition } from './event-definition';
import { type EventEnvelope, readEnvelope } from './envelope';

export type ReadResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Reads a catalog event off a Kafka message: its envelope must name the catalog's type and version
 * and its payload decode. Anything else is malformed, with a reason for the dead-letter topic
 * (naming `topic` when given).
 */
export function readCatalogEvent<T>(definition: EventDefinition<T>, message: { headers?: IHeaders; value: Buffer | null }, topic?: string): ReadResult<{ event: T; envelope: EventEnvelope }> {
  let envelope: EventEnvelope;
  try {
    envelope = readEnvelope(message.headers);
  } catch (error) {
    return { ok: false, reason: `invalid envelope: ${(error as Error).message}` };
  }
  if (envelope.type !== definition.type || envelope.schemaVersion !== definition.version) {
    return { ok: false, reason: `unexpected event ${envelope.type} v${envelope.schemaVersion}${topic ? ` on ${topic}` : ''}; expected ${definition.type} v${definition.version}` };
  }
  try {
    return { ok: true, value: { event: definition.codec.decode(message.value ?? new Uint8Array()), envelope } };
  } catch (error) {
    return { ok: false, reason: `cannot decode ${definition.type} payload: ${(error as Error).message}` };
  }
}
