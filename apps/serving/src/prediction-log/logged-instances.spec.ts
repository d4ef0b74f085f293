import { loggedInstances } from './logged-instances';

describe('loggedInstances', () => {
  const feeds = {
    distance: { type: 'float32' as const, data: new Float32Array([100, Number.NaN]), dims: [2, 1] },
    origin: { type: 'string' as const, data: ['SFO', ''], dims: [2, 1] },
  };
  const probability = (p: number) => ({ probability: { shape: [], doubleValues: [p], int64Values: [], stringValues: [], boolValues: [] } });
  const outputs = [probability(0.25), probability(0.75)];

  it('keeps each instance its entity key, and none for an instance sent without one', () => {
    const logged = loggedInstances(feeds, outputs, [{ joinKeys: { origin: { kind: { $case: 'stringValue', value: 'SFO' } } } }, undefined]);
    expect(logged[0].entityKey?.joinKeys.origin.kind).toEqual({ $case: 'stringValue', value: 'SFO' });
    expect(logged[1].entityKey).toBeUndefined();
  });

  it('logs missing values as null and floats as doubles', () => {
    const [first, second] = loggedInstances(feeds, outputs);
    expect(first.inputs.distance.kind).toEqual({ $case: 'doubleValue', value: 100 });
    expect(second.inputs.distance.kind?.$case).toBe('nullValue');
    expect(second.inputs.origin.kind?.$case).toBe('nullValue');
    expect(first.outputs.probability.doubleValues).toEqual([0.25]);
    expect(first.entityKey).toBeUndefined();
  });
});
