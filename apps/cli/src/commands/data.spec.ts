import { featureV1, ingestionV1 as pb } from '@mlops/proto';
import { CliError } from '../core/cli-error';
import { EXIT } from '../core/exit-codes';
import { contractRequestFrom, definitionsRequestFrom, ingestMessages, lineOfRecord, materializeRange, recordsFormat, recordsFromText } from './data';

describe('documents', () => {
  it('sends a contract as written, its format from the extension (else detected by the service)', () => {
    const text = 'dataset: flights\nversion: 1.0.0\n';
    expect(contractRequestFrom('flights.yml', text, true)).toEqual({ document: text, format: pb.ContractFormat.CONTRACT_FORMAT_YAML, dryRun: true });
    expect(contractRequestFrom('c/flights.JSON', '{}', false).format).toBe(pb.ContractFormat.CONTRACT_FORMAT_JSON);
    expect(contractRequestFrom('contract.txt', text, false).format).toBe(pb.ContractFormat.CONTRACT_FORMAT_UNSPECIFIED);
  });

  it('sends definitions with the plan, confirm and prune switches', () => {
    expect(definitionsRequestFrom('features.yaml', 'entities: []', { plan: true, prune: true })).toEqual({
      document: 'entities: []',
      format: featureV1.DefinitionFormat.DEFINITION_FORMAT_YAML,
      planOnly: true,
      confirmIncompatible: false,
      prune: true,
    });
  });
});

describe('records', () => {
  it('takes each non-blank line verbatim with its line number, CRLF or not', () => {
    expect(recordsFromText('{"a":1}\r\n\n  \n{"a":2}\nnot json\n', 'r.jsonl')).toEqual([
      { line: 1, json: '{"a":1}' },
      { line: 4, json: '{"a":2}' },
      { line: 5, json: 'not json' },
    ]);
  });

  it('reads a file holding one JSON array as its elements, and names the file when the array is broken', () => {
    expect(recordsFromText('[{"a":1},\n {"a":2}]', 'r.json')).toEqual([
      { line: 1, json: '{"a":1}' },
      { line: 2, json: '{"a":2}' },
    ]);
    const error = (() => {
      try {
        recordsFromText('[{"a":1},', 'r.json');
      } catch (e) {
        return e as CliError;
      }
    })();
    expect([error?.message.startsWith('r.json: starts with "[" but is not a JSON array: '), error?.exitCode]).toEqual([true, EXIT.dataError]);
  });

  it('streams the header first, then the records in messages of at most the given size, as raw JSON bytes', () => {
    const records = Array.from({ length: 5 }, (_, i) => ({ line: i + 1, json: `{"i":${i}}` }));
    const messages = ingestMessages({ dataset: 'flights', batchId: 'b1', contractVersion: '' }, records, 2);
    expect(messages[0]).toEqual({ message: { $case: 'header', value: { dataset: 'flights', batchId: 'b1', contractVersion: '' } } });
    const batches = messages.slice(1).map((m) => (m.message?.$case === 'batch' ? m.message.value.records.map((r) => (r.payload?.$case === 'json' ? r.payload.value.toString('utf8') : '?')) : []));
    expect(batches).toEqual([['{"i":0}', '{"i":1}'], ['{"i":2}', '{"i":3}'], ['{"i":4}']]);
  });

  it('finds the file line of a quarantined record from its source position', () => {
    const records = [
      { line: 1, json: '{}' },
      { line: 3, json: 'x' },
    ];
    expect([lineOfRecord('0190-batch:1', records), lineOfRecord('b:0', records), lineOfRecord('b:7', records), lineOfRecord('b:x', records)]).toEqual([3, 1, undefined, undefined]);
  });

  it('tells the format from the extension or --format, and asks for --format otherwise', () => {
    expect([recordsFormat('a.ndjson'), recordsFormat('a.CSV'), recordsFormat('a.parquet'), recordsFormat('a.txt', 'csv')]).toEqual(['jsonl', 'csv', 'parquet', 'csv']);
    expect(() => recordsFormat('a.txt')).toThrow(new CliError('a.txt: cannot tell the format from the extension: pass --format jsonl, csv or parquet', EXIT.usage));
    expect(() => recordsFormat('a.csv', 'xml')).toThrow('--format must be jsonl, csv or parquet, got "xml"');
  });
});

describe('materialize', () => {
  const now = new Date('2001-07-01T00:00:00Z');

  it('covers all history up to now by default, and reads --from/--to as ISO dates (UTC without a zone)', () => {
    expect(materializeRange({}, now)).toEqual({ start: new Date(0), end: now });
    expect(materializeRange({ from: '2001-01-01', to: '2001-02-01T12:00' }, now)).toEqual({ start: new Date('2001-01-01T00:00:00Z'), end: new Date('2001-02-01T12:00:00Z') });
  });

  it('refuses a malformed time or an empty range, naming the flag', () => {
    expect(() => materializeRange({ from: 'last week' }, now)).toThrow(/^--from must be an ISO date or date-time/);
    expect(() => materializeRange({ from: '2001-03-01', to: '2001-02-01' }, now)).toThrow(new CliError('--from (2001-03-01T00:00:00.000Z) must be before --to (2001-02-01T00:00:00.000Z)', EXIT.usage));
  });
});
