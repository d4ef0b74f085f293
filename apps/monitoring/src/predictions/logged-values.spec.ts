import { commonV1 } from '@mlops/proto';
import { entityKeyText, loggedOutputs, loggedValue } from './logged-values';

const value = (kind: commonV1.FeatureValue['kind']): commonV1.FeatureValue => ({ kind });
const tensor = (partial: Partial<commonV1.TensorValue>) => commonV1.TensorValue.fromPartial(partial);
const DEPARTURE = new Date(Date.UTC(2025, 5, 1, 10, 30, 15, 250));

describe('loggedValue', () => {
  it.each<[string, commonV1.FeatureValue['kind'], number | string | boolean]>([
    ['a double', { $case: 'doubleValue', value: 1.25 }, 1.25],
    ['a zero double', { $case: 'doubleValue', value: 0 }, 0],
    ['an int64', { $case: 'int64Value', value: -42 }, -42],
    ['a string', { $case: 'stringValue', value: 'SFO' }, 'SFO'],
    ['an empty string', { $case: 'stringValue', value: '' }, ''],
    ['true', { $case: 'boolValue', value: true }, true],
    ['false', { $case: 'boolValue', value: false }, false],
  ])('keeps %s as it is', (_case, kind, expected) => {
    expect(loggedValue(value(kind))).toBe(expected);
  });

  it('maps an explicit null, an unset kind and a missing value to null', () => {
    expect(loggedValue(value({ $case: 'nullValue', value: 0 }))).toBeNull();
    expect(loggedValue(value(undefined))).toBeNull();
    expect(loggedValue(commonV1.FeatureValue.fromPartial({}))).toBeNull();
    expect(loggedValue(undefined)).toBeNull();
  });

  it('turns a timestamp into a number, so it is stored as JSON and compared with numeric references', () => {
    const logged = loggedValue(value({ $case: 'timestampValue', value: DEPARTURE }));
    expect(typeof logged).toBe('number');
    expect(logged).not.toBeInstanceOf(Date);
  });

  it('stores a timestamp in epoch milliseconds, the unit training profiles timestamp columns in', () => {
    expect(loggedValue(value({ $case: 'timestampValue', value: DEPARTURE }))).toBe(DEPARTURE.getTime());
  });
});

describe('loggedOutputs', () => {
  it('takes the first element of whichever list is set, per output name', () => {
    expect(
      loggedOutputs({
        probability: tensor({ shape: [2], doubleValues: [0.8, 0.2] }),
        class_id: tensor({ int64Values: [3, 4] }),
        class_name: tensor({ stringValues: ['late', 'on_time'] }),
        is_late: tensor({ boolValues: [true, false] }),
      }),
    ).toEqual({ probability: 0.8, class_id: 3, class_name: 'late', is_late: true });
  });

  it('keeps a first element that is falsy (0, "", false) instead of looking further', () => {
    expect(loggedOutputs({ p: tensor({ doubleValues: [0], int64Values: [7] }), n: tensor({ int64Values: [0] }), s: tensor({ stringValues: [''] }), b: tensor({ boolValues: [false] }) })).toEqual({
      p: 0, n: 0, s: '', b: false,
    });
  });

  it('gives null for an empty tensor, and nothing for no outputs', () => {
    expect(loggedOutputs({ empty: tensor({ shape: [0] }) })).toEqual({ empty: null });
    expect(loggedOutputs({})).toEqual({});
  });
});

describe('entityKeyText', () => {
  const key = (joinKeys: Record<string, commonV1.FeatureValue['kind']>): commonV1.EntityKey => ({
    joinKeys: Object.fromEntries(Object.entries(joinKeys).map(([name, kind]) => [name, value(kind)])),
  });

  it('renders one key as name=value', () => {
    expect(entityKeyText(key({ origin: { $case: 'stringValue', value: 'SFO' } }))).toBe('origin=SFO');
  });

  it('sorts the keys by name, whatever order they came in', () => {
    const text = 'destination=JFK,origin=SFO';
    expect(entityKeyText(key({ origin: { $case: 'stringValue', value: 'SFO' }, destination: { $case: 'stringValue', value: 'JFK' } }))).toBe(text);
    expect(entityKeyText(key({ destination: { $case: 'stringValue', value: 'JFK' }, origin: { $case: 'stringValue', value: 'SFO' } }))).toBe(text);
  });

  it('renders each value as loggedValue reads it', () => {
    expect(
      entityKeyText(key({ c: { $case: 'int64Value', value: 7 }, a: { $case: 'boolValue', value: true }, b: { $case: 'doubleValue', value: 1.5 }, d: undefined, e: { $case: 'nullValue', value: 0 } })),
    ).toBe('a=true,b=1.5,c=7,d=null,e=null');
    const at = entityKeyText(key({ at: { $case: 'timestampValue', value: DEPARTURE } }));
    expect(at).toBe(`at=${String(loggedValue(value({ $case: 'timestampValue', value: DEPARTURE })))}`);
  });

  it('is undefined for a missing key or a key without join keys', () => {
    expect(entityKeyText(undefined)).toBeUndefined();
    expect(entityKeyText({ joinKeys: {} })).toBeUndefined();
  });
});
