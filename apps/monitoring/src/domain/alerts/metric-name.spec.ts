import { isPerformanceMetric, parseMetric } from './metric-name';

describe('parseMetric', () => {
  it.each([
    ['drift.distance.statistic', { family: 'drift', feature: 'distance', field: 'statistic' }],
    ['drift.distance.p_value', { family: 'drift', feature: 'distance', field: 'p_value' }],
    ['drift.distance.drifted', { family: 'drift', feature: 'distance', field: 'drifted' }],
    ['quality.carrier.unseen_category_rate', { family: 'quality', feature: 'carrier', field: 'unseen_category_rate' }],
    ['quality.carrier.schema_violations', { family: 'quality', feature: 'carrier', field: 'schema_violations' }],
    ['prediction_drift.p_value', { family: 'prediction_drift', field: 'p_value' }],
    ['performance.log_loss', { family: 'performance', field: 'log_loss' }],
    ['operations.latency_p99_ms', { family: 'operations', field: 'latency_p99_ms' }],
    ['drift_share', { family: 'drift_share', field: 'drift_share' }],
    ['dataset_drift', { family: 'dataset_drift', field: 'dataset_drift' }],
    ['label_coverage', { family: 'label_coverage', field: 'label_coverage' }],
  ])('reads %s', (metric, parsed) => {
    expect(parseMetric(metric)).toEqual(parsed);
  });

  it('takes everything between the family and the last dot as the feature, dots included', () => {
    expect(parseMetric('drift.address.city.statistic')).toEqual({ family: 'drift', feature: 'address.city', field: 'statistic' });
    expect(parseMetric('quality.a..b.null_rate')).toEqual({ family: 'quality', feature: 'a..b', field: 'null_rate' });
  });

  it.each([
    '',
    'drift',
    'drift.statistic',
    'drift..statistic',
    'drift.distance.mean',
    'quality.distance.p_value',
    'prediction_drift.x.statistic',
    'performance.roc_auc.x',
    'performance.auc',
    'operations.latency_p95_ms',
    'drift_share.x',
    'label_coverage.rate',
    'Drift.distance.statistic',
    'toString',
    'constructor.statistic',
  ])('rejects %j, listing the allowed forms', (metric) => {
    const parsed = parseMetric(metric);
    expect(parsed).toEqual({ problem: expect.stringContaining(`unknown metric "${metric}"`) });
    expect('problem' in parsed && parsed.problem).toContain(
      'drift.<feature>.statistic|p_value|drifted, quality.<feature>.null_rate|out_of_range_rate|unseen_category_rate|schema_violations, prediction_drift.statistic|p_value|drifted, performance.roc_auc|accuracy|precision|recall|f1|log_loss|rmse|mae, operations.request_count|error_count|error_rate|throughput|latency_p50_ms|latency_p90_ms|latency_p99_ms, drift_share, dataset_drift, label_coverage',
    );
  });

  it('knows the performance metric names', () => {
    expect(['roc_auc', 'mae', 'performance.roc_auc', 'latency_p99_ms', ''].map(isPerformanceMetric)).toEqual([true, true, false, false, false]);
  });
});
