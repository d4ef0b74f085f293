import { createHash } from 'node:crypto';
import { type IncomingRecord, rowHash, validateBatch } from './batch';
import { compileValidator } from './record-validator';
import { flightsContract } from './flights.fixture';

const FLIGHTS = flightsContract();

const validate = compileValidator(FLIGHTS);

const json = (value: unknown, sourceRef: string): IncomingRecord => ({ raw: Buffer.from(JSON.stringify(value)), sourceRef });

describe('validateBatch', () => {
  it('rejects bytes that are not JSON with rule parse, keeping them byte for byte', () => {
    const raw = Buffer.from([0x7b, 0x22, 0x64, 0xff, 0xfe, 0x00, 0x0a]);
    const copy = Buffer.from(raw);
    const outcome = validateBatch(FLIGHTS, validate, [{ raw, sourceRef: 'flights/0/17' }]);
    expect(outcome.accepted).toEqual([]);
    expect(outcome.rejected).toHaveLength(1);
    const [row] = outcome.rejected;
    expect(row.raw.equals(copy)).toBe(true);
    expect(row.sourceRef).toBe('flights/0/17');
    expect(row.violations).toEqual([{ field: '', rule: 'parse', message: expect.stringMatching(/^not valid JSON: /) as unknown }]);
    // Unparseable bytes say nothing about any field.
    expect(outcome.nulls.size).toBe(0);
  });

  it('accounts for every record, with null and out-of-range counters', () => {
    const records: IncomingRecord[] = [
      json({ date: '2001-01-01T00:01:00Z', delay: 5, distance: 300, origin: 'ATL', destination: 'BOS' }, 'r0'),
      { raw: Buffer.from('{"date": '), sourceRef: 'r1' },
      json({ date: '2001-01-01T00:02:00Z', delay: 2500, origin: 'ATL' }, 'r2'),
      json({ date: '2001-01-01T00:03:00Z', delay: null, origin: 'BOS', destination: null }, 'r3'),
      json({ date: '2001-01-01T00:04:00Z', delay: -500, distance: 0, origin: 'SFO' }, 'r4'),
      json({ delay: 1, origin: 'JFK' }, 'r5'),
      { raw: { date: new Date('2001-01-01T00:05:00Z'), delay: 7n, origin: 'LAX' }, sourceRef: 'r6' },
    ];
    const outcome = validateBatch(FLIGHTS, validate, records);

    expect(outcome.accepted.length + outcome.rejected.length).toBe(records.length);
    expect(outcome.accepted.map((r) => r.sourceRef)).toEqual(['r0', 'r3', 'r6']);
    expect(outcome.rejected.map((r) => r.sourceRef)).toEqual(['r1', 'r2', 'r4', 'r5']);
    expect(Object.fromEntries(outcome.nulls)).toEqual({ date: 1, delay: 1, distance: 4, destination: 5 });
    expect(Object.fromEntries(outcome.outOfRange)).toEqual({ delay: 2, distance: 1 });
  });

  it('keeps what an accepted row needs: values, event time, entity key, hash, source', () => {
    const outcome = validateBatch(FLIGHTS, validate, [json({ date: '2001-01-01T02:01:00+02:00', delay: 33, origin: 'SFO' }, 'flights/2/99')]);
    expect(outcome.accepted).toEqual([
      {
        values: { date: '2001-01-01T00:01:00.000Z', delay: 33, distance: null, origin: 'SFO', destination: null },
        valuesJson: '{"date":"2001-01-01T00:01:00.000Z","delay":33,"distance":null,"origin":"SFO","destination":null}',
        eventTime: new Date('2001-01-01T00:01:00Z'),
        entityKey: 'SFO',
        rowHash: rowHash('{"date":"2001-01-01T00:01:00.000Z","delay":33,"distance":null,"origin":"SFO","destination":null}'),
        sourceRef: 'flights/2/99',
      },
    ]);
  });

  it('keeps the raw bytes of a record rejected by the validator', () => {
    const text = '{ "origin": "JFK",  "date": "2001-01-01T00:01:00Z", "delay": 1 }';
    const outcome = validateBatch(FLIGHTS, validate, [{ raw: Buffer.from(text), sourceRef: 'r' }]);
    expect(outcome.rejected[0].raw.toString('utf8')).toBe(text);
    expect(outcome.rejected[0].violations).toEqual([expect.objectContaining({ field: 'origin', rule: 'category' })]);
  });

  it('quarantines a rejected decoded object as readable JSON, bigint and Date included', () => {
    const outcome = validateBatch(FLIGHTS, validate, [{ raw: { date: new Date('2001-01-01T00:01:00Z'), delay: 9007199254740993n, origin: 'ATL' }, sourceRef: 'job:3' }]);
    expect(outcome.rejected).toHaveLength(1);
    expect(JSON.parse(outcome.rejected[0].raw.toString('utf8'))).toEqual({ date: '2001-01-01T00:01:00.000Z', delay: '9007199254740993', origin: 'ATL' });
    expect(outcome.rejected[0].violations.map((v) => [v.field, v.rule])).toEqual([['delay', 'type']]);
  });

  it('rejects JSON that is not an object with rule parse, without counting nulls', () => {
    const outcome = validateBatch(FLIGHTS, validate, [json([1, 2], 'a'), json(42, 'b'), json(null, 'c'), json('x', 'd')]);
    expect(outcome.rejected.map((r) => [r.sourceRef, r.violations.map((v) => v.rule)])).toEqual([
      ['a', ['parse']],
      ['b', ['parse']],
      ['c', ['parse']],
      ['d', ['parse']],
    ]);
    expect(outcome.nulls.size).toBe(0);
  });

  it('passes the value mode to the validator and counts empty CSV cells as nulls', () => {
    const rows: IncomingRecord[] = [
      { raw: { date: '2001-01-01 00:01:00', delay: '12', distance: '', origin: 'ATL', destination: 'BOS' }, sourceRef: 'job:1' },
      { raw: { date: '2001-01-01 00:02:00', delay: '13', distance: '700', origin: 'ATL', destination: '' }, sourceRef: 'job:2' },
    ];
    const outcome = validateBatch(FLIGHTS, validate, rows, 'text');
    expect(outcome.accepted.map((r) => r.values.delay)).toEqual([12]);
    expect(outcome.accepted[0].values.distance).toBeNull();
    // An empty string is a value of a string field (here one not matching its pattern), not a null.
    expect(outcome.rejected.map((r) => r.violations)).toEqual([[expect.objectContaining({ field: 'destination', rule: 'pattern' })]]);
    expect(Object.fromEntries(outcome.nulls)).toEqual({ distance: 1 });
    // Typed mode leaves strings alone.
    expect(validateBatch(FLIGHTS, validate, rows).accepted).toEqual([]);
  });

  it('handles an empty batch', () => {
    expect(validateBatch(FLIGHTS, validate, [])).toEqual({ accepted: [], rejected: [], nulls: new Map(), outOfRange: new Map() });
  });
});

