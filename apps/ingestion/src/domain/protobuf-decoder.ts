import { common, Enum, type Field, parse, Root, Type } from 'protobufjs';
import { type RecordDecoder } from './batch';
import { type FieldSpec, type FieldType } from './contract';

/** A source topic's protobuf schema: the `.proto` text and the message each value holds. */
export interface ProtobufSchema {
  schema: string;
  message: string;
}

const TIMESTAMP = '.google.protobuf.Timestamp';
const INT_TYPES = new Set(['int32', 'sint32', 'sfixed32', 'uint32', 'fixed32', 'int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);
const FLOAT_TYPES = new Set(['float', 'double']);

/** Which protobuf field types can carry each contract type. */
function carries(contractType: FieldType, field: Field): boolean {
  const type = field.resolvedType ? (field.resolvedType instanceof Enum ? 'enum' : field.resolvedType.fullName) : field.type;
  switch (contractType) {
    case 'int':
      return INT_TYPES.has(type);
    case 'float':
      return FLOAT_TYPES.has(type) || INT_TYPES.has(type);
    case 'bool':
      return type === 'bool';
    case 'string':
      return type === 'string';
    case 'categorical':
      return type === 'string' || type === 'enum';
    case 'timestamp':
      return type === TIMESTAMP || type === 'string';
  }
}

export class ProtobufSchemaError extends Error {
  override name = 'ProtobufSchemaError';
  constructor(readonly problems: { path: 'schema' | 'message'; message: string }[]) {
    super(problems.map((p) => p.message).join('; '));
  }
}

function messageType(source: ProtobufSchema): Type {
  // Well-known types (Timestamp) are known without the caller shipping them.
  const root = new Root();
  root.addJSON(common.get('google/protobuf/timestamp.proto')!.nested!);
  try {
    parse(source.schema, root, { keepCase: true });
    root.resolveAll();
  } catch (error) {
    throw new ProtobufSchemaError([{ path: 'schema', message: `the protobuf schema does not parse: ${(error as Error).message}` }]);
  }
  const found = root.lookup(source.message);
  if (!(found instanceof Type)) {
    throw new ProtobufSchemaError([{ path: 'message', message: `message "${source.message}" is not defined in the protobuf schema` }]);
  }
  return found;
}

/**
 * Checks the schema against the contract and builds the decoder. Each message field must be a
 * contract field of a type it can carry, and every required contract field must be in the message,
 * so a mismatch is refused when the contract is applied rather than quarantining every record.
 */
export function compileProtobufDecoder(fields: readonly Pick<FieldSpec, 'name' | 'type' | 'required'>[], source: ProtobufSchema): RecordDecoder {
  const type = messageType(source);
  const problems: ProtobufSchemaError['problems'] = [];
  const declared = new Map(fields.map((f) => [f.name, f]));
  for (const field of type.fieldsArray) {
    const spec = declared.get(field.name);
    if (!spec) problems.push({ path: 'message', message: `${source.message}.${field.name} is not a field of the contract` });
    else if (field.repeated || field.map) problems.push({ path: 'message', message: `${source.message}.${field.name} is repeated; contract fields hold one value` });
    else if (!carries(spec.type, field)) problems.push({ path: 'message', message: `${source.message}.${field.name} is ${field.type}, which cannot carry the contract's ${spec.type}` });
  }
  for (const spec of fields) {
    if (spec.required && !type.fields[spec.name]) problems.push({ path: 'message', message: `required field "${spec.name}" is not in ${source.message}` });
  }
  if (problems.length > 0) throw new ProtobufSchemaError(problems);

  const longs = type.fieldsArray.filter((f) => f.long).map((f) => f.name);
  const timestamps = type.fieldsArray.filter((f) => f.resolvedType?.fullName === TIMESTAMP).map((f) => f.name);
  return (bytes) => {
    let record: Record<string, unknown>;
    try {
      // Defaults on: a proto3 scalar without presence is never absent, even when it is 0 or "".
      record = type.toObject(type.decode(bytes), { longs: String, enums: String, defaults: true });
    } catch (error) {
      return { error: `not a valid ${source.message} message: ${(error as Error).message}` };
    }
    for (const name of longs) if (typeof record[name] === 'string') record[name] = BigInt(record[name]);
    for (const name of timestamps) {
      const value = record[name] as { seconds: string; nanos: number } | null | undefined;
      if (value) record[name] = new Date(Number(value.seconds) * 1000 + Math.floor(value.nanos / 1e6));
    }
    return { value: record };
  };
}
