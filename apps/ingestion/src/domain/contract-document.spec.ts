import { type DataContract } from './contract';
import { DocumentError, type DocumentProblem } from '@mlops/documents';
import { canonicalContract, parseContractDocument } from './contract-document';

const FLIGHTS = `dataset: flights
version: 1.0.0
description: On-time performance of domestic flights
entity_keys: [origin]
event_time_field: date
fields:
  - name: date
    type: timestamp
    required: true
    nullable: false
    description: Scheduled departure
  - name: delay
    type: int
    required: true
    range: { min: -120, max: 2000 }
  - name: distance
    type: int
    range:
      min: 1
      max: 6000
  - name: origin
    type: categorical
    required: true
    nullable: false
    categories: [ABQ, ATL, BOS, LAX, SFO]
  - name: destination
    type: string
    pattern: "[A-Z]{3}"
expectations:
  - name: delay_mostly_present
    null_rate: { field: delay, max_rate: 0.05 }
  - name: delay_in_range
    out_of_range: { field: delay, max_rate: 0.01 }
  - name: one_flight_per_origin_and_time
    uniqueness: { fields: [origin, date] }
  - name: recent
    freshness: { max_age_seconds: 86400 }
source:
  topic: ingestion.flights.v1
`;

/** The flights contract with `search` (which must occur exactly once) replaced. */
function flightsWith(search: string, replacement: string): string {
  expect(FLIGHTS.split(search)).toHaveLength(2);
  return FLIGHTS.replace(search, replacement);
}

