import { type EventDefinition, type EventEnvelope, readEnvelope, type SourceMessage } from '@mlops/events';

export type ReadResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Reads a catalog event off a source message: its envelope must name the catalog's type and version
 * and its payload decode. Anything else is malformed, with a reason for the dead-letter topic.
 */
export function readCatalogEvent<T>(definition: EventDefinition<T>, message: SourceMessage): ReadResult<{ event: T; envelope: EventEnvelope }> {
  let envelope: EventEnvelope;
  try {
    envelope = readEnvelope(message.headers);
  } catch (error) {
    return { ok: false, reason: `invalid envelope: ${(error as Error).message}` };
  }
  if (envelope.type !== definition.type || envelope.schemaVersion !== definition.version) {
    return { ok: false, reason: `unexpected event ${envelope.type} v${envelope.schemaVersion}; expected ${definition.type} v${definition.version}` };
  }
  try {
    return { ok: true, value: { event: definition.codec.decode(message.value ?? new Uint8Array()), envelope } };
  } catch (error) {
    return { ok: false, reason: `cannot decode ${definition.type} payload: ${(error as Error).message}` };
  }
}
