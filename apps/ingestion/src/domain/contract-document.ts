import { z } from 'zod';
import { canonicalJson, DocumentError, parseLocatedDocument } from '@mlops/documents';
import { type DataContract, type Expectation, FIELD_TYPES, type FieldSpec, parseSemVer } from './contract';
import { compileProtobufDecoder, ProtobufSchemaError } from './protobuf-decoder';

const NAME = /^[a-z][a-z0-9_]*$/;
const name = z.string().regex(NAME, 'must be lower_snake_case (a-z, 0-9, _; starting with a letter)');
const rate = z.number().min(0).max(1);

const fieldSchema = z.strictObject({
  name,
  type: z.enum(FIELD_TYPES as [string, ...string[]]),
  required: z.boolean().default(false),
  nullable: z.boolean().default(true),
  categories: z.array(z.string()).default([]),
  range: z.strictObject({ min: z.number().optional(), max: z.number().optional() }).optional(),
  pattern: z.string().optional(),
  description: z.string().default(''),
});

const expectationSchema = z.union([
  z.strictObject({ name, null_rate: z.strictObject({ field: name, max_rate: rate }) }),
  z.strictObject({ name, out_of_range: z.strictObject({ field: name, max_rate: rate }) }),
  z.strictObject({ name, uniqueness: z.strictObject({ fields: z.array(name).min(1) }) }),
  z.strictObject({ name, freshness: z.strictObject({ max_age_seconds: z.number().positive() }) }),
]);

const documentSchema = z.strictObject({
  dataset: name,
  version: z.string().refine((v) => parseSemVer(v) !== undefined, 'must be a semantic version MAJOR.MINOR.PATCH'),
  description: z.string().default(''),
  entity_keys: z.array(name).min(1),
  event_time_field: name,
  fields: z.array(fieldSchema).min(1),
  expectations: z.array(expectationSchema).default([]),
  source: z
    .strictObject({
      topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a valid Kafka topic name'),
      encoding: z.enum(['json', 'protobuf']).default('json'),
      protobuf: z.strictObject({ message: z.string().min(1), schema: z.string().min(1) }).optional(),
      partition_concurrency: z.number().int().min(1).max(64).default(3),
    })
    .optional(),
  snapshots: z
    .strictObject({
      every_rows: z.number().int().min(1).optional(),
      every_seconds: z.number().int().min(1).optional(),
    })
    .refine((p) => p.every_rows !== undefined || p.every_seconds !== undefined, 'give every_rows, every_seconds or both')
    .optional(),
});

type ContractDocument = z.infer<typeof documentSchema>;

/**
 * Parses a contract written as YAML or JSON (JSON is YAML) and checks it, reporting every problem
 * with the line it is on. Nothing about a dataset is known here: the rules are the contract's own.
 */
export function parseContractDocument(text: string): DataContract {
  const { data, locate } = parseLocatedDocument(text, documentSchema);
  const problems = semanticProblems(data).map(([path, message]) => locate(path, message));
  if (problems.length > 0) throw new DocumentError(problems);
  return toContract(data);
}

type Problem = [PropertyKey[], string];

