import { featureDrift, type FeatureDrift } from '../drift/drift-score';
import { type LoggedValue, windowQuality, type WindowQuality } from '../quality/data-quality';
import { windowOperations, type WindowOperations } from '../operations/operations';
import { windowPerformance, type WindowPerformance } from '../performance/performance';
import { type ModelTask, type ReferenceFeature, type ReferenceProfile } from './reference-profile';

/** One logged instance of the window: its inputs as used, its primary output, and its label once joined. */
export interface WindowInstance {
  inputs: Readonly<Record<string, LoggedValue>>;
  prediction: number | null;
  label: number | null;
}

/** One served request of the window (failed ones included): what operations are computed from. */
export interface WindowRequest {
  latencyMs: number;
  statusCode: number;
}

export interface WindowInput {
  reference: ReferenceProfile;
  instances: readonly WindowInstance[];
  requests: readonly WindowRequest[];
  /** Length of the window in seconds, for throughput. */
  durationSeconds: number;
  minSampleSize: number;
}

export interface FeatureDriftResult {
  feature: string;
  kind: ReferenceFeature['kind'];
  drift: FeatureDrift;
}

export interface WindowReport {
  predictionCount: number;
  featureDrift: FeatureDriftResult[];
  predictionDrift: FeatureDriftResult | undefined;
  /** Share of the features with enough data that drifted; undefined when none had enough data. */
  driftShare: number | undefined;
  datasetDrift: boolean | undefined;
  quality: WindowQuality;
  performance: WindowPerformance;
  operations: WindowOperations;
}

/** Evidently's default: the dataset drifts when at least half of its columns do. */
export const DATASET_DRIFT_SHARE = 0.5;

/** The name prediction drift goes by in reports and alert series. */
export const PREDICTION_FEATURE = '__prediction__';

/** Everything monitoring says about one window of one series (model version and arm). */
export function windowReport({ reference, instances, requests, durationSeconds, minSampleSize }: WindowInput): WindowReport {
  const options = { minCurrentSize: minSampleSize };
  const featureDrifts = reference.features.map((feature) => ({
    feature: feature.name,
    kind: feature.kind,
    drift: featureDrift(feature.drift, currentValues(feature, instances.map((i) => i.inputs[feature.name] ?? null)), options),
  }));
  const predictionDrift = reference.prediction && {
    feature: PREDICTION_FEATURE,
    kind: reference.prediction.kind,
    drift: featureDrift(reference.prediction.drift, currentValues(reference.prediction, instances.map((i) => i.prediction)), options),
  };
  const judged = featureDrifts.filter((f) => f.drift.status === 'ok');
  const drifted = judged.filter((f) => f.drift.status === 'ok' && f.drift.drifted).length;
  const driftShare = judged.length === 0 ? undefined : drifted / judged.length;
  return {
    predictionCount: instances.length,
    featureDrift: featureDrifts,
    predictionDrift,
    driftShare,
    datasetDrift: driftShare === undefined ? undefined : driftShare >= DATASET_DRIFT_SHARE,
    quality: windowQuality(
      reference.features.map((f) => f.quality),
      instances.map((i) => i.inputs),
    ),
    performance: instancePerformance(reference, instances, minSampleSize),
    operations: windowOperations({ latenciesMs: requests.map((r) => r.latencyMs), statusCodes: requests.map((r) => r.statusCode), windowSeconds: durationSeconds }),
  };
}

/**
 * The window's non-null values of one column in the form its reference takes. A value of the wrong
 * type is left out here (data quality counts it as a schema violation) rather than coerced.
 */
function currentValues(feature: ReferenceFeature, values: readonly (LoggedValue | undefined)[]): number[] | string[] {
  if (feature.kind === 'numeric') {
    const numbers: number[] = [];
    for (const v of values) {
      if (typeof v === 'number' && !Number.isNaN(v)) numbers.push(v);
      else if (typeof v === 'boolean') numbers.push(v ? 1 : 0);
      else if (v instanceof Date) numbers.push(v.getTime());
    }
    return numbers;
  }
  const strings: string[] = [];
  for (const v of values) if (typeof v === 'string' || typeof v === 'boolean') strings.push(String(v));
  return strings;
}

/** Why a model of this task has no performance figures. */
const NO_PERFORMANCE: Readonly<Record<Exclude<ModelTask, 'binary_classification' | 'regression'>, string>> = {
  multiclass: 'performance of multiclass models is not computed yet',
  unknown: "the model's task is unknown: the registry announced none",
};

type Labelled = WindowInstance & { label: number; prediction: number };

/**
 * A classifier's figures take labels 0 and 1 and scores in [0, 1] only. A label naming no model skips
 * the consumer's 0/1 check, so another label is left out; a score out of range (or not finite) means
 * that output is not a probability, so it is left out too: one such row must never stop the report.
 */
const fitsBinaryClassification = (i: Labelled) => (i.label === 0 || i.label === 1) && i.prediction >= 0 && i.prediction <= 1;

/** A regression's figures take finite predictions and labels only; a NaN or an infinity is left out, never stopping the report. */
const fitsRegression = (i: Labelled) => Number.isFinite(i.prediction) && Number.isFinite(i.label);

/**
 * Performance over the window's labelled instances, sliced by each categorical input. A model whose
 * task has no metrics here (multiclass, unknown) is 'insufficient_data' with the reason, its
 * labelledCount still counting the instances with a label and a prediction. Never throws on a row.
 */
export function instancePerformance(reference: ReferenceProfile, instances: readonly WindowInstance[], minSampleSize: number): WindowPerformance {
  const { task } = reference;
  const withLabel = instances.filter((i): i is Labelled => i.label !== null && i.prediction !== null);
  if (task !== 'binary_classification' && task !== 'regression') {
    return { status: 'insufficient_data', labelledCount: withLabel.length, reason: NO_PERFORMANCE[task], metrics: {}, slices: [] };
  }
  const labelled = withLabel.filter(task === 'regression' ? fitsRegression : fitsBinaryClassification);
  return windowPerformance({
    task,
    scores: labelled.map((i) => i.prediction),
    labels: labelled.map((i) => i.label),
    slices: reference.features.filter((f) => f.kind === 'categorical').map((f) => ({ feature: f.name, values: labelled.map((i) => sliceValue(i.inputs[f.name])) })),
    minLabelled: minSampleSize,
  });
}

function sliceValue(value: LoggedValue | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}
