import { DEFAULT_GBDT, type GbdtParams } from '../gbdt';
import { DEFAULT_LINEAR, type LinearParams } from '../linear-regression';
import { DEFAULT_LOGISTIC, type LogisticParams } from '../logistic-regression';
import { parseLabelRule } from './label';

/** A training run's specification, as the pipeline reads it (the gRPC TrainingSpec, mapped). */
export interface PipelineSpec {
  data: { kind: 'snapshot'; snapshotId: string } | { kind: 'featureService'; name: string; version: number; entitySnapshotId: string; eventTimestampColumn: string };
  label: { column: string; expression: string; task: 'binary' | 'regression' | 'multiclass' | 'unspecified' };
  features: string[];
  trainer: { kind: 'gbdt' | 'logistic' | 'linear' | 'unspecified' } | ExternalTrainerSpec;
  hyperparameters: Record<string, unknown>;
  split: TimeSplit | RandomSplit | { kind: 'unspecified' };
  /** Decimal string: uint64 does not fit a JS number. */
  seed: string;
  evaluation: { primaryMetric: string; sliceFeatures: string[]; calibrationBins: number };
  registerAs: string;
}

export interface ExternalTrainerSpec {
  kind: 'external';
  command: string[];
  env: Record<string, string>;
  timeoutMs: number;
  /** Where the command runs (a checkout of the trainer's code); empty = the run's own work directory. */
  workingDir: string;
}

export interface TimeRange {
  startMs?: number;
  endMs?: number;
}
export interface TimeSplit {
  kind: 'time';
  column: string;
  train: TimeRange;
  validation?: TimeRange;
  test: TimeRange;
  validationFraction: number;
}
export interface RandomSplit {
  kind: 'random';
  train: number;
  validation: number;
  test: number;
}

export interface Violation {
  field: string;
  description: string;
}

export type TrainerParams = { kind: 'gbdt'; params: GbdtParams } | { kind: 'logistic'; params: LogisticParams } | { kind: 'linear'; params: LinearParams } | ExternalTrainerSpec;

/** The tasks trained, each with its metrics (the first is the default primary metric). */
export const TASK_METRICS = {
  binary: ['roc_auc', 'log_loss', 'accuracy', 'precision', 'recall', 'f1'],
  regression: ['rmse', 'mae', 'r2'],
} as const;
export type Task = keyof typeof TASK_METRICS;
export const DEFAULT_EXTERNAL_TIMEOUT_MS = 30 * 60_000;

/** name in the spec → [key in the trainer's params, lowest, highest, whole number] */
const GBDT_RANGES: Record<string, [keyof GbdtParams, number, number, boolean]> = {
  rounds: ['rounds', 1, 10_000, true],
  learning_rate: ['learningRate', 1e-6, 1, false],
  max_depth: ['maxDepth', 1, 16, true],
  min_samples_leaf: ['minSamplesLeaf', 1, 1_000_000, true],
  lambda: ['lambda', 0, 1e6, false],
  max_bins: ['maxBins', 2, 255, true],
  early_stopping_rounds: ['earlyStoppingRounds', 0, 10_000, true],
};
const LOGISTIC_RANGES: Record<string, [keyof LogisticParams, number, number, boolean]> = {
  l2: ['l2', 0, 1e6, false],
  max_iterations: ['maxIterations', 1, 1_000, true],
  tolerance: ['tolerance', 1e-15, 1, false],
};
const LINEAR_RANGES: Record<string, [keyof LinearParams, number, number, boolean]> = {
  l2: ['l2', 0, 1e6, false],
};
const BUILTIN = {
  gbdt: { ranges: GBDT_RANGES, defaults: DEFAULT_GBDT, tasks: ['binary', 'regression'] },
  logistic: { ranges: LOGISTIC_RANGES, defaults: DEFAULT_LOGISTIC, tasks: ['binary'] },
  linear: { ranges: LINEAR_RANGES, defaults: DEFAULT_LINEAR, tasks: ['regression'] },
} as const;

/** Every problem of a spec that can be seen before any data is read, each naming its field. */
export function checkSpec(spec: PipelineSpec): { violations: Violation[]; trainer?: TrainerParams } {
  const violations: Violation[] = [];
  const add = (field: string, description: string) => violations.push({ field, description });
  if (spec.data.kind === 'snapshot' && !spec.data.snapshotId) add('spec.data.snapshot_id', 'name the snapshot holding the features and the label');
  if (spec.data.kind === 'featureService') {
    if (!spec.data.name) add('spec.data.feature_service.feature_service.name', 'name the feature service');
    if (!spec.data.entitySnapshotId) add('spec.data.feature_service.entity_snapshot_id', 'name the snapshot holding the entity rows and the label');
  }
  if (!spec.label.column) add('spec.label.column', 'name the label column');
  else if (spec.label.expression) {
    const rule = parseLabelRule(spec.label.expression);
    if (typeof rule === 'string') add('spec.label.expression', rule);
    else if (rule.column !== spec.label.column) add('spec.label.expression', `the expression reads "${rule.column}", the label column is "${spec.label.column}"`);
  }
  if (spec.label.task === 'multiclass') add('spec.label.task', 'BINARY_CLASSIFICATION or REGRESSION; multiclass is not trained yet');
  if (spec.label.task === 'regression' && spec.label.expression) add('spec.label.expression', 'a regression learns the column\'s number itself; leave the expression empty');
  if (spec.features.length === 0) add('spec.features', 'name at least one feature column');
  spec.features.forEach((f, i) => {
    if (f === spec.label.column) add(`spec.features[${i}]`, `"${f}" is the label; a model must not see it`);
    if (spec.features.indexOf(f) !== i) add(`spec.features[${i}]`, `"${f}" is named twice`);
  });
  checkSplit(spec.split, add);
  const metrics: readonly string[] = TASK_METRICS[taskOf(spec)];
  if (spec.evaluation.primaryMetric && !metrics.includes(spec.evaluation.primaryMetric)) add('spec.evaluation.primary_metric', `one of ${metrics.join(', ')} for this task`);
  if (spec.evaluation.calibrationBins < 0 || spec.evaluation.calibrationBins > 100) add('spec.evaluation.calibration_bins', 'between 1 and 100 (0 = 10)');
  spec.evaluation.sliceFeatures.forEach((f, i) => {
    if (!spec.features.includes(f)) add(`spec.evaluation.slice_features[${i}]`, `"${f}" is not one of the features`);
  });
  if (!/^\d{1,20}$/.test(spec.seed) || BigInt(spec.seed) >= 2n ** 64n) add('spec.seed', 'an unsigned 64-bit integer');
  const trainer = trainerParams(spec, add);
  return violations.length > 0 ? { violations } : { violations, trainer };
}

