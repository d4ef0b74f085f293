import { emptyContents } from './oip';
import { splitOutputs, toOipOutputs } from './outputs';
import { decodeRaw } from './raw';
import { rawOf, rawStrings, utf8 } from './raw.fixture';
import { type OutputTensor } from './tensor';

const empty = { doubleValues: [], int64Values: [], stringValues: [], boolValues: [] };

/** What a platform model returns for a batch of 3: one FP32 probability per instance. */
const probability: OutputTensor = { type: 'float32', data: new Float32Array([0.25, 0.5, 0.875]), dims: [3, 1] };

describe('splitOutputs', () => {
  it('gives each instance its share of a platform model output, without the batch dimension', () => {
    expect(splitOutputs({ output: probability }, ['output'], 3)).toStrictEqual([
      { output: { ...empty, shape: [1], doubleValues: [0.25] } },
      { output: { ...empty, shape: [1], doubleValues: [0.5] } },
      { output: { ...empty, shape: [1], doubleValues: [0.875] } },
    ]);
  });

  it('puts every element type in its TensorValue field, only the named outputs', () => {
    const outputs: Record<string, OutputTensor> = {
      label: { type: 'int64', data: new BigInt64Array([1n, -2n]), dims: [2] },
      counts: { type: 'uint8', data: new Uint8Array([1, 2, 3, 4]), dims: [2, 2] },
      late: { type: 'bool', data: new Uint8Array([1, 0]), dims: [2] },
      carrier: { type: 'string', data: ['AA', 'DL'], dims: [2, 1] },
      scores: { type: 'float64', data: new Float64Array([0.1, 0.9, 0.7, 0.3]), dims: [2, 2] },
      ignored: { type: 'float32', data: new Float32Array([1, 2]), dims: [2] },
    };
    expect(splitOutputs(outputs, ['label', 'counts', 'late', 'carrier', 'scores'], 2)).toStrictEqual([
      {
        label: { ...empty, shape: [], int64Values: [1] },
        counts: { ...empty, shape: [2], int64Values: [1, 2] },
        late: { ...empty, shape: [], boolValues: [true] },
        carrier: { ...empty, shape: [1], stringValues: ['AA'] },
        scores: { ...empty, shape: [2], doubleValues: [0.1, 0.9] },
      },
      {
        label: { ...empty, shape: [], int64Values: [-2] },
        counts: { ...empty, shape: [2], int64Values: [3, 4] },
        late: { ...empty, shape: [], boolValues: [false] },
        carrier: { ...empty, shape: [1], stringValues: ['DL'] },
        scores: { ...empty, shape: [2], doubleValues: [0.7, 0.3] },
      },
    ]);
  });

  it('gives every instance its own arrays', () => {
    const [first, second] = splitOutputs({ output: { ...probability, data: new Float32Array([1, 2]), dims: [2, 1] } }, ['output'], 2);
    first.output.shape.push(9);
    expect(second.output.shape).toEqual([1]);
  });

  it('blames the model for an output that is missing, of another batch size or malformed', () => {
    expect(() => splitOutputs({ output: probability }, ['proba'], 3)).toThrow('the model returned no output "proba" (it returned output)');
    expect(() => splitOutputs({ output: probability }, ['output'], 2)).toThrow('output "output" has shape [3, 1]; its first dimension should be the batch of 2');
    expect(() => splitOutputs({ output: { ...probability, dims: [] } }, ['output'], 1)).toThrow('output "output" has shape []; its first dimension should be the batch of 1');
    expect(() => splitOutputs({ output: { ...probability, dims: [3, 2] } }, ['output'], 3)).toThrow('output "output" has 3 elements for the shape [3, 2]');
  });

  it('refuses element types it cannot carry', () => {
    expect(() => splitOutputs({ output: { type: 'float16', data: new Uint16Array(1), dims: [1] } }, ['output'], 1)).toThrow('output "output": FP16 tensors are not supported by this server');
    expect(() => splitOutputs({ output: { type: 'bfloat16', data: new Uint16Array(1), dims: [1] } }, ['output'], 1)).toThrow(
      'output "output" has element type bfloat16, which the Open Inference Protocol cannot carry',
    );
  });
});

