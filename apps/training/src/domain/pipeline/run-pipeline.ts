import { predictGbdt, trainGbdt } from '../gbdt';
import { predictLinear, trainLinear } from '../linear-regression';
import { predictLogistic, trainLogistic } from '../logistic-regression';
import { encodeModel } from '../onnx/onnx-model';
import { outputNameOf, pipelineModel, type Trained } from '../onnx/pipeline-onnx';
import { type FeatureColumn, type FeatureEncoding, fitEncodings, linearInputs, treeInputs } from '../preprocessing';
import { type FeatureProfile, profileFeatures } from '../profile';
import { evaluateClassifier, evaluateRegressor, type EvaluationResult } from './evaluation';
import { type PipelineSpec, type TrainerParams, taskOf } from './spec';
import { type SplitIndices, splitRows } from './split';
import { type Dataset, InvalidInputError } from './table';

export type PipelineStage = 'split' | 'train' | 'evaluate' | 'profile' | 'package';

export interface StepMetric {
  key: string;
  value: number;
  step: number;
}

export interface PipelineProgress {
  stage: PipelineStage;
  /** Of the whole pipeline run, in [0, 1]. */
  progress: number;
  message: string;
  metrics: StepMetric[];
}

export interface ReferenceProfile {
  rowCount: number;
  features: FeatureProfile[];
  label: FeatureProfile;
  /** The model's output on the test rows: held-out behaviour is what live traffic should look like. */
  prediction: FeatureProfile;
}

export interface PipelineResult {
  modelBytes: Uint8Array;
  inputs: { name: string; kind: 'numeric' | 'categorical' }[];
  /** The graph's output: `probability` (classifiers) or `prediction` (regressors). */
  output: 'probability' | 'prediction';
  evaluation: EvaluationResult;
  profile: ReferenceProfile;
  rows: { train: number; validation: number; test: number; unlabelled: number };
  /** Every hyperparameter the trainer used, defaults included, for the run's params. */
  params: Record<string, string>;
}

/** Where the training fraction of progress goes: the rest is split, evaluation and packaging. */
const TRAIN_START = 0.1;
const TRAIN_END = 0.8;

/**
 * A built-in run from prepared data to packaged model: split, fit the preprocessing and the model
 * on the training rows, evaluate on the test rows, profile the training rows, export one ONNX graph.
 * Nothing here reads a clock or draws an unseeded random number: same data and spec, same bytes.
 */
export function runBuiltinPipeline(dataset: Dataset, spec: PipelineSpec, trainer: Exclude<TrainerParams, { kind: 'external' }>, onProgress: (p: PipelineProgress) => void, metadata: Record<string, string> = {}): PipelineResult {
  const report = (stage: PipelineStage, progress: number, message: string, metrics: StepMetric[] = []) => onProgress({ stage, progress, message, metrics });
  const parts = checkedSplit(dataset, spec);
  const train = pick(dataset, parts.train);
  const validation = pick(dataset, parts.validation);
  const test = pick(dataset, parts.test);
  report('split', TRAIN_START, `${parts.train.length} training, ${parts.validation.length} validation, ${parts.test.length} test rows`);

  const encodings = fitEncodings(train.features, train.labels);
  let trained: Trained;
  let predict: (columns: FeatureColumn[]) => Float64Array;
  if (trainer.kind === 'gbdt') {
    const rounds = trainer.params.rounds;
    const loss = trainer.params.objective === 'logistic' ? 'log_loss' : 'rmse';
    const valid = validation.labels.length > 0 ? { features: treeInputs(encodings, rawOf(validation)), labels: validation.labels } : undefined;
    const { model } = trainGbdt({ features: treeInputs(encodings, rawOf(train)), labels: train.labels }, valid, trainer.params, (round, history) => {
      const metrics = [{ key: `train_${loss}`, value: history.trainLoss[round - 1], step: round }];
      if (history.validLoss.length >= round) metrics.push({ key: `validation_${loss}`, value: history.validLoss[round - 1], step: round });
      report('train', TRAIN_START + ((TRAIN_END - TRAIN_START) * round) / rounds, `round ${round} of at most ${rounds}`, metrics);
    });
    trained = { kind: 'gbdt', model };
    predict = (columns) => {
      const inputs = treeInputs(encodings, columns.map((c) => c.values));
      const row = new Float32Array(inputs.length);
      return Float64Array.from({ length: columns[0].values.length }, (_, i) => {
        for (let f = 0; f < inputs.length; f++) row[f] = inputs[f][i];
        return predictGbdt(model, row);
      });
    };
  } else {
    report('train', TRAIN_START, `fitting the ${trainer.kind} regression`);
    const rows = linearInputs(encodings, rawOf(train));
    trained = trainer.kind === 'logistic' ? { kind: 'logistic', model: trainLogistic(rows, train.labels, trainer.params) } : { kind: 'linear', model: trainLinear(rows, train.labels, trainer.params) };
    const { model } = trained;
    const score = trainer.kind === 'logistic' ? predictLogistic : predictLinear;
    predict = (columns) => Float64Array.from(linearInputs(encodings, columns.map((c) => c.values)), (row) => score(model, row));
  }
  const output = outputNameOf(trained);

  report('evaluate', TRAIN_END, `evaluating on ${test.labels.length} test rows`);
  const { evaluation, profile } = assess(spec, train, test, predict(test.features), output);
  report('profile', 0.9, 'profiled the training data');

  report('package', 0.95, 'exporting the ONNX model');
  const modelBytes = encodeModel(pipelineModel(encodings, trained, metadata));
  return {
    modelBytes,
    inputs: encodings.map((e: FeatureEncoding) => ({ name: e.name, kind: e.kind })),
    output,
    evaluation,
    profile,
    rows: { train: parts.train.length, validation: parts.validation.length, test: parts.test.length, unlabelled: dataset.unlabelled },
    params: Object.fromEntries(Object.entries(trainer.params).map(([k, v]) => [k, String(v)])),
  };
}