/** 1-based line of the only line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  const lines = text.split('\n');
  const matches = lines.flatMap((line, i) => (line.includes(needle) ? [i + 1] : []));
  expect(matches).toHaveLength(1);
  return matches[0];
}

function problemsOf(text: string): DocumentProblem[] {
  let thrown: unknown;
  try {
    parseContractDocument(text);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(DocumentError);
  return (thrown as DocumentError).problems;
}

describe('parseContractDocument', () => {
  it('maps a realistic YAML contract to the domain model', () => {
    const contract = parseContractDocument(FLIGHTS);

    expect(contract).toEqual<DataContract>({
      dataset: 'flights',
      version: '1.0.0',
      description: 'On-time performance of domestic flights',
      entityKeys: ['origin'],
      eventTimeField: 'date',
      fields: [
        { name: 'date', type: 'timestamp', required: true, nullable: false, categories: [], min: undefined, max: undefined, pattern: undefined, description: 'Scheduled departure' },
        { name: 'delay', type: 'int', required: true, nullable: true, categories: [], min: -120, max: 2000, pattern: undefined, description: '' },
        { name: 'distance', type: 'int', required: false, nullable: true, categories: [], min: 1, max: 6000, pattern: undefined, description: '' },
        { name: 'origin', type: 'categorical', required: true, nullable: false, categories: ['ABQ', 'ATL', 'BOS', 'LAX', 'SFO'], min: undefined, max: undefined, pattern: undefined, description: '' },
        { name: 'destination', type: 'string', required: false, nullable: true, categories: [], min: undefined, max: undefined, pattern: '[A-Z]{3}', description: '' },
      ],
      expectations: [
        { name: 'delay_mostly_present', kind: 'null_rate', field: 'delay', maxRate: 0.05 },
        { name: 'delay_in_range', kind: 'out_of_range', field: 'delay', maxRate: 0.01 },
        { name: 'one_flight_per_origin_and_time', kind: 'uniqueness', fields: ['origin', 'date'] },
        { name: 'recent', kind: 'freshness', maxAgeSeconds: 86400 },
      ],
      source: { topic: 'ingestion.flights.v1', encoding: 'json', partitionConcurrency: 3 },
    });
  });

  it('applies defaults: optional, nullable, no expectations, no source', () => {
    const contract = parseContractDocument(`dataset: minimal
version: 0.1.0
entity_keys: [id]
event_time_field: at
fields:
  - { name: id, type: string, required: true, nullable: false }
  - { name: at, type: timestamp, required: true, nullable: false }
  - { name: note, type: string }
`);
    expect(contract.description).toBe('');
    expect(contract.expectations).toEqual([]);
    expect(contract.source).toBeUndefined();
    expect(contract.snapshotPolicy).toBeUndefined();
    expect(contract.fields[2]).toMatchObject({ name: 'note', required: false, nullable: true, categories: [], description: '' });
  });

  it('reads a protobuf source with its schema', () => {
    const text = flightsWith('  topic: ingestion.flights.v1\n', `  topic: ingestion.flights.v1
  encoding: protobuf
  protobuf:
    message: up.Flight
    schema: |
      syntax = "proto3";
      package up;
      message Flight { string date = 1; int32 delay = 2; string origin = 3; string destination = 4; }
`);
    expect(parseContractDocument(text).source).toEqual({
      topic: 'ingestion.flights.v1',
      encoding: 'protobuf',
      protobuf: { message: 'up.Flight', schema: expect.stringContaining('message Flight {') },
      partitionConcurrency: 3,
    });
  });

  it('reads a snapshot policy', () => {
    expect(parseContractDocument(`${FLIGHTS}snapshots:\n  every_rows: 100000\n`).snapshotPolicy).toEqual({ everyRows: 100000, everySeconds: undefined });
    expect(parseContractDocument(`${FLIGHTS}snapshots: { every_rows: 10, every_seconds: 3600 }\n`).snapshotPolicy).toEqual({ everyRows: 10, everySeconds: 3600 });
  });

  it('reads the same contract written as JSON to an equal result', () => {
    const json = JSON.stringify(
      {
        dataset: 'flights',
        version: '1.0.0',
        description: 'On-time performance of domestic flights',
        entity_keys: ['origin'],
        event_time_field: 'date',
        fields: [
          { name: 'date', type: 'timestamp', required: true, nullable: false, description: 'Scheduled departure' },
          { name: 'delay', type: 'int', required: true, range: { min: -120, max: 2000 } },
          { name: 'distance', type: 'int', range: { min: 1, max: 6000 } },
          { name: 'origin', type: 'categorical', required: true, nullable: false, categories: ['ABQ', 'ATL', 'BOS', 'LAX', 'SFO'] },
          { name: 'destination', type: 'string', pattern: '[A-Z]{3}' },
        ],
        expectations: [
          { name: 'delay_mostly_present', null_rate: { field: 'delay', max_rate: 0.05 } },
          { name: 'delay_in_range', out_of_range: { field: 'delay', max_rate: 0.01 } },
          { name: 'one_flight_per_origin_and_time', uniqueness: { fields: ['origin', 'date'] } },
          { name: 'recent', freshness: { max_age_seconds: 86400 } },
        ],
        source: { topic: 'ingestion.flights.v1' },
      },
      null,
      2,
    );
    const fromJson = parseContractDocument(json);
    const fromYaml = parseContractDocument(FLIGHTS);
    expect(fromJson).toEqual(fromYaml);
    expect(canonicalContract(fromJson)).toBe(canonicalContract(fromYaml));
  });

  describe('reports problems with their line', () => {
    it('a YAML syntax error (duplicate key) is located at the offending key', () => {
      const text = flightsWith('    type: int\n    required: true\n', '    type: int\n    type: float\n    required: true\n');
      const problems = problemsOf(text);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ path: '', line: lineOf(text, 'type: float'), column: 5 });
      expect(problems[0].message).toContain('Map keys must be unique');
    });

    it('a YAML syntax error (unclosed flow sequence) carries a line number', () => {
      const text = flightsWith('categories: [ABQ, ATL, BOS, LAX, SFO]', 'categories: [ABQ, ATL, BOS');
      const problems = problemsOf(text);
      expect(problems.length).toBeGreaterThan(0);
      // Reported where the parser notices the sequence never closed: the next field.
      expect(problems[0].line).toBe(lineOf(text, '- name: destination'));
      expect(problems[0].path).toBe('');
    });

    it('puts the line and path in the error message', () => {
      const text = flightsWith('    type: int\n    required: true', '    type: integer\n    required: true');
      let message = '';
      try {
        parseContractDocument(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(new RegExp(`^line ${lineOf(text, 'type: integer')}: fields\\[1\\]\\.type: `));
    });

    it('an unknown type, at its line and path', () => {
      const text = flightsWith('    type: int\n    required: true', '    type: integer\n    required: true');
      const problems = problemsOf(text);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ path: 'fields[1].type', line: lineOf(text, 'type: integer'), column: 11 });
      expect(problems[0].message).toContain('timestamp');
    });

    it('a missing required key, at the start of the document', () => {
      const problems = problemsOf(flightsWith('event_time_field: date\n', ''));
      expect(problems).toEqual([expect.objectContaining({ path: 'event_time_field', line: 1 })]);
    });

    it('a missing key inside a field, at the field', () => {
      const text = flightsWith('  - name: distance\n    type: int\n', '  - name: distance\n');
      const problems = problemsOf(text);
      expect(problems).toEqual([expect.objectContaining({ path: 'fields[2].type', line: lineOf(text, '- name: distance') })]);
    });

    it('every schema problem at once', () => {
      const text = flightsWith('dataset: flights\nversion: 1.0.0', 'dataset: Flights\nversion: "1.0"');
      const problems = problemsOf(text);
      expect(problems.map((p) => [p.path, p.line])).toEqual([
        ['dataset', 1],
        ['version', 2],
      ]);
      expect(problems[0].message).toContain('lower_snake_case');
      expect(problems[1].message).toContain('semantic version');
    });

    it('an unknown key in a field (fields are strict)', () => {
      const text = flightsWith('    pattern: "[A-Z]{3}"\n', '    pattern: "[A-Z]{3}"\n    colour: red\n');
      const problems = problemsOf(text);
      expect(problems).toHaveLength(1);
      expect(problems[0].path).toBe('fields[4]');
      expect(problems[0].message).toContain('colour');
    });

    it('an invalid Kafka topic name', () => {
      const text = flightsWith('topic: ingestion.flights.v1', 'topic: "flights topic"');
      expect(problemsOf(text)).toEqual([expect.objectContaining({ path: 'source.topic', line: lineOf(text, 'flights topic'), message: 'must be a valid Kafka topic name' })]);
    });

    it('a protobuf message that does not fit the contract, at the message name', () => {
      const text = flightsWith('  topic: ingestion.flights.v1\n', `  topic: ingestion.flights.v1
  encoding: protobuf
  protobuf:
    message: up.Flight
    schema: 'syntax = "proto3"; package up; message Flight { string date = 1; bool delay = 2; }'
`);
      expect(problemsOf(text)).toEqual([
        expect.objectContaining({ path: 'source.protobuf.message', line: lineOf(text, 'message: up.Flight'), message: "up.Flight.delay is bool, which cannot carry the contract's int" }),
        expect.objectContaining({ path: 'source.protobuf.message', message: 'required field "origin" is not in up.Flight' }),
      ]);
    });

    it('a protobuf encoding without its schema', () => {
      const text = flightsWith('  topic: ingestion.flights.v1\n', '  topic: ingestion.flights.v1\n  encoding: protobuf\n');
      expect(problemsOf(text)).toEqual([expect.objectContaining({ path: 'source', message: 'encoding: protobuf needs source.protobuf with the message name and the schema' })]);
    });

    it('a snapshot policy with neither bound', () => {
      const text = `${FLIGHTS}snapshots: {}\n`;
      expect(problemsOf(text)).toEqual([expect.objectContaining({ path: 'snapshots', line: lineOf(text, 'snapshots: {}'), message: 'give every_rows, every_seconds or both' })]);
    });

    it('a snapshot policy bound that is not a positive whole number', () => {
      const text = `${FLIGHTS}snapshots:\n  every_rows: 0\n  every_seconds: 1.5\n`;
      expect(problemsOf(text).map((p) => [p.path, p.line])).toEqual([
        ['snapshots.every_rows', lineOf(text, 'every_rows: 0')],
        ['snapshots.every_seconds', lineOf(text, 'every_seconds: 1.5')],
      ]);
    });

    it('an expectation of no known kind', () => {
      const text = flightsWith('freshness: { max_age_seconds: 86400 }', 'staleness: { max_age_seconds: 86400 }');
      const problems = problemsOf(text);
      expect(problems).toHaveLength(1);
      expect(problems[0].path).toBe('expectations[3]');
      expect(problems[0].line).toBe(lineOf(text, '- name: recent'));
    });
  });

  describe('semantic problems', () => {
    it.each<[string, string, string, string, string, string]>([
      // [case, search, replacement, expected path, line containing, message fragment]
      ['a duplicate field', '- name: distance', '- name: delay # renamed', 'fields[2].name', '# renamed', 'duplicate field "delay"'],
      ['an undeclared entity key', 'entity_keys: [origin]', 'entity_keys: [origin, tail_number]', 'entity_keys[1]', 'entity_keys:', 'entity key "tail_number" is not a declared field'],
      ['a nullable entity key', 'entity_keys: [origin]', 'entity_keys: [destination]', 'entity_keys[0]', 'entity_keys:', 'must be required and not nullable'],
      ['an event-time field that is not a timestamp', 'event_time_field: date', 'event_time_field: delay', 'event_time_field', 'event_time_field:', 'must be a timestamp, not int'],
      ['an undeclared event-time field', 'event_time_field: date', 'event_time_field: departed_at', 'event_time_field', 'event_time_field:', 'is not a declared field'],
      ['a range on a string', '    pattern: "[A-Z]{3}"\n', '    pattern: "[A-Z]{3}"\n    range: { min: 1 }\n', 'fields[4].range', 'range: { min: 1 }', 'a range applies to int and float fields, not string'],
      ['a categorical without categories', '    categories: [ABQ, ATL, BOS, LAX, SFO]\n', '', 'fields[3].categories', '- name: origin', 'needs its allowed categories'],
      ['categories on a non-categorical', '    pattern: "[A-Z]{3}"\n', '    categories: [ABQ]\n', 'fields[4].categories', 'categories: [ABQ]', 'categories apply to categorical fields, not string'],
      ['an invalid regular expression', 'pattern: "[A-Z]{3}"', 'pattern: "[A-Z"', 'fields[4].pattern', 'pattern: "[A-Z"', 'not a valid regular expression: [A-Z'],
      ['a pattern on a non-string', '    range:\n      min: 1\n', '    pattern: "\\\\d+"\n    range:\n      min: 1\n', 'fields[2].pattern', 'pattern: "\\\\d+"', 'a pattern applies to string fields, not int'],
      ['an expectation on an undeclared field', 'null_rate: { field: delay', 'null_rate: { field: tail_number', 'expectations[0].null_rate.field', 'field: tail_number', 'field "tail_number" is not declared'],
      ['uniqueness over an undeclared field', 'fields: [origin, date]', 'fields: [origin, flight_no]', 'expectations[2].uniqueness.fields[1]', 'flight_no', 'field "flight_no" is not declared'],
      ['out_of_range on a field without range', 'out_of_range: { field: delay', 'out_of_range: { field: date', 'expectations[1].out_of_range.field', 'out_of_range: { field: date', 'field "date" has no range to be out of'],
      ['a duplicate expectation name', '- name: recent', '- name: delay_in_range # again', 'expectations[3].name', '# again', 'duplicate expectation "delay_in_range"'],
      ['min greater than max', '      min: 1\n      max: 6000', '      min: 6000\n      max: 1', 'fields[2].range', 'min: 6000', 'min 6000 is greater than max 1'],
    ])('%s', (_case, search, replacement, path, lineContaining, message) => {
      const text = flightsWith(search, replacement);
      const problems = problemsOf(text);
      expect(problems).toHaveLength(1);
      const [problem] = problems;
      expect(problem.path).toBe(path);
      expect(problem.line).toBe(lineOf(text, lineContaining));
      expect(problem.message).toContain(message);
    });

    it('reports every semantic problem at once, each at its own line', () => {
      const text = flightsWith('event_time_field: date', 'event_time_field: delay').replace('pattern: "[A-Z]{3}"', 'pattern: "("');
      const problems = problemsOf(text);
      expect(problems.map((p) => [p.path, p.line])).toEqual([
        ['fields[4].pattern', lineOf(text, 'pattern: "("')],
        ['event_time_field', lineOf(text, 'event_time_field:')],
      ]);
    });
  });
});

describe('canonicalContract', () => {
  const reordered = `version: 1.0.0
source:
  topic: ingestion.flights.v1
event_time_field: date
fields:
  - description: Scheduled departure
    nullable: false
    required: true
    type: timestamp
    name: date
  - range: { max: 2000, min: -120 }
    required: true
    type: int
    name: delay
  - type: int
    name: distance
    range: { max: 6000, min: 1 }
  - categories: [ABQ, ATL, BOS, LAX, SFO]
    nullable: false
    name: origin
    required: true
    type: categorical
  - pattern: "[A-Z]{3}"
    type: string
    name: destination
expectations:
  - null_rate: { max_rate: 0.05, field: delay }
    name: delay_mostly_present
  - out_of_range: { max_rate: 0.01, field: delay }
    name: delay_in_range
  - uniqueness: { fields: [origin, date] }
    name: one_flight_per_origin_and_time
  - freshness: { max_age_seconds: 86400 }
    name: recent
description: On-time performance of domestic flights
entity_keys: [origin]
dataset: flights
`;

  it('is the same for the same meaning written in a different key order', () => {
    expect(canonicalContract(parseContractDocument(reordered))).toBe(canonicalContract(parseContractDocument(FLIGHTS)));
  });

  it('is the same whatever order the object keys were inserted in, and drops undefined keys', () => {
    const contract = parseContractDocument(FLIGHTS);
    const shuffled = Object.fromEntries(Object.entries(contract).reverse()) as unknown as DataContract;
    shuffled.fields = contract.fields.map((f) => Object.fromEntries(Object.entries(f).reverse()) as unknown as DataContract['fields'][number]);
    expect(canonicalContract(shuffled)).toBe(canonicalContract(contract));
    expect(canonicalContract(contract)).not.toContain('undefined');
    expect(canonicalContract(contract)).not.toMatch(/"pattern":null/);
    // Keys are sorted at every level.
    expect(canonicalContract(contract).startsWith('{"dataset":"flights","description":')).toBe(true);
  });

  it('differs when the meaning differs', () => {
    const base = canonicalContract(parseContractDocument(FLIGHTS));
    expect(canonicalContract(parseContractDocument(flightsWith('max: 6000', 'max: 7000')))).not.toBe(base);
    expect(canonicalContract(parseContractDocument(flightsWith('version: 1.0.0', 'version: 1.0.1')))).not.toBe(base);
    // Field order is part of the meaning (records are stored in contract order).
    const swapped = parseContractDocument(FLIGHTS);
    swapped.fields = [swapped.fields[1], swapped.fields[0], ...swapped.fields.slice(2)];
    expect(canonicalContract(swapped)).not.toBe(base);
  });
});