describe('toOipOutputs', () => {
  const outputs: Record<string, OutputTensor> = {
    output: probability,
    label: { type: 'int64', data: new BigInt64Array([1n, 0n, -1n]), dims: [3] },
    carrier: { type: 'string', data: ['AA', 'Zürich', ''], dims: [3, 1] },
    late: { type: 'bool', data: new Uint8Array([1, 0, 1]), dims: [3] },
  };
  const names = ['output', 'label', 'carrier', 'late'];

  it('fills the typed contents field of each datatype, the others empty', () => {
    expect(toOipOutputs(outputs, names, false)).toStrictEqual({
      tensors: [
        { name: 'output', datatype: 'FP32', shape: [3, 1], contents: { ...emptyContents(), fp32Contents: [0.25, 0.5, 0.875] } },
        { name: 'label', datatype: 'INT64', shape: [3], contents: { ...emptyContents(), int64Contents: [1, 0, -1] } },
        { name: 'carrier', datatype: 'BYTES', shape: [3, 1], contents: { ...emptyContents(), bytesContents: [utf8('AA'), utf8('Zürich'), utf8('')] } },
        { name: 'late', datatype: 'BOOL', shape: [3], contents: { ...emptyContents(), boolContents: [true, false, true] } },
      ],
      raw: [],
    });
  });

  it.each([
    ['int8', new Int8Array([-1, 2]), 'INT8', 'intContents', [-1, 2]],
    ['int16', new Int16Array([-1, 2]), 'INT16', 'intContents', [-1, 2]],
    ['int32', new Int32Array([-1, 2]), 'INT32', 'intContents', [-1, 2]],
    ['uint8', new Uint8Array([1, 255]), 'UINT8', 'uintContents', [1, 255]],
    ['uint16', new Uint16Array([1, 65_535]), 'UINT16', 'uintContents', [1, 65_535]],
    ['uint32', new Uint32Array([1, 4_294_967_295]), 'UINT32', 'uintContents', [1, 4_294_967_295]],
    ['uint64', new BigUint64Array([1n, 2n ** 40n]), 'UINT64', 'uint64Contents', [1, 2 ** 40]],
    ['float64', new Float64Array([0.1, -3]), 'FP64', 'fp64Contents', [0.1, -3]],
  ] as const)('puts %s in its contents field', (type, data, datatype, field, values) => {
    const { tensors } = toOipOutputs({ y: { type, data, dims: [2] } }, ['y'], false);
    expect(tensors).toStrictEqual([{ name: 'y', datatype, shape: [2], contents: { ...emptyContents(), [field]: values } }]);
  });

  it('puts the data in raw, little-endian and length-prefixed, with no contents', () => {
    const { tensors, raw } = toOipOutputs(outputs, names, true);
    expect(tensors).toStrictEqual([
      { name: 'output', datatype: 'FP32', shape: [3, 1] },
      { name: 'label', datatype: 'INT64', shape: [3] },
      { name: 'carrier', datatype: 'BYTES', shape: [3, 1] },
      { name: 'late', datatype: 'BOOL', shape: [3] },
    ]);
    expect(raw).toStrictEqual([rawOf('FP32', [0.25, 0.5, 0.875]), rawOf('INT64', [1n, 0n, -1n]), rawStrings(['AA', 'Zürich', '']), rawOf('BOOL', [true, false, true])]);
  });

  it('round-trips raw outputs through the input decoder', () => {
    const { raw } = toOipOutputs(outputs, names, true);
    expect(decodeRaw('FP32', raw[0], 3)).toStrictEqual({ data: probability.data });
    expect(decodeRaw('INT64', raw[1], 3)).toStrictEqual({ data: outputs.label.data });
    expect(decodeRaw('BYTES', raw[2], 3)).toStrictEqual({ data: ['AA', 'Zürich', ''] });
  });

  it('refuses what it cannot carry and outputs the model did not return', () => {
    expect(() => toOipOutputs({ y: { type: 'float16', data: new Uint16Array(1), dims: [1] } }, ['y'], true)).toThrow('output "y": FP16 tensors are not supported by this server');
    expect(() => toOipOutputs({}, ['y'], false)).toThrow('the model returned no output "y" (it returned none)');
  });
});
