import { type DataContract, type FieldSpec } from './contract';

export type ViolationRule = 'parse' | 'type' | 'required' | 'nullable' | 'category' | 'range' | 'pattern' | 'unknown_field';

export interface Violation {
  /** Empty for whole-record problems (not parseable, not an object). */
  field: string;
  rule: ViolationRule;
  message: string;
}

/** A stored value: timestamps as ISO-8601 UTC strings, so rows hash and compare the same from any source. */
export type CanonicalValue = number | string | boolean | null;

export interface ValidRecord {
  ok: true;
  /** Every contract field, in contract order; absent optional fields are null. */
  values: Record<string, CanonicalValue>;
  eventTime: Date;
  entityKey: string;
}

export interface InvalidRecord {
  ok: false;
  violations: Violation[];
}

export type Validated = ValidRecord | InvalidRecord;

/**
 * How values arrive: `typed` (JSON, Parquet) must already have the declared type; `text` (CSV) is
 * all strings and is read as the declared type when it parses as one.
 */
export type ValueMode = 'typed' | 'text';

export type RecordValidator = (record: unknown, mode?: ValueMode) => Validated;

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;
const CANONICAL_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/;

/** Builds the validator of one contract version once (regular expressions compiled, lookups indexed). */
export function compileValidator(contract: DataContract): RecordValidator {
  const fields = contract.fields.map((field) => ({
    field,
    pattern: field.pattern === undefined ? undefined : new RegExp(`^(?:${field.pattern})$`, 'u'),
    categories: new Set(field.categories),
  }));
  const declared = new Set(contract.fields.map((f) => f.name));

  return (record, mode = 'typed') => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      return { ok: false, violations: [{ field: '', rule: 'parse', message: `a record must be an object, got ${describe(record)}` }] };
    }
    const input = record as Record<string, unknown>;
    const violations: Violation[] = [];
    const values: Record<string, CanonicalValue> = {};
    for (const { field, pattern, categories } of fields) {
      const raw = input[field.name];
      const present = raw !== undefined && !(mode === 'text' && raw === '' && !field.required && field.type !== 'string');
      if (!present) {
        if (field.required) violations.push({ field: field.name, rule: 'required', message: `required field "${field.name}" is missing` });
        values[field.name] = null;
        continue;
      }
      if (raw === null) {
        if (!field.nullable) violations.push({ field: field.name, rule: 'nullable', message: `field "${field.name}" must not be null` });
        values[field.name] = null;
        continue;
      }
      const converted = convert(field, raw, mode);
      if ('error' in converted) {
        violations.push({ field: field.name, rule: 'type', message: converted.error });
        continue;
      }
      const value = converted.value;
      const problem = checkConstraints(field, value, pattern, categories);
      if (problem) violations.push(problem);
      values[field.name] = value;
    }
    for (const key of Object.keys(input)) {
      if (!declared.has(key)) violations.push({ field: key, rule: 'unknown_field', message: `field "${key}" is not in contract ${contract.dataset} ${contract.version}` });
    }
    if (violations.length > 0) return { ok: false, violations };
    const keyValues = contract.entityKeys.map((k) => values[k]);
    return {
      ok: true,
      values,
      eventTime: new Date(values[contract.eventTimeField] as string),
      entityKey: keyValues.length === 1 ? String(keyValues[0]) : JSON.stringify(keyValues),
    };
  };
}

type Conversion = { value: CanonicalValue } | { error: string };

function convert(field: FieldSpec, raw: unknown, mode: ValueMode): Conversion {
  const wrong = (): Conversion => ({ error: `field "${field.name}" must be ${article(field.type)}, got ${describe(raw)}` });
  switch (field.type) {
    case 'int': {
      const n = typeof raw === 'bigint' ? Number(raw) : mode === 'text' && typeof raw === 'string' && /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n)) return wrong();
      if (!Number.isSafeInteger(n)) return { error: `field "${field.name}" is outside the safe integer range: ${String(raw)}` };
      return { value: n };
    }
    case 'float': {
      const n = typeof raw === 'bigint' ? Number(raw) : mode === 'text' && typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof n !== 'number' || Number.isNaN(n)) return wrong();
      if (!Number.isFinite(n)) return { error: `field "${field.name}" must be finite, got ${String(n)}` };
      return { value: n };
    }
    case 'bool': {
      if (typeof raw === 'boolean') return { value: raw };
      if (mode === 'text' && typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) return { value: raw.trim().toLowerCase() === 'true' };
      return wrong();
    }
    case 'string':
    case 'categorical':
      return typeof raw === 'string' ? { value: raw } : wrong();
    case 'timestamp': {
      if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? wrong() : { value: raw.toISOString() };
      // Fast path for the canonical form: printing the parsed time gives the same text back only if
      // the date is real (a rolled-over 2001-02-30 would print as March).
      if (typeof raw === 'string' && CANONICAL_TIMESTAMP.test(raw)) {
        const time = new Date(raw).getTime();
        if (!Number.isNaN(time) && new Date(time).toISOString() === raw) return { value: raw };
      }
      if (typeof raw === 'string' && ISO_TIMESTAMP.test(raw.trim()) && calendarValid(raw.trim())) {
        const text = raw.trim().replace(' ', 'T');
        const time = new Date(HAS_ZONE.test(text) || text.length === 10 ? text : `${text}Z`);
        if (!Number.isNaN(time.getTime())) return { value: time.toISOString() };
      }
      return { error: `field "${field.name}" must be an ISO-8601 timestamp, got ${describe(raw)}` };
    }
  }
}

/** `new Date` rolls 2001-02-30 over into March and T24:00 into the next day; a contract must not. */
function calendarValid(text: string): boolean {
  const [year, month, day, hour = 0, minute = 0, second = 0] = (text.match(/\d+/g) ?? []).slice(0, 6).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59;
}

function checkConstraints(field: FieldSpec, value: CanonicalValue, pattern: RegExp | undefined, categories: Set<string>): Violation | undefined {
  if (typeof value === 'number') {
    if ((field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max)) {
      return { field: field.name, rule: 'range', message: `field "${field.name}" is ${value}, outside [${field.min ?? '-inf'}, ${field.max ?? 'inf'}]` };
    }
  }
  if (typeof value === 'string') {
    if (field.type === 'categorical' && !categories.has(value)) {
      return { field: field.name, rule: 'category', message: `field "${field.name}" is "${truncate(value)}", not one of the ${categories.size} allowed categories` };
    }
    if (pattern && !pattern.test(value)) {
      return { field: field.name, rule: 'pattern', message: `field "${field.name}" is "${truncate(value)}", which does not match ${field.pattern}` };
    }
  }
  return undefined;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string "${truncate(value)}"`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${value}`;
  return typeof value;
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
