import { createHash } from 'node:crypto';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { DEFAULT_GBDT, predictGbdt, trainGbdt, type TrainingData } from './gbdt';
import { regressionMetrics, rocAuc } from './metrics';
import { gbdtModel } from './onnx/gbdt-onnx';
import { encodeModel } from './onnx/onnx-model';

/**
 * Synthetic rows whose label depends on an interaction and a missing-value effect, which a linear
 * model cannot capture: y ~ Bernoulli(0.9) when (x0 > 0.5 and x1 < 0.3) or x2 is missing, else 0.1.
 */
function synthetic(n: number, seed: number): TrainingData {
  let state = seed;
  const next = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const features = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    features[0][i] = Math.fround(next());
    features[1][i] = Math.fround(next());
    features[2][i] = next() < 0.2 ? Number.NaN : Math.fround(Math.round(next() * 10));
    const positive = (features[0][i] > 0.5 && features[1][i] < 0.3) || Number.isNaN(features[2][i]);
    labels[i] = next() < (positive ? 0.9 : 0.1) ? 1 : 0;
  }
  return { features, labels };
}

const rowOf = (data: TrainingData, i: number) => data.features.map((column) => column[i]);
const params = { ...DEFAULT_GBDT, rounds: 60, maxDepth: 4, minSamplesLeaf: 10 };

describe('trainGbdt', () => {
  const train = synthetic(4_000, 1);
  const valid = synthetic(2_000, 2);
  const { model, history } = trainGbdt(train, valid, params);
  const probabilities = Array.from({ length: valid.labels.length }, (_, i) => predictGbdt(model, rowOf(valid, i)));

  it('learns an interaction and a missing-value effect: ROC-AUC near the ceiling of the noise', () => {
    expect(rocAuc(probabilities, valid.labels)).toBeGreaterThan(0.85);
    expect(history.trainLoss.at(-1)!).toBeLessThan(history.trainLoss[0]);
  });

  it('stops early when the validation loss stops improving, keeping the best round', () => {
    const long = trainGbdt(train, valid, { ...params, rounds: 400, learningRate: 0.5, earlyStoppingRounds: 5 });
    expect(long.history.validLoss.length).toBeLessThan(400);
    expect(long.model.trees).toHaveLength(long.history.bestRound);
    expect(Math.min(...long.history.validLoss)).toBe(long.history.validLoss[long.history.bestRound - 1]);
  });

  it('is deterministic: the same data and parameters give the same model bytes', () => {
    const again = trainGbdt(synthetic(4_000, 1), synthetic(2_000, 2), params).model;
    const digest = (m: typeof model) => createHash('sha256').update(encodeModel(gbdtModel(m))).digest('hex');
    expect(digest(again)).toBe(digest(model));
  });

  it('exports to ONNX giving its own predictions within 1e-5, missing values included', async () => {
    const session = await InferenceSession.create(encodeModel(gbdtModel(model)));
    const n = valid.labels.length;
    const input = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) for (let f = 0; f < 3; f++) input[i * 3 + f] = valid.features[f][i];
    const out = await session.run({ features: new Tensor('float32', input, [n, 3]) });
    const onnx = out.probability.data as Float32Array;
    const worst = probabilities.reduce((max, p, i) => Math.max(max, Math.abs(p - onnx[i])), 0);
    expect(worst).toBeLessThan(1e-5);
    expect(valid.features[2].some(Number.isNaN)).toBe(true);
  });
});

describe('trainGbdt with the squared objective', () => {
  /** y = 10·[x0 > 0.5] + 5·x1 + 3·[x2 missing] + noise: a step, a slope and a missing-value effect. */
  function regression(n: number, seed: number): TrainingData {
    const { features } = synthetic(n, seed);
    let state = seed + 7;
    const noise = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.5;
    const labels = Float64Array.from({ length: n }, (_, i) => (features[0][i] > 0.5 ? 10 : 0) + 5 * features[1][i] + (Number.isNaN(features[2][i]) ? 3 : 0) + noise());
    return { features, labels };
  }
  const train = regression(4_000, 3);
  const valid = regression(2_000, 4);
  const squared = { ...params, objective: 'squared' as const, rounds: 150 };
  const { model, history } = trainGbdt(train, valid, squared);
  const predictions = Array.from({ length: valid.labels.length }, (_, i) => predictGbdt(model, rowOf(valid, i)));

  it('fits the step, the slope and the missing-value effect: R² near the ceiling of the noise', () => {
    const { rmse, r2 } = regressionMetrics(predictions, valid.labels);
    expect(r2).toBeGreaterThan(0.98);
    expect(rmse).toBeLessThan(0.5);
    expect(history.validLoss[history.bestRound - 1]).toBeCloseTo(regressionMetrics(predictions, valid.labels).rmse, 5);
  });

  it('exports to ONNX as a plain sum of trees giving its own predictions within 1e-4', async () => {
    const session = await InferenceSession.create(encodeModel(gbdtModel(model)));
    const n = valid.labels.length;
    const input = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) for (let f = 0; f < 3; f++) input[i * 3 + f] = valid.features[f][i];
    const onnx = (await session.run({ features: new Tensor('float32', input, [n, 3]) })).prediction.data as Float32Array;
    // float32 accumulation over ~150 leaves of values up to 18: relative error around 1e-6.
    expect(predictions.reduce((max, p, i) => Math.max(max, Math.abs(p - onnx[i])), 0)).toBeLessThan(1e-4);
  });
});
