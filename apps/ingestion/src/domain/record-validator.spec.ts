import { compileValidator, type InvalidRecord, type Validated, type ValidRecord, type Violation } from './record-validator';
import { field, FLIGHT_FIELDS, flightsContract } from './flights.fixture';

/** The flights contract, plus a bool and a float field to exercise every type. */
const FLIGHTS = flightsContract({ fields: [...FLIGHT_FIELDS, field('cancelled', 'bool'), field('air_time', 'float', { min: 0 })] });

const validate = compileValidator(FLIGHTS);

const VALID = { date: '2001-01-01T00:01:00Z', delay: 33, distance: 1235, origin: 'ATL', destination: 'SFO', cancelled: false, air_time: 301.5 };

function accepted(result: Validated): ValidRecord {
  if (!result.ok) throw new Error(`expected a valid record, got ${JSON.stringify(result.violations)}`);
  return result;
}

function rejected(result: Validated): Violation[] {
  expect(result.ok).toBe(false);
  return (result as InvalidRecord).violations;
}

describe('compileValidator', () => {
  it('returns canonical values in contract order, with event time and entity key', () => {
    const shuffled = { air_time: 301.5, origin: 'ATL', cancelled: false, destination: 'SFO', distance: 1235, delay: 33, date: '2001-01-01T00:01:00Z' };
    const result = accepted(validate(shuffled));
    expect(Object.keys(result.values)).toEqual(FLIGHTS.fields.map((f) => f.name));
    expect(result.values).toEqual({ date: '2001-01-01T00:01:00.000Z', delay: 33, distance: 1235, origin: 'ATL', destination: 'SFO', cancelled: false, air_time: 301.5 });
    expect(result.eventTime).toEqual(new Date(Date.UTC(2001, 0, 1, 0, 1)));
    expect(result.entityKey).toBe('ATL');
  });

  it('fills absent optional fields with null and keeps explicit nulls', () => {
    const result = accepted(validate({ date: '2001-01-01T00:01:00Z', delay: null, origin: 'BOS', destination: null }));
    expect(result.values).toEqual({ date: '2001-01-01T00:01:00.000Z', delay: null, distance: null, origin: 'BOS', destination: null, cancelled: null, air_time: null });
    expect(Object.keys(result.values)).toEqual(FLIGHTS.fields.map((f) => f.name));
  });

  it.each([
    ['2001-01-01T00:01:00', '2001-01-01T00:01:00.000Z'],
    ['2001-01-01T00:01:00Z', '2001-01-01T00:01:00.000Z'],
    ['2001-01-01T02:01:00+02:00', '2001-01-01T00:01:00.000Z'],
    ['2001-01-01T02:01:00+0200', '2001-01-01T00:01:00.000Z'],
    ['2000-12-31T19:01:00-05:00', '2001-01-01T00:01:00.000Z'],
    ['2001-01-01 00:01:00', '2001-01-01T00:01:00.000Z'],
    ['2001-01-01T00:01', '2001-01-01T00:01:00.000Z'],
    ['2001-01-01T00:01:00.123456Z', '2001-01-01T00:01:00.123Z'],
    ['2001-01-01', '2001-01-01T00:00:00.000Z'],
    [' 2001-01-01T00:01:00Z ', '2001-01-01T00:01:00.000Z'],
  ])('normalises the timestamp %j to %j (ISO, UTC)', (input, expected) => {
    const result = accepted(validate({ ...VALID, date: input }));
    expect(result.values.date).toBe(expected);
    expect(result.eventTime.toISOString()).toBe(expected);
  });

  it.each<[string, Record<string, unknown>, string, Violation['rule'], string]>([
    ['a string for an int (typed mode)', { delay: '33' }, 'delay', 'type', 'field "delay" must be an int, got the string "33"'],
    ['an int with a fraction', { delay: 33.5 }, 'delay', 'type', 'field "delay" must be an int, got number 33.5'],
    ['NaN for a float', { air_time: Number.NaN }, 'air_time', 'type', 'field "air_time" must be a float, got number NaN'],
    ['Infinity for a float', { air_time: Number.POSITIVE_INFINITY }, 'air_time', 'type', 'field "air_time" must be finite, got Infinity'],
    ['a string for a bool (typed mode)', { cancelled: 'true' }, 'cancelled', 'type', 'field "cancelled" must be a bool, got the string "true"'],
    ['a number for a string', { destination: 123 }, 'destination', 'type', 'field "destination" must be a string, got number 123'],
    ['an object for a categorical', { origin: { code: 'ATL' } }, 'origin', 'type', 'field "origin" must be a categorical, got an object'],
    ['an unparseable timestamp', { date: 'yesterday' }, 'date', 'type', 'field "date" must be an ISO-8601 timestamp, got the string "yesterday"'],
    ['an impossible month', { date: '2001-13-01T00:00:00Z' }, 'date', 'type', 'must be an ISO-8601 timestamp'],
    ['an impossible month in canonical form', { date: '2001-13-01T00:00:00.000Z' }, 'date', 'type', 'must be an ISO-8601 timestamp'],
    ['an impossible day in canonical form', { date: '2001-02-29T00:00:00.000Z' }, 'date', 'type', 'must be an ISO-8601 timestamp'],
    ['an impossible hour in canonical form', { date: '2001-02-28T24:00:00.000Z' }, 'date', 'type', 'must be an ISO-8601 timestamp'],
    ['epoch millis for a timestamp', { date: 978307260000 }, 'date', 'type', 'must be an ISO-8601 timestamp, got number 978307260000'],
    ['a missing required field', { delay: undefined }, 'delay', 'required', 'required field "delay" is missing'],
    ['null in a non-nullable field', { origin: null }, 'origin', 'nullable', 'field "origin" must not be null'],
    ['an unknown category', { origin: 'JFK' }, 'origin', 'category', 'field "origin" is "JFK", not one of the 5 allowed categories'],
    ['a value above the range', { delay: 2001 }, 'delay', 'range', 'field "delay" is 2001, outside [-120, 2000]'],
    ['a value below the range', { delay: -121 }, 'delay', 'range', 'field "delay" is -121, outside [-120, 2000]'],
    ['a value below a half-open range', { air_time: -0.5 }, 'air_time', 'range', 'field "air_time" is -0.5, outside [0, inf]'],
    ['a pattern mismatch', { destination: 'sfo' }, 'destination', 'pattern', 'field "destination" is "sfo", which does not match [A-Z]{3}'],
    ['a pattern matching only part of the value', { destination: 'SFOX' }, 'destination', 'pattern', 'does not match [A-Z]{3}'],
    ['an unknown field', { tail_number: 'N123' }, 'tail_number', 'unknown_field', 'field "tail_number" is not in contract flights 1.0.0'],
  ])('rejects %s', (_case, patch, fieldName, rule, message) => {
    const violations = rejected(validate({ ...VALID, ...patch }));
    expect(violations).toEqual([{ field: fieldName, rule, message: expect.stringContaining(message) as unknown }]);
  });

  it('accepts values exactly on the range bounds', () => {
    expect(accepted(validate({ ...VALID, delay: -120, distance: 6000 })).values).toMatchObject({ delay: -120, distance: 6000 });
    expect(accepted(validate({ ...VALID, delay: 2000, distance: 1, air_time: 0 })).values).toMatchObject({ delay: 2000, distance: 1, air_time: 0 });
  });

  it('anchors a pattern with alternation as a whole', () => {
    const validator = compileValidator({ ...FLIGHTS, fields: FLIGHTS.fields.map((f) => (f.name === 'destination' ? { ...f, pattern: 'SFO|LAX' } : f)) });
    expect(validator({ ...VALID, destination: 'LAX' }).ok).toBe(true);
    expect(rejected(validator({ ...VALID, destination: 'SFOX' }))[0].rule).toBe('pattern');
    expect(rejected(validator({ ...VALID, destination: 'XLAX' }))[0].rule).toBe('pattern');
  });

  it.each([
    ['an array', [VALID], 'a record must be an object, got an array'],
    ['a number', 42, 'a record must be an object, got number 42'],
    ['a string', '{"delay":1}', 'a record must be an object, got the string "{"delay":1}"'],
    ['null', null, 'a record must be an object, got null'],
  ])('rejects %s as a whole record (rule parse)', (_case, input, message) => {
    expect(rejected(validate(input))).toEqual([{ field: '', rule: 'parse', message }]);
  });

  it('reports every violation at once, one per field', () => {
    const violations = rejected(validate({ delay: '33', distance: 9999, origin: 'JFK', destination: 'sfo', air_time: Number.NaN, seats: 180 }));
    expect(violations.map((v) => [v.field, v.rule])).toEqual([
      ['date', 'required'],
      ['delay', 'type'],
      ['distance', 'range'],
      ['origin', 'category'],
      ['destination', 'pattern'],
      ['air_time', 'type'],
      ['seats', 'unknown_field'],
    ]);
  });

  it('truncates long values in messages', () => {
    const [violation] = rejected(validate({ ...VALID, destination: 'X'.repeat(100) }));
    expect(violation.message).toContain(`"${'X'.repeat(40)}…"`);
    expect(violation.message).not.toContain('X'.repeat(41));
  });

  describe('text mode (CSV)', () => {
    it('reads strings as the declared types', () => {
      const row = { date: '2001-01-01 00:01:00', delay: ' 33 ', distance: '1235', origin: 'ATL', destination: 'SFO', cancelled: 'true', air_time: '301.5' };
      const result = accepted(validate(row, 'text'));
      expect(result.values).toEqual({ date: '2001-01-01T00:01:00.000Z', delay: 33, distance: 1235, origin: 'ATL', destination: 'SFO', cancelled: true, air_time: 301.5 });
    });

    it.each([
      ['true', true],
      ['TRUE', true],
      ['False', false],
      [' false ', false],
    ])('reads the bool %j as %j', (text, value) => {
      expect(accepted(validate({ ...VALID, cancelled: text }, 'text')).values.cancelled).toBe(value);
    });

    it('reads an empty cell of an optional non-string field as null', () => {
      const result = accepted(validate({ ...VALID, distance: '', cancelled: '', air_time: '' }, 'text'));
      expect(result.values).toMatchObject({ distance: null, cancelled: null, air_time: null });
    });

    it('keeps an empty cell of a string field as the empty string', () => {
      const validator = compileValidator({ ...FLIGHTS, fields: FLIGHTS.fields.map((f) => (f.name === 'destination' ? { ...f, pattern: undefined } : f)) });
      expect(accepted(validator({ ...VALID, destination: '' }, 'text')).values.destination).toBe('');
    });

    it('rejects an empty cell of a required numeric field', () => {
      expect(rejected(validate({ ...VALID, delay: '' }, 'text')).map((v) => v.field)).toEqual(['delay']);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['an int with a fraction', { delay: '33.5' }, 'delay'],
      ['an int in exponent form', { delay: '1e3' }, 'delay'],
      ['a word for an int', { delay: 'late' }, 'delay'],
      ['a word for a float', { air_time: 'n/a' }, 'air_time'],
      ['a word for a bool', { cancelled: 'yes' }, 'cancelled'],
    ])('rejects %s as a type violation', (_case, patch, fieldName) => {
      expect(rejected(validate({ ...VALID, ...patch }, 'text'))).toEqual([expect.objectContaining({ field: fieldName, rule: 'type' })]);
    });

    it('still checks ranges after conversion', () => {
      expect(rejected(validate({ ...VALID, delay: '2001' }, 'text'))).toEqual([expect.objectContaining({ field: 'delay', rule: 'range', message: 'field "delay" is 2001, outside [-120, 2000]' })]);
    });
  });

  describe('decoded values (Parquet)', () => {
    it('reads a bigint as a number and a Date as an ISO string', () => {
      const result = accepted(validate({ ...VALID, date: new Date('2001-01-01T02:01:00+02:00'), delay: 33n, distance: 1235n, air_time: 301n }));
      expect(result.values).toMatchObject({ date: '2001-01-01T00:01:00.000Z', delay: 33, distance: 1235, air_time: 301 });
      expect(typeof result.values.delay).toBe('number');
    });

    it('rejects a bigint outside the safe integer range', () => {
      expect(rejected(validate({ ...VALID, distance: 2n ** 60n }))).toEqual([
        { field: 'distance', rule: 'type', message: `field "distance" is outside the safe integer range: ${String(2n ** 60n)}` },
      ]);
    });

    it('rejects an invalid Date', () => {
      expect(rejected(validate({ ...VALID, date: new Date('nope') }))).toEqual([expect.objectContaining({ field: 'date', rule: 'type' })]);
    });
  });

  it('joins a composite entity key as JSON, in key order', () => {
    const validator = compileValidator({ ...FLIGHTS, entityKeys: ['origin', 'date'] });
    expect(accepted(validator(VALID)).entityKey).toBe('["ATL","2001-01-01T00:01:00.000Z"]');
  });

  it('renders a numeric single entity key as text', () => {
    const validator = compileValidator({ ...FLIGHTS, entityKeys: ['delay'] });
    expect(accepted(validator(VALID)).entityKey).toBe('33');
  });

  it('keeps no state between records', () => {
    expect(validate({ ...VALID, origin: 'JFK' }).ok).toBe(false);
    expect(accepted(validate(VALID)).values.origin).toBe('ATL');
  });
});
