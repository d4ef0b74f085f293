/** Series named per feature: `<family>.<feature>.<field>`. */
const FEATURE_SERIES = {
  drift: ['statistic', 'p_value', 'drifted'],
  quality: ['null_rate', 'out_of_range_rate', 'unseen_category_rate', 'schema_violations'],
} as const;

export const PERFORMANCE_METRICS = ['roc_auc', 'accuracy', 'precision', 'recall', 'f1', 'log_loss', 'rmse', 'mae'] as const;
export type PerformanceMetric = (typeof PERFORMANCE_METRICS)[number];

/** Series of the model as a whole: `<family>.<field>`. */
const MODEL_SERIES = {
  prediction_drift: ['statistic', 'p_value', 'drifted'],
  performance: PERFORMANCE_METRICS,
  operations: ['request_count', 'error_count', 'error_rate', 'throughput', 'latency_p50_ms', 'latency_p90_ms', 'latency_p99_ms'],
} as const;

/** Series that are a single name: family and field alike. */
const SINGLE_SERIES = ['drift_share', 'dataset_drift', 'label_coverage'] as const;

type MetricFamily = keyof typeof FEATURE_SERIES | keyof typeof MODEL_SERIES | (typeof SINGLE_SERIES)[number];

/** A series a report yields. `drifted` and `dataset_drift` are 1 or 0. */
export interface MetricName {
  family: MetricFamily;
  /** Set for the drift and quality families. */
  feature?: string;
  field: string;
}

const ALLOWED_FORMS = [
  ...Object.entries(FEATURE_SERIES).map(([family, fields]) => `${family}.<feature>.${fields.join('|')}`),
  ...Object.entries(MODEL_SERIES).map(([family, fields]) => `${family}.${fields.join('|')}`),
  ...SINGLE_SERIES,
].join(', ');

const isOneOf = <T extends string>(names: readonly T[], name: string): name is T => (names as readonly string[]).includes(name);
const isKeyOf = <T extends object>(record: T, key: string): key is Extract<keyof T, string> => Object.hasOwn(record, key);

/**
 * Reads a series name. A feature name may itself contain dots: the feature is everything between
 * the family prefix and the last dot (`drift.address.city.statistic` is feature `address.city`).
 */
export function parseMetric(metric: string): MetricName | { problem: string } {
  if (isOneOf(SINGLE_SERIES, metric)) return { family: metric, field: metric };
  const unknown = { problem: `unknown metric "${metric}"; the series are ${ALLOWED_FORMS}` };
  const firstDot = metric.indexOf('.');
  const lastDot = metric.lastIndexOf('.');
  if (firstDot < 0) return unknown;
  const family = metric.slice(0, firstDot);
  const field = metric.slice(lastDot + 1);
  if (isKeyOf(FEATURE_SERIES, family)) {
    const feature = metric.slice(firstDot + 1, lastDot);
    if (feature !== '' && isOneOf(FEATURE_SERIES[family], field)) return { family, feature, field };
  } else if (isKeyOf(MODEL_SERIES, family) && firstDot === lastDot && isOneOf(MODEL_SERIES[family], field)) {
    return { family, field };
  }
  return unknown;
}

export function isPerformanceMetric(name: string): name is PerformanceMetric {
  return isOneOf(PERFORMANCE_METRICS, name);
}
