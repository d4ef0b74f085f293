import { type commonV1, eventsV1 } from '@mlops/proto';
import { type ReceivedLabel, receivedLabel } from './read-label';

const PRODUCED_AT = new Date('2025-06-02T08:00:00.000Z');
const OBSERVED_AT = new Date('2025-06-01T12:00:00.000Z');
const EVENT_TIME = new Date('2025-06-01T10:30:00.000Z');

const number = (value: number): commonV1.FeatureValue => ({ kind: { $case: 'doubleValue', value } });
const text = (value: string): commonV1.FeatureValue => ({ kind: { $case: 'stringValue', value } });

const byRequest = (overrides: Partial<eventsV1.LabelReceived> = {}): eventsV1.LabelReceived => ({
  ...eventsV1.LabelReceived.fromPartial({ join: { $case: 'requestId', value: 'req-1' }, modelName: 'flight-delay', instanceIndex: 2, label: number(1), observedAt: OBSERVED_AT, source: 'outcomes' }),
  ...overrides,
});

const entityJoin = (entityKey: commonV1.EntityKey | undefined, eventTime: Date | undefined): eventsV1.LabelReceived['join'] => ({ $case: 'entity', value: { entityKey, eventTime } });
const SFO_UA: commonV1.EntityKey = { joinKeys: { origin: text('SFO'), carrier: text('UA') } };

function accepted(event: eventsV1.LabelReceived): ReceivedLabel {
  const result = receivedLabel(event, PRODUCED_AT);
  if (!result.ok) throw new Error(`expected the label to be accepted, got: ${result.reason}`);
  return result.value;
}

describe('receivedLabel', () => {
  it('joins by request id and instance index', () => {
    expect(accepted(byRequest())).toEqual({ modelName: 'flight-delay', join: { by: 'request', requestId: 'req-1', instanceIndex: 2 }, label: 1, observedAt: OBSERVED_AT });
  });

  it('joins by entity, its key rendered with the keys in name order, at the event time', () => {
    expect(accepted(byRequest({ join: entityJoin(SFO_UA, EVENT_TIME) }))).toEqual({
      modelName: 'flight-delay', join: { by: 'entity', entityKey: 'carrier=UA,origin=SFO', eventTime: EVENT_TIME }, label: 1, observedAt: OBSERVED_AT,
    });
  });

  it('keeps a numeric label as it is (regression), integers included', () => {
    expect(accepted(byRequest({ label: number(17.5) })).label).toBe(17.5);
    expect(accepted(byRequest({ label: { kind: { $case: 'int64Value', value: 0 } } })).label).toBe(0);
    expect(accepted(byRequest({ label: number(-3) })).label).toBe(-3);
  });

  it('reads a boolean label as 1 or 0', () => {
    expect(accepted(byRequest({ label: { kind: { $case: 'boolValue', value: true } } })).label).toBe(1);
    expect(accepted(byRequest({ label: { kind: { $case: 'boolValue', value: false } } })).label).toBe(0);
  });

  it('counts a label without an observation time as observed when it was produced', () => {
    expect(accepted(byRequest({ observedAt: undefined })).observedAt).toBe(PRODUCED_AT);
    expect(accepted(byRequest({ observedAt: undefined, join: entityJoin(SFO_UA, EVENT_TIME) })).observedAt).toBe(PRODUCED_AT);
  });

  it('keeps an empty model name (any model)', () => {
    expect(accepted(byRequest({ modelName: '' })).modelName).toBe('');
  });

  it.each<[string, Partial<eventsV1.LabelReceived>, string]>([
    ['no label', { label: undefined }, 'label must be a number or a boolean, got null'],
    ['an explicit null label', { label: { kind: { $case: 'nullValue', value: 0 } } }, 'label must be a number or a boolean, got null'],
    ['a label with no kind', { label: { kind: undefined } }, 'label must be a number or a boolean, got null'],
    ['a string label', { label: text('late') }, 'label must be a number or a boolean, got "late"'],
    ['a NaN label', { label: number(Number.NaN) }, 'label is not a finite number'],
    ['an infinite label', { label: number(Number.POSITIVE_INFINITY) }, 'label is not a finite number'],
    ['a negative instance index', { instanceIndex: -1 }, 'instance_index must be 0 or more, got -1'],
    ['an entity without an entity key', { join: entityJoin(undefined, EVENT_TIME) }, 'entity.entity_key has no join keys'],
    ['an entity key without join keys', { join: entityJoin({ joinKeys: {} }, EVENT_TIME) }, 'entity.entity_key has no join keys'],
    ['an entity without an event time', { join: entityJoin(SFO_UA, undefined) }, 'entity.event_time is missing or not a valid time'],
    ['neither join set', { join: undefined }, 'neither request_id nor entity says which prediction the label is for'],
    ['an empty request id', { join: { $case: 'requestId', value: '' } }, 'neither request_id nor entity says which prediction the label is for'],
  ])('refuses %s', (_case, overrides, reason) => {
    expect(receivedLabel(byRequest(overrides), PRODUCED_AT)).toEqual({ ok: false, reason });
  });

  it('checks the label before saying which prediction it is for', () => {
    expect(receivedLabel(byRequest({ label: text('late'), join: undefined, instanceIndex: -1 }), PRODUCED_AT)).toEqual({ ok: false, reason: 'label must be a number or a boolean, got "late"' });
  });
});
