import { classificationMetrics, regressionMetrics } from '../metrics';
import { type FeatureColumn } from '../preprocessing';

export interface SliceResult {
  feature: string;
  value: string;
  count: number;
  metrics: Record<string, number>;
}

export interface CalibrationBin {
  lower: number;
  upper: number;
  meanPredicted: number;
  fractionPositive: number;
  count: number;
}

export interface EvaluationResult {
  metrics: Record<string, number>;
  slices: SliceResult[];
  /** Classifiers only: a regressor's predictions are not probabilities. */
  calibration: CalibrationBin[];
}

const MAX_SLICES_PER_FEATURE = 20;

/** Named as MLflow and scikit-learn name them, so runs compare across tools. */
export function classifierMetrics(probabilities: ArrayLike<number>, labels: ArrayLike<number>): Record<string, number> {
  const m = classificationMetrics(probabilities, labels);
  return { roc_auc: m.rocAuc, log_loss: m.logLoss, accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1 };
}

/**
 * Test-set metrics overall, per slice (the most frequent categories of a categorical feature, the
 * quartiles of a numeric one) and the reliability diagram.
 */
export function evaluateClassifier(probabilities: Float64Array, labels: Float64Array, sliceColumns: FeatureColumn[], calibrationBins: number): EvaluationResult {
  const slices = sliced(probabilities, labels, sliceColumns, (p, y) => ({ ...classifierMetrics(p, y), positive_rate: y.reduce((s, v) => s + v, 0) / y.length }));
  return { metrics: classifierMetrics(probabilities, labels), slices, calibration: calibration(probabilities, labels, calibrationBins) };
}

/** Test-set RMSE, MAE and R² overall and per slice, with each slice's mean label. */
export function evaluateRegressor(predictions: Float64Array, labels: Float64Array, sliceColumns: FeatureColumn[]): EvaluationResult {
  const slices = sliced(predictions, labels, sliceColumns, (p, y) => ({ ...regressionMetrics(p, y), mean_label: y.reduce((s, v) => s + v, 0) / y.length }));
  return { metrics: regressionMetrics(predictions, labels), slices, calibration: [] };
}

function sliced(predictions: Float64Array, labels: Float64Array, columns: FeatureColumn[], metricsOf: (p: Float64Array, y: Float64Array) => Record<string, number>): SliceResult[] {
  return columns.flatMap((column) =>
    slicesOf(column).map(({ value, rows }) => ({
      feature: column.name, value, count: rows.length,
      metrics: metricsOf(Float64Array.from(rows, (i) => predictions[i]), Float64Array.from(rows, (i) => labels[i])),
    })),
  );
}

function slicesOf(column: FeatureColumn): { value: string; rows: number[] }[] {
  if (column.kind === 'categorical') {
    const groups = new Map<string, number[]>();
    column.values.forEach((v, i) => {
      const key = v === null ? '(null)' : String(v);
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    return [...groups].map(([value, rows]) => ({ value, rows })).sort((a, b) => b.rows.length - a.rows.length || (a.value < b.value ? -1 : 1)).slice(0, MAX_SLICES_PER_FEATURE);
  }
  // Quartiles by rank: four slices of equal size, each labelled with the values it spans.
  const present = column.values.map((v, i) => [v, i] as const).filter((e): e is readonly [number, number] => typeof e[0] === 'number').sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const parts = [0, 1, 2, 3]
    .map((q) => present.slice(Math.floor((q * present.length) / 4), Math.floor(((q + 1) * present.length) / 4)))
    .filter((part) => part.length > 0)
    .map((part, q) => ({ value: `q${q + 1} [${part[0][0]}, ${part[part.length - 1][0]}]`, rows: part.map(([, i]) => i) }));
  const nulls = column.values.flatMap((v, i) => (v === null ? [i] : []));
  if (nulls.length > 0) parts.push({ value: '(null)', rows: nulls });
  return parts;
}

/** Equal-width bins of predicted probability: how often the positive class really occurs in each. */
export function calibration(probabilities: ArrayLike<number>, labels: ArrayLike<number>, binCount: number): CalibrationBin[] {
  const bins = Array.from({ length: binCount }, (_, b) => ({ lower: b / binCount, upper: (b + 1) / binCount, sum: 0, positives: 0, count: 0 }));
  for (let i = 0; i < labels.length; i++) {
    const bin = bins[Math.min(binCount - 1, Math.floor(probabilities[i] * binCount))];
    bin.sum += probabilities[i];
    bin.positives += labels[i];
    bin.count++;
  }
  return bins.map((b) => ({ lower: b.lower, upper: b.upper, meanPredicted: b.count ? b.sum / b.count : 0, fractionPositive: b.count ? b.positives / b.count : 0, count: b.count }));
}
