import { type IHeaders } from 'kafkajs';
import { uuidv7 } from 'uuidv7';
import { type EventDefinition } from './event-definition';

/** Metadata of every event, carried in Kafka headers so the payload stays a plain protobuf message. */
export interface EventEnvelope {
  /** UUIDv7: unique and sortable by creation time. Consumers deduplicate on it. */
  id: string;
  type: string;
  schemaVersion: number;
  time: Date;
  producer: string;
}

export const HEADER = {
  id: 'event-id',
  type: 'event-type',
  schemaVersion: 'schema-version',
  time: 'event-time',
  producer: 'producer',
  contentType: 'content-type',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';

export function newEnvelope(definition: EventDefinition<unknown>, now = new Date()): EventEnvelope {
  return { id: uuidv7(), type: definition.type, schemaVersion: definition.version, time: now, producer: definition.producer };
}

export function envelopeHeaders(envelope: EventEnvelope): Record<string, string> {
  return {
    [HEADER.id]: envelope.id,
    [HEADER.type]: envelope.type,
    [HEADER.schemaVersion]: String(envelope.schemaVersion),
    [HEADER.time]: envelope.time.toISOString(),
    [HEADER.producer]: envelope.producer,
    [HEADER.contentType]: PROTOBUF_CONTENT_TYPE,
  };
}

export class InvalidEnvelopeError extends Error {
  override name = 'InvalidEnvelopeError';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** Reads and checks the envelope; throws InvalidEnvelopeError naming the first bad header. */
export function readEnvelope(headers: IHeaders | undefined): EventEnvelope {
  const required = (name: string) => {
    const value = headerText(headers, name);
    if (!value) throw new InvalidEnvelopeError(`missing header ${name}`);
    return value;
  };
  const id = required(HEADER.id);
  if (!UUID.test(id)) throw new InvalidEnvelopeError(`header ${HEADER.id} is not a UUID: ${id}`);
  const schemaVersion = Number(required(HEADER.schemaVersion));
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1) throw new InvalidEnvelopeError(`header ${HEADER.schemaVersion} is not a positive integer`);
  const time = new Date(required(HEADER.time));
  if (Number.isNaN(time.getTime())) throw new InvalidEnvelopeError(`header ${HEADER.time} is not a timestamp`);
  return { id, type: required(HEADER.type), schemaVersion, time, producer: required(HEADER.producer) };
}
