import { readFileSync } from 'node:fs';
import { type DescEnum, type DescField, type DescMessage, type FileRegistry, createFileRegistry, fromBinary, ScalarType } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { descriptorSetPath, durationFromMs } from '@mlops/proto';

// Documents in a message's JSON form, checked field by field against the proto.
//
// ts-proto's fromJSON is lenient: it drops unknown keys (a misspelt `hyperparams:` silently trains
// with the defaults), turns an unknown enum name into UNRECOGNIZED, and reads a Duration only as
// { seconds, nanos }. So a document is first checked against the message's descriptor (from the
// descriptor set @mlops/proto ships) and normalised into what fromJSON reads: every problem is
// reported with its path, enums may be written without their prefix (`GBDT`, `binary_classification`),
// timestamps as ISO dates (no zone = UTC) and durations as `90s`, `30m`, `1h30m`, `7d`.

export type DocumentPath = (string | number)[];
export interface PathProblem {
  path: DocumentPath;
  message: string;
}

let registry: FileRegistry | undefined;
/** The platform's protos, read once from the descriptor set the proto library ships. */
function protoRegistry(): FileRegistry {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath)));
  return registry;
}

/** A message type of the platform by full name, e.g. `mlops.training.v1.TrainingSpec`. */
export function messageType(typeName: string): DescMessage {
  const desc = protoRegistry().getMessage(typeName);
  if (!desc) throw new Error(`${typeName} is not in the descriptor set`);
  return desc;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
const describe = (value: unknown) => (typeof value === 'string' ? `"${value}"` : Array.isArray(value) ? 'a list' : isObject(value) ? 'an object' : String(value));

/**
 * A document checked against a message type and rewritten in the form ts-proto's fromJSON reads
 * (JSON names, full enum names, ISO timestamps, { seconds, nanos } durations), with every problem found.
 */
export function protoJson(desc: DescMessage, value: unknown, path: DocumentPath = []): { json: unknown; problems: PathProblem[] } {
  const problems: PathProblem[] = [];
  const json = messageJson(desc, value, path, problems);
  return { json, problems };
}

function messageJson(desc: DescMessage, value: unknown, path: DocumentPath, problems: PathProblem[]): unknown {
  const problem = (message: string) => {
    problems.push({ path, message });
    return undefined;
  };
  switch (desc.typeName) {
    case 'google.protobuf.Timestamp': {
      const instant = parseInstant(value);
      return instant ? instant.toISOString() : problem(`expected a date or date-time such as 2001-03-01 or 2001-03-01T06:00:00Z, got ${describe(value)}`);
    }
    case 'google.protobuf.Duration': {
      const seconds = parseDuration(value);
      return seconds === undefined ? problem(`expected a duration such as 90s, 30m, 1h30m or 7d, got ${describe(value)}`) : durationOf(seconds);
    }
    case 'google.protobuf.Struct':
      return isObject(value) ? value : problem(`expected an object, got ${describe(value)}`);
    case 'google.protobuf.Value':
    case 'google.protobuf.ListValue':
      return value;
  }
  if (!isObject(value)) return problem(`expected an object (${desc.name}), got ${describe(value)}`);
  const out: Record<string, unknown> = {};
  const given = new Map<string, string>();
  const oneofs = new Map<string, string>();
  for (const [key, item] of Object.entries(value)) {
    const at = [...path, key];
    const field = desc.fields.find((f) => f.name === key || f.jsonName === key);
    if (!field) {
      problems.push({ path: at, message: `unknown field; ${desc.name} has ${desc.fields.map((f) => f.name).join(', ')}` });
      continue;
    }
    if (given.has(field.name)) {
      problems.push({ path: at, message: `given twice (also as ${given.get(field.name)})` });
      continue;
    }
    given.set(field.name, key);
    if (item === null || item === undefined) continue;
    if (field.oneof) {
      const other = oneofs.get(field.oneof.name);
      if (other) {
        problems.push({ path: at, message: `${other} and ${field.name} are alternatives: give one` });
        continue;
      }
      oneofs.set(field.oneof.name, field.name);
    }
    out[field.jsonName] = fieldJson(field, item, at, problems);
  }
  return out;
}

function fieldJson(field: DescField, value: unknown, path: DocumentPath, problems: PathProblem[]): unknown {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarJson(field.scalar, value, path, problems);
    case 'enum':
      return enumJson(field.enum, value, path, problems);
    case 'message':
      return messageJson(field.message, value, path, problems);
    case 'list': {
      if (!Array.isArray(value)) {
        problems.push({ path, message: `expected a list, got ${describe(value)}` });
        return undefined;
      }
      return value.map((item: unknown, i) => {
        const at = [...path, i];
        switch (field.listKind) {
          case 'scalar':
            return scalarJson(field.scalar, item, at, problems);
          case 'enum':
            return enumJson(field.enum, item, at, problems);
          case 'message':
            return messageJson(field.message, item, at, problems);
        }
      });
    }
    case 'map': {
      if (!isObject(value)) {
        problems.push({ path, message: `expected a map of keys to values, got ${describe(value)}` });
        return undefined;
      }
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => {
          const at = [...path, key];
          switch (field.mapKind) {
            case 'scalar':
              return [key, scalarJson(field.scalar, item, at, problems)];
            case 'enum':
              return [key, enumJson(field.enum, item, at, problems)];
            case 'message':
              return [key, messageJson(field.message, item, at, problems)];
          }
        }),
      );
    }
  }
}