/** Unspecified means binary classification, the common case and the proto's historical default. */
export const taskOf = (spec: PipelineSpec): Task => (spec.label.task === 'regression' ? 'regression' : 'binary');

/** The model's one output: what serving returns and the external-trainer contract asks for. */
export const outputOf = (spec: PipelineSpec): 'probability' | 'prediction' => (taskOf(spec) === 'regression' ? 'prediction' : 'probability');

/** The metric a run is judged by: the spec's, or the task's usual one. */
export const primaryMetricOf = (spec: PipelineSpec): string => spec.evaluation.primaryMetric || TASK_METRICS[taskOf(spec)][0];

function checkSplit(split: PipelineSpec['split'], add: (field: string, description: string) => void): void {
  if (split.kind === 'unspecified') return add('spec.split', 'a time split or a random split');
  if (split.kind === 'random') {
    const parts = [split.train, split.validation, split.test];
    if (parts.some((p) => !(p >= 0 && p <= 1)) || split.train <= 0 || split.test <= 0) add('spec.split.random', 'fractions in [0, 1], train and test above 0');
    else if (Math.abs(parts.reduce((s, p) => s + p, 0) - 1) > 1e-9) add('spec.split.random', `train + validation + test must be 1, not ${parts.reduce((s, p) => s + p, 0)}`);
    return;
  }
  const empty = (r: TimeRange | undefined) => r && r.startMs !== undefined && r.endMs !== undefined && r.endMs <= r.startMs;
  if (!split.train.endMs) add('spec.split.time.train.end', 'the training range needs an end');
  if (!split.test.startMs) add('spec.split.time.test.start', 'the test range needs a start');
  if (empty(split.train)) add('spec.split.time.train', 'ends before it starts');
  if (empty(split.test)) add('spec.split.time.test', 'ends before it starts');
  if (split.train.endMs && split.test.startMs && split.test.startMs < split.train.endMs) add('spec.split.time.test.start', 'the test range must start after the training range ends: no evaluation on data the model was fitted to');
  if (!split.validation && !(split.validationFraction >= 0 && split.validationFraction < 1)) add('spec.split.time.validation_fraction', 'in [0, 1)');
}

function trainerParams(spec: PipelineSpec, add: (field: string, description: string) => void): TrainerParams | undefined {
  const { trainer } = spec;
  if (trainer.kind === 'external') {
    if (trainer.command.length === 0 || !trainer.command[0]) add('spec.trainer.external.command', 'the command to run, as argv');
    if (trainer.timeoutMs < 0) add('spec.trainer.external.timeout', 'a positive duration');
    return trainer;
  }
  if (trainer.kind === 'unspecified') return void add('spec.trainer', 'a built-in trainer (GBDT, LOGISTIC_REGRESSION, LINEAR_REGRESSION) or an external command');
  const task = taskOf(spec);
  const { ranges, defaults, tasks } = BUILTIN[trainer.kind];
  if (!(tasks as readonly Task[]).includes(task)) return void add('spec.trainer.builtin', `${trainer.kind} trains ${tasks.join(' and ')}, not ${task}`);
  const params: Record<string, number | string> = { ...defaults };
  for (const [name, value] of Object.entries(spec.hyperparameters)) {
    const range = (ranges as Record<string, [string, number, number, boolean]>)[name];
    const field = `spec.hyperparameters.${name}`;
    if (!range) {
      add(field, `not a ${trainer.kind} hyperparameter; known: ${Object.keys(ranges).join(', ')}`);
      continue;
    }
    const [key, low, high, whole] = range;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < low || value > high || (whole && !Number.isInteger(value))) {
      add(field, `${whole ? 'a whole number' : 'a number'} in [${low}, ${high}], not ${JSON.stringify(value)}`);
      continue;
    }
    params[key] = value;
  }
  if (trainer.kind === 'gbdt') return { kind: 'gbdt', params: { ...(params as unknown as GbdtParams), objective: task === 'regression' ? 'squared' : 'logistic' } };
  return trainer.kind === 'logistic' ? { kind: 'logistic', params: params as unknown as LogisticParams } : { kind: 'linear', params: params as unknown as LinearParams };
}