describe('rowHash', () => {
  it('is the same for the same values from JSON bytes and from a decoded object', () => {
    const fromJson = validateBatch(FLIGHTS, validate, [
      { raw: Buffer.from('{"origin":"ATL","destination":"SFO","delay":33,"distance":1235,"date":"2001-01-01T02:01:00+02:00"}'), sourceRef: 'flights/0/1' },
    ]);
    const fromParquet = validateBatch(FLIGHTS, validate, [
      { raw: { date: new Date(Date.UTC(2001, 0, 1, 0, 1)), delay: 33n, distance: 1235n, origin: 'ATL', destination: 'SFO' }, sourceRef: 'job:1' },
    ]);
    const fromCsv = validateBatch(
      FLIGHTS,
      validate,
      [{ raw: { date: '2001-01-01 00:01:00', delay: '33', distance: '1235', origin: 'ATL', destination: 'SFO' }, sourceRef: 'job:2' }],
      'text',
    );
    const [a, b, c] = [fromJson.accepted[0], fromParquet.accepted[0], fromCsv.accepted[0]];
    expect(a.rowHash.equals(b.rowHash)).toBe(true);
    expect(a.rowHash.equals(c.rowHash)).toBe(true);
    expect(a.values).toEqual(b.values);
  });

  it('is the sha256 of the canonical values as JSON, in contract order whatever the input order', () => {
    const [row] = validateBatch(FLIGHTS, validate, [json({ origin: 'ATL', delay: 33, date: '2001-01-01T00:01:00Z' }, 'flights/0/1')]).accepted;
    const canonical = '{"date":"2001-01-01T00:01:00.000Z","delay":33,"distance":null,"origin":"ATL","destination":null}';
    expect(row.valuesJson).toBe(canonical);
    expect(row.rowHash).toHaveLength(32);
    expect(row.rowHash.toString('hex')).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('differs when any value or its type differs', () => {
    const base = { date: '2001-01-01T00:01:00.000Z', delay: 33, distance: null, origin: 'ATL', destination: null };
    const hashes = [base, { ...base, delay: 34 }, { ...base, distance: 0 }, { ...base, destination: '' }, { ...base, delay: '33' }].map((v) => rowHash(JSON.stringify(v)).toString('hex'));
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});
