import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { encodeModel, type Model, TensorType } from './onnx-model';

const run = async (model: Model, feeds: Record<string, OrtTensor>) => {
  const session = await InferenceSession.create(encodeModel(model));
  return session.run(feeds);
};

describe('encodeModel', () => {
  it('writes a graph onnxruntime loads and runs: initializers, attributes, symbolic batch dimension', async () => {
    const model: Model = {
      producer: 'test',
      producerVersion: '1',
      opsets: { '': 17 },
      graph: {
        name: 'scale_and_shift',
        inputs: [{ name: 'x', type: TensorType.FLOAT, shape: ['batch', 2] }],
        outputs: [{ name: 'y', type: TensorType.FLOAT, shape: ['batch', 2] }],
        initializers: [
          { name: 'scale', type: TensorType.FLOAT, dims: [2], floats: [2, -1] },
          { name: 'shift', type: TensorType.FLOAT, dims: [2], floats: [0.5, 10] },
        ],
        nodes: [
          { opType: 'Mul', inputs: ['x', 'scale'], outputs: ['scaled'] },
          { opType: 'Add', inputs: ['scaled', 'shift'], outputs: ['y'] },
        ],
      },
    };
    const out = await run(model, { x: new OrtTensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2]) });
    expect([...(out.y.data as Float32Array)]).toEqual([2.5, 8, 6.5, 6]);
  });

  it('writes ai.onnx.ml operators with list and string attributes', async () => {
    const model: Model = {
      producer: 'test',
      producerVersion: '1',
      opsets: { '': 17, 'ai.onnx.ml': 3 },
      graph: {
        name: 'encode',
        inputs: [{ name: 'airport', type: TensorType.STRING, shape: ['batch', 1] }],
        outputs: [{ name: 'code', type: TensorType.INT64, shape: ['batch', 1] }],
        nodes: [{ opType: 'LabelEncoder', domain: 'ai.onnx.ml', inputs: ['airport'], outputs: ['code'], attributes: { keys_strings: { strings: ['ATL', 'SFO'] }, values_int64s: { ints: [0, 1] }, default_int64: { int: -1 } } }],
      },
    };
    const out = await run(model, { airport: new OrtTensor('string', ['SFO', 'ATL', 'JFK'], [3, 1]) });
    expect([...(out.code.data as BigInt64Array)]).toEqual([1n, 0n, -1n]);
  });

  it('gives the same bytes for the same model', () => {
    const model: Model = { producer: 'p', producerVersion: '1', opsets: { '': 17 }, graph: { name: 'g', inputs: [], outputs: [], nodes: [] }, metadata: { b: '2', a: '1' } };
    expect(Buffer.from(encodeModel(model)).equals(Buffer.from(encodeModel(structuredClone(model))))).toBe(true);
  });
});
