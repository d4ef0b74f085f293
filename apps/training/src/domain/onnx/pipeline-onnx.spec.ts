import { InferenceSession, Tensor } from 'onnxruntime-node';
import { DEFAULT_GBDT, predictGbdt, trainGbdt } from '../gbdt';
import { DEFAULT_LINEAR, predictLinear, trainLinear } from '../linear-regression';
import { DEFAULT_LOGISTIC, predictLogistic, trainLogistic } from '../logistic-regression';
import { fitEncodings, linearInputs, type RawValue, treeInputs } from '../preprocessing';
import { encodeModel } from './onnx-model';
import { pipelineModel } from './pipeline-onnx';

/** Rows with a number (sometimes missing) and a category (one of them unseen in training). */
function rows(n: number, seed: number) {
  let state = seed;
  const next = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const distance: RawValue[] = [];
  const origin: RawValue[] = [];
  const labels: number[] = [];
  const airports = ['ATL', 'ORD', 'SFO', 'DEN'];
  for (let i = 0; i < n; i++) {
    distance.push(next() < 0.1 ? null : Math.round(next() * 3000));
    origin.push(airports[Math.floor(next() * 4)]);
    const risky = origin[i] === 'ORD' || (typeof distance[i] === 'number' && (distance[i] as number) > 2000);
    labels.push(next() < (risky ? 0.7 : 0.2) ? 1 : 0);
  }
  return { columns: [distance, origin], labels };
}

const train = rows(3_000, 11);
const test = rows(500, 12);
test.columns[1][0] = 'JFK'; // a category the model never saw
const encodings = fitEncodings(
  [
    { name: 'distance', kind: 'numeric', values: train.columns[0] },
    { name: 'origin', kind: 'categorical', values: train.columns[1] },
  ],
  train.labels,
);

async function onnxOutputs(model: ReturnType<typeof pipelineModel>, output = 'probability'): Promise<Float32Array> {
  const session = await InferenceSession.create(encodeModel(model));
  const n = test.labels.length;
  const out = await session.run({
    distance: new Tensor('float32', Float32Array.from(test.columns[0], (v) => (typeof v === 'number' ? v : Number.NaN)), [n, 1]),
    origin: new Tensor('string', test.columns[1].map(String), [n, 1]),
  });
  return out[output].data as Float32Array;
}

describe('pipelineModel', () => {
  it('orders categories by their positive rate in training', () => {
    expect(encodings[1]).toMatchObject({ kind: 'categorical', categories: expect.arrayContaining(['ATL', 'ORD', 'SFO', 'DEN']) });
    expect((encodings[1] as { categories: string[] }).categories.at(-1)).toBe('ORD');
  });

  it('runs a GBDT from raw values in onnxruntime exactly as the trainer predicts', async () => {
    const { model } = trainGbdt({ features: treeInputs(encodings, train.columns), labels: Uint8Array.from(train.labels) }, undefined, { ...DEFAULT_GBDT, rounds: 30, maxDepth: 3 });
    const inputs = treeInputs(encodings, test.columns);
    const expected = test.labels.map((_y, i) => predictGbdt(model, inputs.map((c) => c[i])));
    const onnx = await onnxOutputs(pipelineModel(encodings, { kind: 'gbdt', model }));
    expect(Math.max(...expected.map((p, i) => Math.abs(p - onnx[i])))).toBeLessThan(1e-5);
  });

  it('runs a logistic regression from raw values (imputation, scaling, one-hot) as the trainer predicts', async () => {
    const model = trainLogistic(linearInputs(encodings, train.columns), train.labels, DEFAULT_LOGISTIC);
    const expected = linearInputs(encodings, test.columns).map((row) => predictLogistic(model, row));
    const onnx = await onnxOutputs(pipelineModel(encodings, { kind: 'logistic', model }));
    expect(Math.max(...expected.map((p, i) => Math.abs(p - onnx[i])))).toBeLessThan(1e-5);
    expect(model.weights).toHaveLength(1 + 4);
  });

  it('runs a linear regression and a squared-loss GBDT as `prediction`, recovering a known relation', async () => {
    // minutes = distance / 100 + 5 at ORD: exact, so the ridge fit (tiny l2) recovers it.
    const minutes = (columns: RawValue[][]) => columns[0].map((d, i) => (typeof d === 'number' ? d / 100 : 15) + (columns[1][i] === 'ORD' ? 5 : 0));
    const target = minutes(train.columns).map((y, i) => (train.columns[0][i] === null ? Number.NaN : y));
    const known = target.map((y, i) => [y, i] as const).filter(([y]) => !Number.isNaN(y));
    const fitColumns = train.columns.map((c) => known.map(([, i]) => c[i]));
    const fitLabels = known.map(([y]) => y);
    const linearEncodings = fitEncodings([{ name: 'distance', kind: 'numeric', values: fitColumns[0] }, { name: 'origin', kind: 'categorical', values: fitColumns[1] }], fitLabels);
    const linear = trainLinear(linearInputs(linearEncodings, fitColumns), fitLabels, { ...DEFAULT_LINEAR, l2: 1e-6 });
    const expected = linearInputs(linearEncodings, test.columns).map((row) => predictLinear(linear, row));
    const onnx = await onnxOutputs(pipelineModel(linearEncodings, { kind: 'linear', model: linear }), 'prediction');
    expect(Math.max(...expected.map((p, i) => Math.abs(p - onnx[i])))).toBeLessThan(1e-4);
    const truth = minutes(test.columns);
    const exact = test.columns[0].flatMap((d, i) => (typeof d === 'number' && test.columns[1][i] !== 'JFK' ? [i] : []));
    expect(Math.max(...exact.map((i) => Math.abs(expected[i] - truth[i])))).toBeLessThan(1e-3);

    const { model: gbdt } = trainGbdt({ features: treeInputs(linearEncodings, fitColumns), labels: fitLabels }, undefined, { ...DEFAULT_GBDT, objective: 'squared', rounds: 40, maxDepth: 4 });
    const inputs = treeInputs(linearEncodings, test.columns);
    const trees = test.labels.map((_y, i) => predictGbdt(gbdt, inputs.map((c) => c[i])));
    const onnxTrees = await onnxOutputs(pipelineModel(linearEncodings, { kind: 'gbdt', model: gbdt }), 'prediction');
    expect(Math.max(...trees.map((p, i) => Math.abs(p - onnxTrees[i])))).toBeLessThan(1e-4);
  });
});