function semanticProblems(doc: ContractDocument): Problem[] {
  const problems: Problem[] = [];
  const fields = new Map<string, ContractDocument['fields'][number]>();
  doc.fields.forEach((field, i) => {
    if (fields.has(field.name)) problems.push([['fields', i, 'name'], `duplicate field "${field.name}"`]);
    fields.set(field.name, field);
    const numeric = field.type === 'int' || field.type === 'float';
    if (field.range && !numeric) problems.push([['fields', i, 'range'], `a range applies to int and float fields, not ${field.type}`]);
    if (field.range?.min !== undefined && field.range.max !== undefined && field.range.min > field.range.max) {
      problems.push([['fields', i, 'range'], `min ${field.range.min} is greater than max ${field.range.max}`]);
    }
    if (field.type === 'categorical' && field.categories.length === 0) problems.push([['fields', i, 'categories'], 'a categorical field needs its allowed categories']);
    if (field.type !== 'categorical' && field.categories.length > 0) problems.push([['fields', i, 'categories'], `categories apply to categorical fields, not ${field.type}`]);
    if (field.pattern !== undefined) {
      if (field.type !== 'string') problems.push([['fields', i, 'pattern'], `a pattern applies to string fields, not ${field.type}`]);
      else if (!compiles(field.pattern)) problems.push([['fields', i, 'pattern'], `not a valid regular expression: ${field.pattern}`]);
    }
  });
  doc.entity_keys.forEach((key, i) => {
    const field = fields.get(key);
    if (!field) problems.push([['entity_keys', i], `entity key "${key}" is not a declared field`]);
    else if (!field.required || field.nullable) problems.push([['entity_keys', i], `entity key "${key}" must be required and not nullable`]);
  });
  const eventTime = fields.get(doc.event_time_field);
  if (!eventTime) problems.push([['event_time_field'], `event-time field "${doc.event_time_field}" is not a declared field`]);
  else if (eventTime.type !== 'timestamp') problems.push([['event_time_field'], `event-time field "${doc.event_time_field}" must be a timestamp, not ${eventTime.type}`]);
  else if (!eventTime.required || eventTime.nullable) problems.push([['event_time_field'], `event-time field "${doc.event_time_field}" must be required and not nullable`]);

  problems.push(...sourceProblems(doc));

  const names = new Set<string>();
  doc.expectations.forEach((expectation, i) => {
    if (names.has(expectation.name)) problems.push([['expectations', i, 'name'], `duplicate expectation "${expectation.name}"`]);
    names.add(expectation.name);
    const check = (path: PropertyKey[], field: string) => {
      if (!fields.has(field)) problems.push([['expectations', i, ...path], `field "${field}" is not declared`]);
    };
    if ('null_rate' in expectation) check(['null_rate', 'field'], expectation.null_rate.field);
    if ('uniqueness' in expectation) expectation.uniqueness.fields.forEach((f, j) => check(['uniqueness', 'fields', j], f));
    if ('out_of_range' in expectation) {
      const field = fields.get(expectation.out_of_range.field);
      check(['out_of_range', 'field'], expectation.out_of_range.field);
      if (field && !field.range) problems.push([['expectations', i, 'out_of_range', 'field'], `field "${field.name}" has no range to be out of`]);
    }
  });
  return problems;
}

function sourceProblems(doc: ContractDocument): Problem[] {
  const source = doc.source;
  if (!source) return [];
  if (source.encoding === 'json') return source.protobuf ? [[['source', 'protobuf'], 'a protobuf schema applies to encoding: protobuf, not json']] : [];
  if (!source.protobuf) return [[['source'], 'encoding: protobuf needs source.protobuf with the message name and the schema']];
  const fields = doc.fields.map((f) => ({ name: f.name, type: f.type as FieldSpec['type'], required: f.required }));
  try {
    compileProtobufDecoder(fields, source.protobuf);
    return [];
  } catch (error) {
    if (!(error instanceof ProtobufSchemaError)) throw error;
    return error.problems.map((p): Problem => [['source', 'protobuf', p.path], p.message]);
  }
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

function toContract(doc: ContractDocument): DataContract {
  return {
    dataset: doc.dataset,
    version: doc.version,
    description: doc.description,
    entityKeys: doc.entity_keys,
    eventTimeField: doc.event_time_field,
    fields: doc.fields.map(
      (f): FieldSpec => ({
        name: f.name,
        type: f.type as FieldSpec['type'],
        required: f.required,
        nullable: f.nullable,
        categories: f.categories,
        min: f.range?.min,
        max: f.range?.max,
        pattern: f.pattern,
        description: f.description,
      }),
    ),
    expectations: doc.expectations.map((e): Expectation => {
      if ('null_rate' in e) return { name: e.name, kind: 'null_rate', field: e.null_rate.field, maxRate: e.null_rate.max_rate };
      if ('out_of_range' in e) return { name: e.name, kind: 'out_of_range', field: e.out_of_range.field, maxRate: e.out_of_range.max_rate };
      if ('uniqueness' in e) return { name: e.name, kind: 'uniqueness', fields: e.uniqueness.fields };
      return { name: e.name, kind: 'freshness', maxAgeSeconds: e.freshness.max_age_seconds };
    }),
    source: doc.source && { topic: doc.source.topic, encoding: doc.source.encoding, protobuf: doc.source.protobuf, partitionConcurrency: doc.source.partition_concurrency },
    snapshotPolicy: doc.snapshots && { everyRows: doc.snapshots.every_rows, everySeconds: doc.snapshots.every_seconds },
  };
}

/** The contract in a stable form: its digest changes exactly when its meaning does. */
export function canonicalContract(contract: DataContract): string {
  return canonicalJson(contract);
}
