import { parse, Root, common, type Type } from 'protobufjs';
import { compileValidator } from './record-validator';
import { FLIGHT_FIELDS, field, flightsContract } from './flights.fixture';
import { compileProtobufDecoder, type ProtobufSchema, ProtobufSchemaError } from './protobuf-decoder';

const SCHEMA = `
syntax = "proto3";
package upstream.v1;
import "google/protobuf/timestamp.proto";
enum Airport { AIRPORT_UNSPECIFIED = 0; ATL = 1; SFO = 2; }
message Flight {
  google.protobuf.Timestamp date = 1;
  int64 delay = 2;
  optional int32 distance = 3;
  Airport origin = 4;
  optional string destination = 5;
}`;
const FLIGHT: ProtobufSchema = { schema: SCHEMA, message: 'upstream.v1.Flight' };

/** The producer's side, built independently of the decoder under test. */
function producerType(schema = SCHEMA): Type {
  const root = new Root();
  root.addJSON(common.get('google/protobuf/timestamp.proto')!.nested!);
  parse(schema, root, { keepCase: true });
  return root.lookupType('upstream.v1.Flight');
}
const encode = (value: Record<string, unknown>) => Buffer.from(producerType().encode(producerType().fromObject(value)).finish());

function problems(fields: Parameters<typeof compileProtobufDecoder>[0], source: ProtobufSchema) {
  try {
    compileProtobufDecoder(fields, source);
  } catch (error) {
    if (error instanceof ProtobufSchemaError) return error.problems;
    throw error;
  }
  return [];
}

describe('compileProtobufDecoder', () => {
  const decode = compileProtobufDecoder(FLIGHT_FIELDS, FLIGHT);

  it('decodes a message into the record the contract describes', () => {
    const bytes = encode({ date: { seconds: 978_307_260, nanos: 250_000_000 }, delay: '-7', distance: 500, origin: 'SFO', destination: 'LAX' });
    expect(decode(bytes)).toEqual({ value: { date: new Date('2001-01-01T00:01:00.250Z'), delay: -7n, distance: 500, origin: 'SFO', destination: 'LAX' } });
  });

  it('keeps zero values of fields without presence, and leaves unset optional fields absent', () => {
    const { value } = decode(encode({ date: { seconds: 0 }, delay: 0, origin: 'ATL' })) as { value: Record<string, unknown> };
    expect(value).toEqual({ date: new Date(0), delay: 0n, origin: 'ATL' });
    expect('distance' in value).toBe(false);
  });

  it('hands the validator values it accepts, and values out of range to reject', () => {
    const validate = compileValidator(flightsContract());
    const accepted = validate((decode(encode({ date: { seconds: 978_307_260 }, delay: 3, origin: 'ATL' })) as { value: unknown }).value);
    expect(accepted).toMatchObject({ ok: true, values: { date: '2001-01-01T00:01:00.000Z', delay: 3, distance: null, origin: 'ATL', destination: null } });
    const tooLate = validate((decode(encode({ date: { seconds: 1 }, delay: 9_999, origin: 'ATL' })) as { value: unknown }).value);
    expect(tooLate).toEqual({ ok: false, violations: [expect.objectContaining({ field: 'delay', rule: 'range' })] });
  });

  it('says why bytes are not a message of the type', () => {
    expect(decode(Buffer.from('{"date": "2001-01-01"}'))).toEqual({ error: expect.stringMatching(/^not a valid upstream\.v1\.Flight message: /) });
  });

  it('refuses a schema that does not parse', () => {
    expect(problems(FLIGHT_FIELDS, { ...FLIGHT, schema: 'syntax = "proto3"; message Flight { int32 = 1; }' })).toEqual([
      { path: 'schema', message: expect.stringMatching(/^the protobuf schema does not parse: .*line 1/) },
    ]);
  });

  it('refuses a message name the schema lacks', () => {
    expect(problems(FLIGHT_FIELDS, { ...FLIGHT, message: 'upstream.v1.Flights' })).toEqual([{ path: 'message', message: 'message "upstream.v1.Flights" is not defined in the protobuf schema' }]);
  });

  it('refuses message fields the contract lacks or cannot hold, and required contract fields the message lacks', () => {
    const schema = SCHEMA.replace('optional string destination = 5;', 'optional string destination = 5; repeated int32 legs = 6; bytes tail = 7;').replace('int64 delay = 2;', 'string delay = 2;');
    const fields = [...FLIGHT_FIELDS, field('legs', 'int'), field('cancelled', 'bool', { required: true })];
    expect(problems(fields, { ...FLIGHT, schema }).map((p) => p.message)).toEqual([
      'upstream.v1.Flight.delay is string, which cannot carry the contract\'s int',
      'upstream.v1.Flight.legs is repeated; contract fields hold one value',
      'upstream.v1.Flight.tail is not a field of the contract',
      'required field "cancelled" is not in upstream.v1.Flight',
    ]);
  });
});
