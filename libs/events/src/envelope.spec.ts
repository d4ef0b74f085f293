import { defineEvent } from './event-definition';
import { envelopeHeaders, InvalidEnvelopeError, newEnvelope, readEnvelope, HEADER } from './envelope';

const definition = defineEvent<{ name: string }>({
  type: 'test.thing.happened',
  version: 2,
  producer: 'test',
  partitions: 3,
  keyDescription: 'thing name',
  key: (p) => p.name,
  codec: { encode: () => ({ finish: () => new Uint8Array() }), decode: () => ({ name: '' }) },
});

describe('envelope', () => {
  it('round-trips through Kafka headers', () => {
    const envelope = newEnvelope(definition, new Date('2026-01-02T03:04:05.678Z'));
    const headers = Object.fromEntries(Object.entries(envelopeHeaders(envelope)).map(([k, v]) => [k, Buffer.from(v)]));
    expect(readEnvelope(headers)).toEqual(envelope);
    expect(definition.topic).toBe('test.thing.happened.v2');
  });

  it('gives sortable ids', () => {
    const ids = Array.from({ length: 50 }, () => newEnvelope(definition).id);
    expect([...ids].sort()).toEqual(ids);
  });

  it.each([
    [HEADER.id, 'not-a-uuid', /event-id is not a UUID/],
    [HEADER.schemaVersion, 'zero', /schema-version/],
    [HEADER.time, 'yesterday', /event-time/],
  ])('rejects a bad %s header', (name, value, message) => {
    const headers: Record<string, string> = { ...envelopeHeaders(newEnvelope(definition)), [name]: value };
    expect(() => readEnvelope(headers)).toThrow(message);
  });

  it('names a missing header', () => {
    const headers: Record<string, string> = envelopeHeaders(newEnvelope(definition));
    delete headers[HEADER.producer];
    expect(() => readEnvelope(headers)).toThrow(new InvalidEnvelopeError('missing header producer'));
  });
});