const INT32 = [ScalarType.INT32, ScalarType.SINT32, ScalarType.SFIXED32];
const UINT32 = [ScalarType.UINT32, ScalarType.FIXED32];
const INT64 = [ScalarType.INT64, ScalarType.SINT64, ScalarType.SFIXED64];
const UINT64 = [ScalarType.UINT64, ScalarType.FIXED64];

function scalarJson(type: ScalarType, value: unknown, path: DocumentPath, problems: PathProblem[]): unknown {
  const problem = (message: string) => {
    problems.push({ path, message: `${message}, got ${describe(value)}` });
    return undefined;
  };
  switch (type) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : problem('expected text');
    case ScalarType.BOOL:
      if (typeof value === 'boolean') return value;
      return value === 'true' || value === 'false' ? value === 'true' : problem('expected true or false');
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT: {
      const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      return Number.isNaN(number) && value !== 'NaN' ? problem('expected a number') : number;
    }
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
    case ScalarType.UINT64:
    case ScalarType.FIXED64: {
      const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
      if (!Number.isInteger(number)) return problem('expected a whole number');
      if ((UINT32.includes(type) || UINT64.includes(type)) && number < 0) return problem('expected a whole number of 0 or more');
      if (INT32.includes(type) && (number < -(2 ** 31) || number >= 2 ** 31)) return problem('expected a 32-bit whole number');
      if (UINT32.includes(type) && number >= 2 ** 32) return problem('expected a 32-bit whole number');
      if ((INT64.includes(type) || UINT64.includes(type)) && !Number.isSafeInteger(number)) return problem('expected a whole number below 2^53');
      return number;
    }
  }
}

/** An enum's value names without their shared prefix and the UNSPECIFIED value: what a person writes. */
function enumChoices(desc: DescEnum): string[] {
  const prefix = (desc.sharedPrefix ?? '').toUpperCase();
  return desc.values.filter((v) => !v.name.endsWith('_UNSPECIFIED')).map((v) => (prefix && v.name.startsWith(prefix) ? v.name.slice(prefix.length) : v.name));
}

function enumJson(desc: DescEnum, value: unknown, path: DocumentPath, problems: PathProblem[]): unknown {
  if (desc.typeName === 'google.protobuf.NullValue') return 'NULL_VALUE';
  const prefix = (desc.sharedPrefix ?? '').toUpperCase();
  const found =
    typeof value === 'number'
      ? desc.values.find((v) => v.number === value)
      : typeof value === 'string'
        ? desc.values.find((v) => [v.name, v.name.slice(prefix.length)].includes(value.trim().toUpperCase().replace(/[-\s]/g, '_')))
        : undefined;
  if (found && !found.name.endsWith('_UNSPECIFIED')) return found.name;
  problems.push({ path, message: `${describe(value)} is not one of ${enumChoices(desc).join(', ')}` });
  return undefined;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * An ISO 8601 date or date-time (no zone means UTC, as ingestion reads them); undefined if it is not
 * one or names an impossible moment (2001-02-30, 25:00), which Date would quietly roll over.
 */
export function parseInstant(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const match = INSTANT.exec(value.trim());
  if (!match) return undefined;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)));
  if (calendar.getUTCMonth() !== Number(month) - 1 || calendar.getUTCDate() !== Number(day) || calendar.getUTCHours() !== Number(hour) || calendar.getUTCMinutes() !== Number(minute) || calendar.getUTCSeconds() !== Number(second)) return undefined;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const instant = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}${fraction.slice(0, 4)}${offset}`);
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds of a duration written `90s`, `1.5h`, `1h30m`, `500ms`, `7d`, or as { seconds, nanos }; undefined if malformed. */
export function parseDuration(value: unknown): number | undefined {
  if (isObject(value)) {
    const { seconds = 0, nanos = 0, ...rest } = value;
    if (Object.keys(rest).length > 0 || typeof seconds !== 'number' || typeof nanos !== 'number') return undefined;
    return seconds + nanos / 1e9;
  }
  if (typeof value !== 'string' || !/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(value.trim())) return undefined;
  let total = 0;
  for (const [, amount, , unit] of value.trim().matchAll(/(\d+(\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(amount) * UNIT_SECONDS[unit];
  return total;
}

export const durationOf = (seconds: number) => durationFromMs(seconds * 1000);

/** The fields that have a value: a record without a column of dashes. */
export const compact = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== null && value !== ''));
