import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import { DEFAULT_GBDT, predictGbdt, trainGbdt } from './gbdt';
import { DEFAULT_LOGISTIC, predictLogistic, trainLogistic } from './logistic-regression';
import { rocAuc } from './metrics';
import { type FeatureColumn, fitEncodings, linearInputs, type RawValue, treeInputs } from './preprocessing';

/**
 * The yardstick on real flights: train on January–February, evaluate on March, label
 * delay > 15. A tenth of the flights keeps the test to seconds; the benchmark uses them all.
 */
async function flights(): Promise<{ columns: RawValue[]; label: number; month: number }[]> {
  const bytes = readFileSync(join(__dirname, '../../../../node_modules/vega-datasets/data/flights-3m.parquet'));
  const rows = (await parquetReadObjects({
    file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    rowStart: 0,
    rowEnd: 1_500_000,
    compressors: { ZSTD: (input: Uint8Array) => new Uint8Array(zstdDecompressSync(input)) },
  })) as { date: Date; delay: bigint; distance: bigint; origin: string; destination: string }[];
  return rows
    .filter((_r, i) => i % 10 === 0)
    .map((r) => ({ columns: [r.origin, r.destination, Number(r.distance), r.date.getUTCHours(), r.date.getUTCDay()], label: Number(r.delay) > 15 ? 1 : 0, month: r.date.getUTCMonth() }));
}

const FEATURES = [
  { name: 'origin', kind: 'categorical' },
  { name: 'destination', kind: 'categorical' },
  { name: 'distance', kind: 'numeric' },
  { name: 'hour', kind: 'numeric' },
  { name: 'weekday', kind: 'numeric' },
] as const;

describe('models on the flights data (train January–February, evaluate March)', () => {
  it('ranks GBDT above logistic regression above the majority-class baseline on ROC-AUC', async () => {
    const all = await flights();
    const train = all.filter((r) => r.month <= 1);
    const test = all.filter((r) => r.month === 2);
    const columnsOf = (rows: typeof all) => FEATURES.map((_f, j) => rows.map((r) => r.columns[j]));
    const trainLabels = train.map((r) => r.label);
    const testLabels = test.map((r) => r.label);
    const encodings = fitEncodings(FEATURES.map((f, j): FeatureColumn => ({ ...f, values: train.map((r) => r.columns[j]) })), trainLabels);

    // The last two weeks of February validate early stopping; nothing of March is seen in training.
    const split = train.findIndex((r) => r.month === 1) + Math.floor(train.filter((r) => r.month === 1).length / 2);
    const fit = { features: treeInputs(encodings, columnsOf(train.slice(0, split))), labels: Uint8Array.from(trainLabels.slice(0, split)) };
    const valid = { features: treeInputs(encodings, columnsOf(train.slice(split))), labels: Uint8Array.from(trainLabels.slice(split)) };
    const { model: gbdt } = trainGbdt(fit, valid, { ...DEFAULT_GBDT, rounds: 150, maxDepth: 6, learningRate: 0.1 });
    const testTree = treeInputs(encodings, columnsOf(test));
    const gbdtAuc = rocAuc(test.map((_r, i) => predictGbdt(gbdt, testTree.map((c) => c[i]))), testLabels);

    const logistic = trainLogistic(linearInputs(encodings, columnsOf(train)), trainLabels, DEFAULT_LOGISTIC);
    const logisticAuc = rocAuc(linearInputs(encodings, columnsOf(test)).map((row) => predictLogistic(logistic, row)), testLabels);

    const majority = trainLabels.reduce((s, y) => s + y, 0) * 2 >= trainLabels.length ? 1 : 0;
    const baselineAuc = rocAuc(test.map(() => majority), testLabels);

    expect(baselineAuc).toBe(0.5);
    expect(logisticAuc).toBeGreaterThan(baselineAuc + 0.05);
    expect(gbdtAuc).toBeGreaterThan(logisticAuc);
    console.log(`March ROC-AUC: GBDT ${gbdtAuc.toFixed(4)}, logistic regression ${logisticAuc.toFixed(4)}, majority class ${baselineAuc}`);
  }, 120_000);
});
