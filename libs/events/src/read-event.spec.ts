import { eventsV1 } from '@mlops/proto';
import { Events } from './catalog';
import { envelopeHeaders, HEADER, newEnvelope } from './envelope';
import { readCatalogEvent } from './read-event';
import { type SourceMessage } from './source-consumer';

const PAYLOAD = eventsV1.PredictionLogged.fromPartial({
  requestId: 'req-1',
  modelName: 'flight-delay',
  modelVersion: 3,
  arm: 'stable',
  predictedAt: new Date('2025-06-01T10:30:00.000Z'),
  latency: { seconds: 0, nanos: 12_000_000 },
  instances: [{ inputs: { distance: { kind: { $case: 'doubleValue', value: 2_586 } } }, outputs: { probability: { doubleValues: [0.7] } } }],
});

const encoded = (payload: eventsV1.PredictionLogged = PAYLOAD) => Buffer.from(Events.predictionLogged.codec.encode(payload).finish());

function message(headers: SourceMessage['headers'], value: Buffer | null = encoded()): SourceMessage {
  return { topic: Events.predictionLogged.topic, partition: 0, offset: '42', key: Buffer.from('flight-delay'), value, headers, timestamp: '1748773800000' };
}

const envelope = newEnvelope(Events.predictionLogged, new Date('2025-06-01T10:30:01.000Z'));
const headers = (overrides: Record<string, string | undefined> = {}): Record<string, string> => {
  const all: Record<string, string | undefined> = { ...envelopeHeaders(envelope), ...overrides };
  return Object.fromEntries(Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined));
};

const reasonOf = (m: SourceMessage) => {
  const result = readCatalogEvent(Events.predictionLogged, m);
  return result.ok ? undefined : result.reason;
};

describe('readCatalogEvent', () => {
  it('reads a valid event: the decoded payload and its envelope', () => {
    const result = readCatalogEvent(Events.predictionLogged, message(headers()));
    expect(result).toEqual({ ok: true, value: { event: PAYLOAD, envelope } });
  });

  it('reads headers as Kafka delivers them (buffers)', () => {
    const buffers = Object.fromEntries(Object.entries(headers()).map(([name, text]) => [name, Buffer.from(text)]));
    const result = readCatalogEvent(Events.predictionLogged, message(buffers));
    expect(result.ok && result.value.envelope).toEqual(envelope);
    expect(result.ok && result.value.event.requestId).toBe('req-1');
  });

  it('reads a message without a value as the empty payload (every field at its default)', () => {
    const result = readCatalogEvent(Events.predictionLogged, message(headers(), null));
    expect(result).toEqual({ ok: true, value: { event: eventsV1.PredictionLogged.fromPartial({}), envelope } });
  });

  it('refuses a message without headers', () => {
    expect(reasonOf(message(undefined))).toBe(`invalid envelope: missing header ${HEADER.id}`);
  });

  it.each([HEADER.id, HEADER.type, HEADER.schemaVersion, HEADER.time, HEADER.producer])('refuses a message without the %s header', (name) => {
    expect(reasonOf(message(headers({ [name]: undefined })))).toBe(`invalid envelope: missing header ${name}`);
  });

  it.each<[string, string, string]>([
    [HEADER.id, 'not-a-uuid', 'invalid envelope: header event-id is not a UUID: not-a-uuid'],
    [HEADER.schemaVersion, 'one', 'invalid envelope: header schema-version is not a positive integer'],
    [HEADER.schemaVersion, '0', 'invalid envelope: header schema-version is not a positive integer'],
    [HEADER.time, 'yesterday', 'invalid envelope: header event-time is not a timestamp'],
  ])('refuses an invalid %s header (%s)', (name, value, reason) => {
    expect(reasonOf(message(headers({ [name]: value })))).toBe(reason);
  });

  it('refuses an event of another type, naming what it got and what it expected', () => {
    const label = envelopeHeaders(newEnvelope(Events.labelReceived));
    expect(reasonOf(message(label))).toBe('unexpected event monitoring.label.received v1; expected serving.prediction.logged v1');
  });

  it('refuses another version of the right type', () => {
    expect(reasonOf(message(headers({ [HEADER.schemaVersion]: '2' })))).toBe('unexpected event serving.prediction.logged v2; expected serving.prediction.logged v1');
  });

  it('refuses a payload that does not decode', () => {
    // Field 1 (request_id) as a length-delimited value claiming 16 bytes, with none following.
    const reason = reasonOf(message(headers(), Buffer.from([0x0a, 0x10])));
    expect(reason).toMatch(/^cannot decode serving\.prediction\.logged payload: \S/);
  });
});
