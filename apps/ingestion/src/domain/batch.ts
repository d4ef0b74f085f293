import { createHash } from 'node:crypto';
import { type DataContract } from './contract';
import { type CanonicalValue, type RecordValidator, type ValueMode, type Violation } from './record-validator';

/** One record as it arrived: raw bytes (JSON) or an already-decoded object (Parquet, CSV, Struct). */
export interface IncomingRecord {
  raw: Buffer | Record<string, unknown>;
  /** Where it came from: `topic/partition/offset`, `batch:index` or `job:row`. Unique per dataset. */
  sourceRef: string;
}

/** Turns one message value into a record for the validator, or says why it cannot. */
export type RecordDecoder = (bytes: Buffer) => { value: unknown } | { error: string };

export interface AcceptedRow {
  values: Record<string, CanonicalValue>;
  /** The values as JSON, serialised once: what is stored and what the row hash covers. */
  valuesJson: string;
  eventTime: Date;
  entityKey: string;
  /** sha256 of the canonical values: the unit snapshots are content-addressed by. */
  rowHash: Buffer;
  sourceRef: string;
}

export interface RejectedRow {
  raw: Buffer;
  violations: Violation[];
  sourceRef: string;
}

export interface BatchOutcome {
  accepted: AcceptedRow[];
  rejected: RejectedRow[];
  /** Per field: records in which it was missing or null (for null-rate expectations). */
  nulls: Map<string, number>;
  /** Per field: records whose value was outside its range (for out-of-range expectations). */
  outOfRange: Map<string, number>;
}

/**
 * Validates a batch; every incoming record ends up accepted or rejected, never neither. Raw bytes are
 * decoded with `decode` (JSON unless the source says otherwise).
 */
export function validateBatch(contract: DataContract, validate: RecordValidator, records: IncomingRecord[], mode: ValueMode = 'typed', decode: RecordDecoder = decodeJson): BatchOutcome {
  const outcome: BatchOutcome = { accepted: [], rejected: [], nulls: new Map(), outOfRange: new Map() };
  const count = (map: Map<string, number>, field: string) => map.set(field, (map.get(field) ?? 0) + 1);
  for (const record of records) {
    const parsed = Buffer.isBuffer(record.raw) ? decode(record.raw) : { value: record.raw };
    if ('error' in parsed) {
      outcome.rejected.push({ raw: record.raw as Buffer, sourceRef: record.sourceRef, violations: [{ field: '', rule: 'parse', message: parsed.error }] });
      continue;
    }
    if (parsed.value && typeof parsed.value === 'object' && !Array.isArray(parsed.value)) {
      const input = parsed.value as Record<string, unknown>;
      for (const field of contract.fields) {
        const value = input[field.name];
        // In text mode (CSV) an empty cell of a non-string field is a missing value: the validator reads it as null.
        if (value === undefined || value === null || (mode === 'text' && value === '' && field.type !== 'string')) count(outcome.nulls, field.name);
      }
    }
    const result = validate(parsed.value, mode);
    if (result.ok) {
      const valuesJson = JSON.stringify(result.values);
      outcome.accepted.push({ values: result.values, valuesJson, eventTime: result.eventTime, entityKey: result.entityKey, rowHash: rowHash(valuesJson), sourceRef: record.sourceRef });
    } else {
      for (const v of result.violations) if (v.rule === 'range') count(outcome.outOfRange, v.field);
      outcome.rejected.push({ raw: Buffer.isBuffer(record.raw) ? record.raw : Buffer.from(stringify(record.raw)), sourceRef: record.sourceRef, violations: result.violations });
    }
  }
  return outcome;
}

export function rowHash(valuesJson: string): Buffer {
  return createHash('sha256').update(valuesJson).digest();
}

export const decodeJson: RecordDecoder = (bytes) => {
  try {
    return { value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch (error) {
    return { error: `not valid JSON: ${(error as Error).message}` };
  }
};

/** JSON for quarantine, keeping what JSON cannot say (bigint, Date) readable. */
function stringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
