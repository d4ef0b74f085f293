import { CliError } from '../core/cli-error';
import { EXIT } from '../core/exit-codes';
import { assignments, featureValue, instancesFrom } from './serving';

describe('predict input', () => {
  it('types command-line values: numbers, booleans, null, else strings', () => {
    expect(['2586', '-1.5', 'true', 'null', 'SFO', '', '1e3x'].map((v) => featureValue(v).kind)).toEqual([
      { $case: 'doubleValue', value: 2586 },
      { $case: 'doubleValue', value: -1.5 },
      { $case: 'boolValue', value: true },
      undefined,
      { $case: 'stringValue', value: 'SFO' },
      { $case: 'stringValue', value: '' },
      { $case: 'stringValue', value: '1e3x' },
    ]);
  });

  it('reads name=value pairs, keeping "=" inside values, and refuses a pair without one', () => {
    expect(assignments(['origin=SFO', 'note=a=b'], '--feature')).toEqual({ origin: { kind: { $case: 'stringValue', value: 'SFO' } }, note: { kind: { $case: 'stringValue', value: 'a=b' } } });
    expect(() => assignments(['origin'], '--feature')).toThrow(new CliError('--feature "origin": expected name=value', EXIT.usage));
  });

  it('reads instances from a list of feature objects or of { features, entity }', () => {
    const plain = instancesFrom([{ distance: 300, origin: 'SFO' }], 'f.json');
    expect(plain).toEqual([{ features: { distance: { kind: { $case: 'doubleValue', value: 300 } }, origin: { kind: { $case: 'stringValue', value: 'SFO' } } }, entityKey: undefined }]);
    const keyed = instancesFrom({ instances: [{ features: { late: false }, entity: { origin: 'JFK' } }] }, 'f.yaml');
    expect(keyed[0].entityKey).toEqual({ joinKeys: { origin: { kind: { $case: 'stringValue', value: 'JFK' } } } });
    expect(keyed[0].features.late.kind).toEqual({ $case: 'boolValue', value: false });
  });

  it('names the file and the instance when the document is wrong', () => {
    expect(() => instancesFrom({ rows: [] }, 'f.json')).toThrow('f.json: expected a list of instances (or { instances: [...] })');
    expect(() => instancesFrom([{ distance: [1, 2] }], 'f.json')).toThrow('f.json: instance 0, distance: a value must be a number, string, boolean or null');
  });
});
