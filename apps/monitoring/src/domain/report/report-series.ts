import { type WindowPerformance } from '../performance/performance';
import { type FeatureDriftResult, type WindowReport } from './window-report';

/**
 * The numbers alert rules watch, by metric name (grammar in ../alerts). A figure that could not be
 * computed (insufficient data, one class only) is absent, never 0: a rule on it neither starts nor
 * ends an alert.
 *
 * Drift, per feature (`drift.<feature>.*`) and for the prediction (`prediction_drift.*`), once computed:
 * - `.statistic`: every method — the test statistic of a test (KS D, chi-squared, z, which is signed:
 *   reference share minus current share) or the distance (normed Wasserstein, Jensen-Shannon, PSI).
 *   A chi-squared statistic is +Infinity when the window holds a category training never had; a
 *   series holds finite numbers only, so it is absent then (`.p_value` is 0 and `.drifted` 1);
 * - `.p_value`: tests only (KS, chi-squared, Z-test), what their threshold applies to;
 * - `.drifted`: 1 or 0.
 */
export function reportSeries(report: WindowReport): Record<string, number> {
  const series: Record<string, number> = {};
  const put = (name: string, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) series[name] = value;
  };
  const putDrift = (prefix: string, result: FeatureDriftResult) => {
    const { drift } = result;
    if (drift.status !== 'ok') return;
    put(`${prefix}.statistic`, drift.statistic);
    put(`${prefix}.p_value`, drift.pValue);
    put(`${prefix}.drifted`, drift.drifted ? 1 : 0);
  };
  for (const result of report.featureDrift) putDrift(`drift.${result.feature}`, result);
  if (report.predictionDrift) putDrift('prediction_drift', report.predictionDrift);
  put('drift_share', report.driftShare);
  put('dataset_drift', report.datasetDrift === undefined ? undefined : Number(report.datasetDrift));
  for (const column of report.quality.columns) {
    if (column.count === 0) continue;
    put(`quality.${column.name}.null_rate`, column.nullRate);
    put(`quality.${column.name}.out_of_range_rate`, column.outOfRange / column.count);
    put(`quality.${column.name}.unseen_category_rate`, column.unseen === undefined ? undefined : column.unseen / column.count);
    put(`quality.${column.name}.schema_violations`, column.typeViolations);
  }
  Object.assign(series, performanceSeries(report.performance, report.predictionCount));
  const ops = report.operations;
  put('operations.request_count', ops.requestCount);
  put('operations.error_count', ops.errorCount);
  if (ops.requestCount > 0) {
    put('operations.error_rate', ops.errorRate);
    put('operations.throughput', ops.throughput);
  }
  put('operations.latency_p50_ms', ops.latencyP50Ms);
  put('operations.latency_p90_ms', ops.latencyP90Ms);
  put('operations.latency_p99_ms', ops.latencyP99Ms);
  return series;
}

/** The performance part of a window's series: label coverage and the metrics, once there are enough labels. */
export function performanceSeries(performance: WindowPerformance, predictionCount: number): Record<string, number> {
  const series: Record<string, number> = {};
  if (predictionCount > 0) series.label_coverage = performance.labelledCount / predictionCount;
  if (performance.status === 'ok') for (const [name, value] of Object.entries(performance.metrics)) if (Number.isFinite(value)) series[`performance.${name}`] = value;
  return series;
}

/** Whether a series name belongs to the performance part (replaced when late labels revise it). */
export const isPerformanceSeries = (name: string) => name === 'label_coverage' || name.startsWith('performance.');
