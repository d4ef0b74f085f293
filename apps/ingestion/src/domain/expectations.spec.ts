import { type AcceptedRow, type BatchOutcome, type RejectedRow } from './batch';
import { type DataContract, type Expectation } from './contract';
import { evaluateExpectations } from './expectations';
import { type CanonicalValue } from './record-validator';
import { field, flightsContract } from './flights.fixture';

function contract(...expectations: Expectation[]): DataContract {
  return flightsContract({
    fields: [
      field('date', 'timestamp', { required: true, nullable: false }),
      field('delay', 'int', { required: true, min: -120, max: 2000 }),
      field('origin', 'categorical', { required: true, nullable: false, categories: ['ATL', 'BOS', 'SFO'] }),
    ],
    expectations,
  });
}

const NOW = new Date('2001-01-02T00:00:00Z');

function row(values: Record<string, CanonicalValue>, eventTime = new Date('2001-01-01T00:00:00Z')): AcceptedRow {
  return { values, valuesJson: JSON.stringify(values), eventTime, entityKey: String(values.origin), rowHash: Buffer.alloc(32), sourceRef: 'test' };
}

function rejectedRows(n: number): RejectedRow[] {
  return Array.from({ length: n }, (_, i) => ({ raw: Buffer.from('{}'), violations: [], sourceRef: `bad:${i}` }));
}

function batch(parts: { accepted?: AcceptedRow[]; rejected?: number; acceptedCount?: number; nulls?: Record<string, number>; outOfRange?: Record<string, number> }): BatchOutcome {
  const filler = Array.from({ length: parts.acceptedCount ?? 0 }, (_, i) => row({ origin: 'ATL', delay: i }));
  return {
    accepted: [...(parts.accepted ?? []), ...filler],
    rejected: rejectedRows(parts.rejected ?? 0),
    nulls: new Map(Object.entries(parts.nulls ?? {})),
    outOfRange: new Map(Object.entries(parts.outOfRange ?? {})),
  };
}

const NULL_RATE: Expectation = { name: 'delay_mostly_present', kind: 'null_rate', field: 'delay', maxRate: 0.05 };
const OUT_OF_RANGE: Expectation = { name: 'delay_in_range', kind: 'out_of_range', field: 'delay', maxRate: 0.01 };
const UNIQUE: Expectation = { name: 'unique_flights', kind: 'uniqueness', fields: ['origin', 'date'] };
const FRESH: Expectation = { name: 'recent', kind: 'freshness', maxAgeSeconds: 3600 };

