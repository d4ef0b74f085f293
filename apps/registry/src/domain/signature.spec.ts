import { type ObservedSignature, type Signature, signatureMismatches, validateSignature } from './signature';

const declared: Signature = {
  inputs: [
    { name: 'features', datatype: 'FP32', shape: [-1, 12] },
    { name: 'carrier', datatype: 'BYTES', shape: [-1, 1] },
  ],
  outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }],
};

const observed: ObservedSignature = {
  inputs: [
    { name: 'features', datatype: 'FP32', shape: ['batch', 12] },
    { name: 'carrier', datatype: 'BYTES', shape: [-1, 1] },
  ],
  outputs: [{ name: 'probability', datatype: 'FP32', shape: ['N', 1] }],
};

describe('validateSignature', () => {
  it('accepts a well-formed signature', () => {
    expect(validateSignature(declared)).toEqual([]);
  });

  it('needs at least one input and one output', () => {
    expect(validateSignature({ inputs: [], outputs: [] })).toEqual([
      { field: 'signature.inputs', description: 'a model takes at least one input' },
      { field: 'signature.outputs', description: 'a model produces at least one output' },
    ]);
  });

  it('refuses duplicate and missing names, per side', () => {
    const signature: Signature = {
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1] },
        { name: 'x', datatype: 'FP32', shape: [1] },
        { name: '', datatype: '', shape: [1] },
      ],
      // The same name on the other side is fine.
      outputs: [{ name: 'x', datatype: 'FP32', shape: [1] }],
    };
    expect(validateSignature(signature, 'spec.signature')).toEqual([
      { field: 'spec.signature.inputs[1].name', description: '"x" appears twice' },
      { field: 'spec.signature.inputs[2].name', description: 'is required' },
      { field: 'spec.signature.inputs[2].datatype', description: 'is required' },
    ]);
  });

  it.each([[[0]], [[-2, 3]], [[1.5]], [[Number.NaN]], [[3, -1, 0]]])('refuses the shape %j', (shape) => {
    expect(validateSignature({ ...declared, outputs: [{ name: 'y', datatype: 'FP32', shape }] })).toEqual([
      { field: 'signature.outputs[0].shape', description: 'dimensions are positive sizes or -1 (variable)' },
    ]);
  });

  it('accepts a scalar (empty shape) and variable dimensions anywhere', () => {
    expect(validateSignature({ inputs: [{ name: 'x', datatype: 'INT64', shape: [] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, -1, 3] }] })).toEqual([]);
  });
});

describe('signatureMismatches', () => {
  const withInput = (shape: ReadonlyArray<number | string>, datatype = 'FP32'): ObservedSignature => ({ ...observed, inputs: [{ name: 'features', datatype, shape }, observed.inputs[1]] });

  it('accepts a graph that honours the signature, symbolic dimensions included', () => {
    expect(signatureMismatches(declared, observed)).toEqual([]);
  });

  it('reports a declared input the graph lacks, listing what it has', () => {
    const graph: ObservedSignature = { ...observed, inputs: [observed.inputs[0]] };
    expect(signatureMismatches(declared, graph)).toEqual([{ field: 'signature.inputs[1].name', description: 'the model has no input "carrier" (it has features)' }]);
  });

  it('reports a declared output the graph lacks, when it has none', () => {
    expect(signatureMismatches(declared, { ...observed, outputs: [] })).toEqual([{ field: 'signature.outputs[0].name', description: 'the model has no output "probability" (it has none)' }]);
  });

  it('reports a wrong datatype', () => {
    expect(signatureMismatches(declared, withInput(['batch', 12], 'FP64'))).toEqual([{ field: 'signature.inputs[0].datatype', description: `the model's "features" is FP64, not FP32` }]);
  });

  it('refuses a graph fixed where the signature declares a variable dimension', () => {
    expect(signatureMismatches(declared, withInput([1, 12]))).toEqual([
      { field: 'signature.inputs[0].shape', description: '"features": dimension 0 is [1] in the model but variable in the signature [-1, 12]' },
    ]);
  });

  it('refuses a fixed size that differs', () => {
    expect(signatureMismatches(declared, withInput(['batch', 10]))).toEqual([
      { field: 'signature.inputs[0].shape', description: '"features": dimension 1 is [10] in the model but 12 in the signature [-1, 12]' },
    ]);
  });

  it.each([[['batch', 'n_features']], [['batch', -1]], [[-1, '']]])('accepts a fixed declared size against the variable graph dimension in %j', (shape) => {
    expect(signatureMismatches(declared, withInput(shape))).toEqual([]);
  });

  it('reports a rank mismatch', () => {
    expect(signatureMismatches(declared, withInput(['batch', 3, 4]))).toEqual([
      { field: 'signature.inputs[0].shape', description: `"features": the model's shape [batch, 3, 4] has rank 3, the signature's [-1, 12] rank 2` },
    ]);
  });

  it('shows an unnamed symbolic dimension as ?', () => {
    const [violation] = signatureMismatches(declared, withInput(['', 12, 1]));
    expect(violation.description).toContain('[?, 12, 1] has rank 3');
  });

  it('accepts an empty observed shape (the graph leaves it undefined)', () => {
    expect(signatureMismatches(declared, withInput([]))).toEqual([]);
  });

  it('reports graph inputs the signature does not declare', () => {
    const graph: ObservedSignature = { ...observed, inputs: [...observed.inputs, { name: 'origin', datatype: 'BYTES', shape: [-1, 1] }, { name: 'hour', datatype: 'INT64', shape: [-1, 1] }] };
    expect(signatureMismatches(declared, graph, 'version.signature')).toEqual([
      { field: 'version.signature.inputs', description: 'the model also needs "origin", "hour", which the signature does not declare' },
    ]);
  });

  it('allows extra graph outputs', () => {
    const graph: ObservedSignature = { ...observed, outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }, ...observed.outputs] };
    expect(signatureMismatches(declared, graph)).toEqual([]);
  });

  it('checks outputs like inputs', () => {
    const graph: ObservedSignature = { ...observed, outputs: [{ name: 'probability', datatype: 'FP16', shape: ['N', 2] }] };
    expect(signatureMismatches(declared, graph).map((v) => v.field)).toEqual(['signature.outputs[0].datatype', 'signature.outputs[0].shape']);
  });

  it('reports every mismatch at once: a renamed input is missing and undeclared', () => {
    const graph: ObservedSignature = { ...observed, inputs: [{ name: 'x', datatype: 'FP32', shape: ['batch', 12] }, observed.inputs[1]] };
    expect(signatureMismatches(declared, graph)).toEqual([
      { field: 'signature.inputs[0].name', description: 'the model has no input "features" (it has x, carrier)' },
      { field: 'signature.inputs', description: 'the model also needs "x", which the signature does not declare' },
    ]);
  });
});
