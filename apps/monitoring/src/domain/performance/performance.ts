import { classificationMetrics } from './classification-metrics';
import { regressionMetrics } from './regression-metrics';
import { mostFrequentSlices } from './slices';

/** One feature's value for every row of the window, aligned with the scores; null when missing. */
export interface SliceColumn {
  feature: string;
  values: readonly (string | null)[];
}

export interface WindowPerformanceInput {
  task: 'binary_classification' | 'regression';
  /** Positive-class probabilities in [0, 1] (classification) or predicted values (regression), one per labelled prediction. */
  scores: ArrayLike<number>;
  /** The ground truth joined to each prediction: 0 or 1 for classification. */
  labels: ArrayLike<number>;
  slices?: readonly SliceColumn[];
  /** Fewer labelled predictions than this: no metrics for the window (or the slice). Default 30. */
  minLabelled?: number;
  /** Slices per feature, for its most frequent values. Default 20. */
  maxSlicesPerFeature?: number;
  /** Classification decision threshold: a score at or above it is a positive call. Default 0.5. */
  threshold?: number;
}

export interface SlicePerformance {
  feature: string;
  value: string;
  count: number;
  metrics: Record<string, number>;
}

export type WindowPerformance =
  | { status: 'ok'; labelledCount: number; metrics: Record<string, number>; slices: SlicePerformance[] }
  | { status: 'insufficient_data'; labelledCount: number; reason: string; metrics: Record<string, never>; slices: [] };

/**
 * 30 labelled predictions: below it an accuracy moves by more than 3 points per row and ROC-AUC
 * swings with every pair, so a window that small would flap. A floor, not a power analysis.
 */
const DEFAULT_MIN_LABELLED = 30;

/** Enough to cover the categories that matter without a high-cardinality feature flooding the report. */
const DEFAULT_MAX_SLICES_PER_FEATURE = 20;

/**
 * Performance of a model over one window of labelled predictions, overall and per slice (the most
 * frequent values of each slicing feature). Too few labelled predictions is 'insufficient_data'
 * with no metrics, never a metric of 0. A slice with fewer than `minLabelled` rows is left out for
 * the same reason: its metrics would be noise, and a slice entry always carries metrics.
 */
export function windowPerformance(input: WindowPerformanceInput): WindowPerformance {
  const minLabelled = input.minLabelled ?? DEFAULT_MIN_LABELLED;
  const maxSlices = input.maxSlicesPerFeature ?? DEFAULT_MAX_SLICES_PER_FEATURE;
  const slices = input.slices ?? [];
  validate(input, slices, minLabelled);

  const labelledCount = input.labels.length;
  if (labelledCount < minLabelled) {
    return { status: 'insufficient_data', labelledCount, reason: `${labelledCount} labelled predictions in the window, fewer than ${minLabelled}`, metrics: {}, slices: [] };
  }
  const metricsOf = (scores: ArrayLike<number>, labels: ArrayLike<number>): Record<string, number> =>
    input.task === 'binary_classification' ? classificationMetrics(scores, labels, input.threshold) : regressionMetrics(scores, labels);
  return {
    status: 'ok',
    labelledCount,
    metrics: metricsOf(input.scores, input.labels),
    slices: slices.flatMap(({ feature, values }) =>
      mostFrequentSlices(values, maxSlices)
        .filter(({ rows }) => rows.length >= minLabelled)
        .map(({ value, rows }) => ({
          feature,
          value,
          count: rows.length,
          metrics: metricsOf(Float64Array.from(rows, (i) => input.scores[i]), Float64Array.from(rows, (i) => input.labels[i])),
        })),
    ),
  };
}

function validate(input: WindowPerformanceInput, slices: readonly SliceColumn[], minLabelled: number): void {
  const { scores, labels } = input;
  if (scores.length !== labels.length) throw new Error(`scores has ${scores.length} values but labels has ${labels.length}`);
  for (const { feature, values } of slices) {
    if (values.length !== labels.length) throw new Error(`slice feature "${feature}" has ${values.length} values but there are ${labels.length} labels`);
  }
  // At least one row, or the metrics would divide by zero.
  if (!(minLabelled >= 1)) throw new Error(`minLabelled must be at least 1, got ${minLabelled}`);
  for (let i = 0; i < labels.length; i++) {
    if (input.task === 'binary_classification') {
      if (labels[i] !== 0 && labels[i] !== 1) throw new Error(`classification labels must be 0 or 1; label ${i} is ${labels[i]}`);
      if (!(scores[i] >= 0 && scores[i] <= 1)) throw new Error(`classification scores must be probabilities in [0, 1]; score ${i} is ${scores[i]}`);
    } else if (!Number.isFinite(scores[i]) || !Number.isFinite(labels[i])) {
      throw new Error(`regression scores and labels must be finite numbers; row ${i} has score ${scores[i]} and label ${labels[i]}`);
    }
  }
}