describe('evaluateExpectations', () => {
  describe('null_rate', () => {
    it('passes with the rate exactly at the limit', () => {
      const [result] = evaluateExpectations(contract(NULL_RATE), batch({ acceptedCount: 100, nulls: { delay: 5 } }), NOW);
      expect(result).toEqual({ name: 'delay_mostly_present', field: 'delay', observed: 0.05, threshold: 0.05, passed: true, message: 'null rate of delay is 5.00% (limit 5.00%)' });
    });

    it('fails just above the limit', () => {
      const [result] = evaluateExpectations(contract(NULL_RATE), batch({ acceptedCount: 100, nulls: { delay: 6 } }), NOW);
      expect(result.passed).toBe(false);
      expect(result.observed).toBeCloseTo(0.06, 10);
      expect(result.message).toBe('null rate of delay is 6.00% (limit 5.00%)');
    });

    it('takes the rate over every record received, rejected ones included', () => {
      const [result] = evaluateExpectations(contract(NULL_RATE), batch({ acceptedCount: 3, rejected: 1, nulls: { delay: 1 } }), NOW);
      expect(result.observed).toBe(0.25);
      expect(result.passed).toBe(false);
    });

    it('reads a field with no nulls as rate 0', () => {
      const [result] = evaluateExpectations(contract(NULL_RATE), batch({ acceptedCount: 10, nulls: { origin: 10 } }), NOW);
      expect(result).toMatchObject({ observed: 0, passed: true });
    });
  });

  describe('out_of_range', () => {
    it('passes with the rate exactly at the limit', () => {
      const [result] = evaluateExpectations(contract(OUT_OF_RANGE), batch({ acceptedCount: 99, rejected: 1, outOfRange: { delay: 1 } }), NOW);
      expect(result).toEqual({ name: 'delay_in_range', field: 'delay', observed: 0.01, threshold: 0.01, passed: true, message: 'out-of-range rate of delay is 1.00% (limit 1.00%)' });
    });

    it('fails just above the limit', () => {
      const [result] = evaluateExpectations(contract(OUT_OF_RANGE), batch({ acceptedCount: 98, rejected: 2, outOfRange: { delay: 2 } }), NOW);
      expect(result).toMatchObject({ observed: 0.02, passed: false, message: 'out-of-range rate of delay is 2.00% (limit 1.00%)' });
    });

    it('ignores out-of-range counts of other fields', () => {
      const [result] = evaluateExpectations(contract(OUT_OF_RANGE), batch({ acceptedCount: 10, rejected: 10, outOfRange: { distance: 10 } }), NOW);
      expect(result).toMatchObject({ observed: 0, passed: true });
    });
  });

  describe('uniqueness', () => {
    it('passes when every key is distinct', () => {
      const rows = [row({ origin: 'ATL', date: '2001-01-01T00:00:00.000Z' }), row({ origin: 'BOS', date: '2001-01-01T00:00:00.000Z' }), row({ origin: 'ATL', date: '2001-01-01T00:01:00.000Z' })];
      const [result] = evaluateExpectations(contract(UNIQUE), batch({ accepted: rows }), NOW);
      expect(result).toEqual({ name: 'unique_flights', field: 'origin,date', observed: 0, threshold: 0, passed: true, message: '0 duplicate key(s) on (origin,date)' });
    });

    it('counts every repeat of a key as a duplicate', () => {
      const same = { origin: 'ATL', date: '2001-01-01T00:00:00.000Z' };
      const rows = [row(same), row({ ...same, delay: 1 }), row({ ...same, delay: 2 }), row({ origin: 'BOS', date: '2001-01-01T00:00:00.000Z' }), row({ origin: 'BOS', date: '2001-01-01T00:00:00.000Z' })];
      const [result] = evaluateExpectations(contract(UNIQUE), batch({ accepted: rows }), NOW);
      expect(result).toMatchObject({ observed: 3, passed: false, message: '3 duplicate key(s) on (origin,date)' });
    });

    it('does not confuse keys whose joined text would collide', () => {
      const rows = [row({ origin: 'A,B', date: 'C' }), row({ origin: 'A', date: 'B,C' })];
      const [result] = evaluateExpectations(contract(UNIQUE), batch({ accepted: rows }), NOW);
      expect(result.observed).toBe(0);
    });

    it('tells null apart from the string "null"', () => {
      const rows = [row({ origin: 'ATL', date: null }), row({ origin: 'ATL', date: 'null' }), row({ origin: 'ATL', date: null })];
      const [result] = evaluateExpectations(contract(UNIQUE), batch({ accepted: rows }), NOW);
      expect(result.observed).toBe(1);
    });

    it('looks only at stored (accepted) rows', () => {
      const [result] = evaluateExpectations(contract(UNIQUE), batch({ accepted: [row({ origin: 'ATL', date: 'x' })], rejected: 5 }), NOW);
      expect(result.passed).toBe(true);
    });
  });

  describe('freshness', () => {
    const oneHourBefore = new Date(NOW.getTime() - 3600_000);

    it('passes when the newest record is exactly at the age limit', () => {
      const rows = [row({ origin: 'ATL' }, new Date('2000-06-01T00:00:00Z')), row({ origin: 'BOS' }, oneHourBefore), row({ origin: 'SFO' }, new Date('2000-12-01T00:00:00Z'))];
      const [result] = evaluateExpectations(contract(FRESH), batch({ accepted: rows }), NOW);
      expect(result).toEqual({ name: 'recent', field: 'date', observed: 3600, threshold: 3600, passed: true, message: 'newest date is 3600 s old (limit 3600 s)' });
    });

    it('fails a millisecond past the limit', () => {
      const [result] = evaluateExpectations(contract(FRESH), batch({ accepted: [row({ origin: 'ATL' }, new Date(oneHourBefore.getTime() - 1))] }), NOW);
      expect(result).toMatchObject({ observed: 3600.001, passed: false });
    });

    it('passes for records from the future (negative age)', () => {
      const [result] = evaluateExpectations(contract(FRESH), batch({ accepted: [row({ origin: 'ATL' }, new Date(NOW.getTime() + 60_000))] }), NOW);
      expect(result).toMatchObject({ observed: -60, passed: true });
    });

    it('fails when no record was stored', () => {
      const [result] = evaluateExpectations(contract(FRESH), batch({ rejected: 3 }), NOW);
      expect(result).toEqual({ name: 'recent', field: 'date', observed: Number.POSITIVE_INFINITY, threshold: 3600, passed: false, message: 'no stored record to judge freshness by' });
    });
  });

  it('evaluates every expectation of an empty batch, in contract order', () => {
    const results = evaluateExpectations(contract(NULL_RATE, OUT_OF_RANGE, UNIQUE, FRESH), batch({}), NOW);
    expect(results.map((r) => [r.name, r.observed, r.passed])).toEqual([
      ['delay_mostly_present', 0, true],
      ['delay_in_range', 0, true],
      ['unique_flights', 0, true],
      ['recent', Number.POSITIVE_INFINITY, false],
    ]);
  });

  it('returns nothing for a contract without expectations', () => {
    expect(evaluateExpectations(contract(), batch({ acceptedCount: 3 }), NOW)).toEqual([]);
  });
});