/** Test-set evaluation of a model's predictions, and the reference profile of the rows it was trained on. */
export function assessPredictions(dataset: Dataset, parts: SplitIndices, spec: PipelineSpec, testPredictions: Float64Array, output: string): Pick<PipelineResult, 'evaluation' | 'profile'> {
  return assess(spec, pick(dataset, parts.train), pick(dataset, parts.test), testPredictions, output);
}

function assess(spec: PipelineSpec, train: Part, test: Part, predictions: Float64Array, output: string): Pick<PipelineResult, 'evaluation' | 'profile'> {
  const sliceColumns = spec.evaluation.sliceFeatures.map((name) => test.features.find((c) => c.name === name)!);
  const evaluation =
    taskOf(spec) === 'regression'
      ? evaluateRegressor(predictions, test.labels, sliceColumns)
      : evaluateClassifier(predictions, test.labels, sliceColumns, spec.evaluation.calibrationBins || 10);
  const profile: ReferenceProfile = {
    rowCount: train.labels.length,
    features: profileFeatures(train.features),
    label: profileFeatures([{ name: spec.label.column, kind: 'numeric', values: Array.from(train.labels) }])[0],
    prediction: profileFeatures([{ name: output, kind: 'numeric', values: Array.from(predictions) }])[0],
  };
  return { evaluation, profile };
}

interface Part {
  features: FeatureColumn[];
  labels: Float64Array;
}

function pick(dataset: Dataset, rows: Uint32Array): Part {
  return {
    features: dataset.features.map((c) => ({ ...c, values: Array.from(rows, (i) => c.values[i]) })),
    labels: Float64Array.from(rows, (i) => dataset.labels[i]),
  };
}

const rawOf = (part: Part) => part.features.map((c) => c.values);

/** The split, refused when it would make a meaningless model or metric: said before any time is spent training. */
export function checkedSplit(dataset: Dataset, spec: PipelineSpec): SplitIndices {
  const parts = splitRows(dataset.labels.length, dataset.times, spec.split, spec.seed);
  const { train, test } = parts;
  if (train.length === 0) throw new InvalidInputError('the training part of the split has no rows');
  if (test.length === 0) throw new InvalidInputError('the test part of the split has no rows');
  if (taskOf(spec) === 'binary') {
    let positives = 0;
    for (const i of train) positives += dataset.labels[i];
    if (positives === 0 || positives === train.length) {
      throw new InvalidInputError(`the label has one class in the training rows (all ${positives === 0 ? 0 : 1}, ${train.length} rows); a classifier needs both`);
    }
  } else if (train.every((i) => dataset.labels[i] === dataset.labels[train[0]])) {
    throw new InvalidInputError(`the label is ${dataset.labels[train[0]]} in every training row (${train.length} rows); there is nothing to regress`);
  }
  for (const column of dataset.features) {
    if (train.every((i) => column.values[i] === null)) throw new InvalidInputError(`feature "${column.name}" is null in every training row`);
  }
  return parts;
}
