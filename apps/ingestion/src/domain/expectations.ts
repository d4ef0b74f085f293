import { type DataContract } from './contract';
import { type BatchOutcome } from './batch';

export interface ExpectationResult {
  name: string;
  field: string;
  observed: number;
  threshold: number;
  passed: boolean;
  message: string;
}

/**
 * Checks the contract's batch-level expectations over one batch (a gRPC stream, an import batch or a
 * consumer batch). Rates are over every record received, stored or not.
 */
export function evaluateExpectations(contract: DataContract, batch: BatchOutcome, now: Date): ExpectationResult[] {
  const received = batch.accepted.length + batch.rejected.length;
  const rate = (n: number) => (received === 0 ? 0 : n / received);
  return contract.expectations.map((expectation): ExpectationResult => {
    switch (expectation.kind) {
      case 'null_rate': {
        const observed = rate(batch.nulls.get(expectation.field) ?? 0);
        const passed = observed <= expectation.maxRate;
        return { name: expectation.name, field: expectation.field, observed, threshold: expectation.maxRate, passed, message: `null rate of ${expectation.field} is ${percent(observed)} (limit ${percent(expectation.maxRate)})` };
      }
      case 'out_of_range': {
        const observed = rate(batch.outOfRange.get(expectation.field) ?? 0);
        const passed = observed <= expectation.maxRate;
        return { name: expectation.name, field: expectation.field, observed, threshold: expectation.maxRate, passed, message: `out-of-range rate of ${expectation.field} is ${percent(observed)} (limit ${percent(expectation.maxRate)})` };
      }
      case 'uniqueness': {
        const seen = new Set<string>();
        let duplicates = 0;
        for (const row of batch.accepted) {
          const key = JSON.stringify(expectation.fields.map((f) => row.values[f]));
          if (seen.has(key)) duplicates++;
          else seen.add(key);
        }
        const field = expectation.fields.join(',');
        return { name: expectation.name, field, observed: duplicates, threshold: 0, passed: duplicates === 0, message: `${duplicates} duplicate key(s) on (${field})` };
      }
      case 'freshness': {
        const newest = batch.accepted.reduce((max, row) => Math.max(max, row.eventTime.getTime()), Number.NEGATIVE_INFINITY);
        const field = contract.eventTimeField;
        if (!Number.isFinite(newest)) return { name: expectation.name, field, observed: Number.POSITIVE_INFINITY, threshold: expectation.maxAgeSeconds, passed: false, message: 'no stored record to judge freshness by' };
        const age = (now.getTime() - newest) / 1000;
        const passed = age <= expectation.maxAgeSeconds;
        return { name: expectation.name, field, observed: age, threshold: expectation.maxAgeSeconds, passed, message: `newest ${field} is ${Math.round(age)} s old (limit ${expectation.maxAgeSeconds} s)` };
      }
    }
  });
}

function percent(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}
