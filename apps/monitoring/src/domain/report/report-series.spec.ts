import { type WindowPerformance } from '../performance/performance';
import { type LoggedValue } from '../quality/data-quality';
import { type ReferenceFeature, type ReferenceProfile } from './reference-profile';
import { isPerformanceSeries, performanceSeries, reportSeries } from './report-series';
import { type WindowInstance, windowReport, type WindowReport, type WindowRequest } from './window-report';

// A hand-built training reference of 100 rows (KS, chi-squared), or of 2,000 rows (Wasserstein, Jensen-Shannon).
const SAMPLE = Array.from({ length: 100 }, (_, i) => i + 0.5);

const distance = (rowsPerBin = 10): ReferenceFeature => ({
  name: 'distance', kind: 'numeric',
  drift: { kind: 'numeric', sampleValues: SAMPLE, binEdges: Array.from({ length: 11 }, (_, i) => i * 10), binCounts: Array.from({ length: 10 }, () => rowsPerBin) },
  quality: { name: 'distance', kind: 'numeric', min: 0, max: 100 },
});

const origin = (scale = 1, otherCount = 0): ReferenceFeature => {
  const categories = [{ value: 'SFO', count: 50 * scale }, { value: 'JFK', count: 30 * scale }, { value: 'ORD', count: 20 * scale }];
  return {
    name: 'origin', kind: 'categorical',
    drift: { kind: 'categorical', categories, otherCount },
    quality: { name: 'origin', kind: 'categorical', categories: new Set(categories.map((c) => c.value)), complete: otherCount === 0 },
  };
};

const score = (): ReferenceFeature => ({
  name: 'score', kind: 'numeric',
  drift: { kind: 'numeric', sampleValues: SAMPLE.map((v) => v / 100), binEdges: Array.from({ length: 11 }, (_, i) => i / 10), binCounts: Array.from({ length: 10 }, () => 10) },
  quality: { name: 'score', kind: 'numeric', min: 0, max: 1 },
});

const profile = (features: ReferenceFeature[]): ReferenceProfile => ({ features, prediction: score(), task: 'binary_classification' });

const usualDistance = (i: number) => 1 + ((i * 37) % 40) * 2.5;
const usualOrigin = (i: number) => (i % 10 < 5 ? 'SFO' : i % 10 < 8 ? 'JFK' : 'ORD');

function instances(n: number, change: (i: number) => Partial<WindowInstance> & { set?: Record<string, LoggedValue> } = () => ({})): WindowInstance[] {
  return Array.from({ length: n }, (_, i) => {
    const prediction = usualDistance(i) / 100;
    const usual: WindowInstance = { inputs: { distance: usualDistance(i), origin: usualOrigin(i) }, prediction, label: prediction >= 0.5 !== (i % 7 === 0) ? 1 : 0 };
    const { set, ...rest } = change(i);
    return { ...usual, ...rest, inputs: { ...usual.inputs, ...set } };
  });
}

const REQUESTS: WindowRequest[] = [
  { latencyMs: 10, statusCode: 0 },
  { latencyMs: 20, statusCode: 0 },
  { latencyMs: 30, statusCode: 14 },
  { latencyMs: 40, statusCode: 0 },
];

const report = (reference: ReferenceProfile, rows: WindowInstance[], requests: WindowRequest[] = REQUESTS): WindowReport =>
  windowReport({ reference, instances: rows, requests, durationSeconds: 60, minSampleSize: 30 });

const namesStartingWith = (series: Record<string, number>, prefix: string) => Object.keys(series).filter((name) => name.startsWith(prefix));

const shiftedDistance = (i: number) => ({ set: { distance: 60 + i } });

describe('reportSeries: drift', () => {
  it('has no drift series at all, never a 0, when the window is too small to judge', () => {
    const series = reportSeries(report(profile([distance(), origin()]), instances(29)));
    expect(namesStartingWith(series, 'drift.')).toEqual([]);
    expect(namesStartingWith(series, 'prediction_drift.')).toEqual([]);
    expect(series).not.toHaveProperty('drift_share');
    expect(series).not.toHaveProperty('dataset_drift');
    // The window still has its other figures.
    expect(series['operations.request_count']).toBe(4);
    expect(series['quality.distance.null_rate']).toBe(0);
  });

  it('leaves out only the feature that lacks data, keeping the judged ones', () => {
    const series = reportSeries(report(profile([distance(), origin()]), instances(40, () => ({ set: { origin: null } }))));
    expect(namesStartingWith(series, 'drift.origin.')).toEqual([]);
    expect(namesStartingWith(series, 'drift.distance.').sort()).toEqual(['drift.distance.drifted', 'drift.distance.p_value', 'drift.distance.statistic']);
    expect(series.drift_share).toBe(0);
  });

  it('puts a test method (KS, chi-squared) statistic as .statistic, its p-value as .p_value, and a drifted feature as .drifted = 1', () => {
    const r = report(profile([distance(), origin()]), instances(40, shiftedDistance));
    const series = reportSeries(r);
    const [distanceDrift, originDrift] = r.featureDrift.map((f) => f.drift);
    if (distanceDrift.status !== 'ok' || originDrift.status !== 'ok') throw new Error('expected a score');
    expect([distanceDrift.method, originDrift.method]).toEqual(['ks', 'chi_squared']);
    expect(series['drift.distance.p_value']).toBe(distanceDrift.pValue);
    expect(series['drift.distance.p_value']).toBeLessThan(0.05);
    // KS D, not the p-value: the window (60 to 99) is above 60% of the reference (0.5 to 99.5).
    expect(series['drift.distance.statistic']).toBe(distanceDrift.statistic);
    expect(series['drift.distance.statistic']).toBeCloseTo(0.6, 12);
    expect(series['drift.distance.drifted']).toBe(1);
    // A judged feature that did not drift is a 0: it was judged.
    expect(series['drift.origin.drifted']).toBe(0);
    expect(series['drift.origin.p_value']).toBeGreaterThanOrEqual(0.05);
    expect(series['drift.origin.statistic']).toBe(originDrift.statistic);
    expect(series['drift.origin.statistic']).not.toBe(series['drift.origin.p_value']);
  });

  it('has no .statistic for an infinite chi-squared statistic (a category training never had), but keeps .p_value 0 and .drifted 1', () => {
    const r = report(profile([origin()]), instances(40, (i) => (i < 5 ? { set: { origin: 'LAX' } } : {})));
    const series = reportSeries(r);
    expect(r.featureDrift[0].drift).toMatchObject({ status: 'ok', method: 'chi_squared', statistic: Number.POSITIVE_INFINITY });
    expect(series).not.toHaveProperty(['drift.origin.statistic']);
    expect(series['drift.origin.p_value']).toBe(0);
    expect(series['drift.origin.drifted']).toBe(1);
  });

  it('puts a distance method (Wasserstein, Jensen-Shannon) score as .statistic', () => {
    const r = report(profile([distance(200), origin(20)]), instances(40, shiftedDistance));
    const series = reportSeries(r);
    expect(r.featureDrift.map((f) => f.drift.status === 'ok' && f.drift.method)).toEqual(['wasserstein', 'jensen_shannon']);
    expect(series['drift.distance.statistic']).toBeGreaterThanOrEqual(0.1);
    expect(series['drift.distance.drifted']).toBe(1);
    expect(series['drift.origin.statistic']).toBeLessThan(0.1);
    expect(series['drift.origin.drifted']).toBe(0);
    expect(namesStartingWith(series, 'drift.').filter((name) => name.endsWith('.p_value'))).toEqual([]);
  });

  it('carries the drift share, and the dataset drift as 1 or 0', () => {
    const one = reportSeries(report(profile([distance(), origin()]), instances(40, shiftedDistance)));
    expect(one.drift_share).toBe(0.5);
    expect(one.dataset_drift).toBe(1);
    const none = reportSeries(report(profile([distance(), origin()]), instances(40)));
    expect(none.drift_share).toBe(0);
    expect(none.dataset_drift).toBe(0);
  });

  it('puts the prediction drift under prediction_drift, not among the features', () => {
    const series = reportSeries(report(profile([distance()]), instances(40, (i) => ({ prediction: 0.95 + i / 1000 }))));
    expect(series['prediction_drift.p_value']).toBeLessThan(0.05);
    expect(series['prediction_drift.statistic']).toBeGreaterThan(0.5);
    expect(series['prediction_drift.drifted']).toBe(1);
    expect(series).not.toHaveProperty(['drift.__prediction__.p_value']);
    expect(series.drift_share).toBe(0);
  });
});

describe('reportSeries: quality', () => {
  it('gives each reference column its rates and its schema violation count', () => {
    const changed = (i: number): Record<string, LoggedValue> => (i < 4 ? { distance: null, origin: 'LAX' } : i < 6 ? { distance: 150, origin: 3 } : i < 7 ? { distance: 'far' } : {});
    const rows = instances(40, (i) => ({ set: changed(i) }));
    const series = reportSeries(report(profile([distance(), origin()]), rows));
    expect(series['quality.distance.null_rate']).toBe(0.1);
    expect(series['quality.distance.out_of_range_rate']).toBe(2 / 40);
    expect(series['quality.distance.schema_violations']).toBe(1);
    expect(series).not.toHaveProperty(['quality.distance.unseen_category_rate']);
    expect(series['quality.origin.unseen_category_rate']).toBe(0.1);
    expect(series['quality.origin.schema_violations']).toBe(2);
    expect(series['quality.origin.out_of_range_rate']).toBe(0);
  });

  it('has no unseen category rate when the reference had a long tail (unknown, not 0)', () => {
    const series = reportSeries(report(profile([origin(1, 10)]), instances(40, () => ({ set: { origin: 'LAX' } }))));
    expect(series).not.toHaveProperty(['quality.origin.unseen_category_rate']);
    expect(series['quality.origin.null_rate']).toBe(0);
  });

  it('has no quality series for an empty window', () => {
    expect(namesStartingWith(reportSeries(report(profile([distance(), origin()]), [], [])), 'quality.')).toEqual([]);
  });
});

describe('reportSeries: performance', () => {
  it('has label coverage (labelled / predictions) and the metrics once enough instances are labelled', () => {
    const r = report(profile([distance()]), instances(40, (i) => (i < 4 ? { label: null } : {})));
    const series = reportSeries(r);
    expect(series.label_coverage).toBe(36 / 40);
    if (r.performance.status !== 'ok') throw new Error('expected metrics');
    for (const [name, value] of Object.entries(r.performance.metrics)) expect(series[`performance.${name}`]).toBe(value);
    expect(namesStartingWith(series, 'performance.').sort()).toEqual(['performance.accuracy', 'performance.f1', 'performance.log_loss', 'performance.precision', 'performance.recall', 'performance.roc_auc']);
  });

  it('has label coverage but no metrics with too few labels', () => {
    const series = reportSeries(report(profile([distance()]), instances(40, (i) => (i < 20 ? { label: null } : {}))));
    expect(series.label_coverage).toBe(0.5);
    expect(namesStartingWith(series, 'performance.')).toEqual([]);
  });

  it('leaves out a metric that is undefined for the window (one class: no ROC-AUC, no recall)', () => {
    const series = reportSeries(report(profile([distance()]), instances(40, () => ({ label: 0 }))));
    expect(series).not.toHaveProperty(['performance.roc_auc']);
    expect(series).not.toHaveProperty(['performance.recall']);
    expect(series['performance.accuracy']).toBeGreaterThan(0);
  });
});

describe('reportSeries: operations', () => {
  it('has counts, error rate, throughput and latency percentiles of a window with traffic', () => {
    const series = reportSeries(report(profile([distance()]), instances(40)));
    expect(series).toMatchObject({
      'operations.request_count': 4,
      'operations.error_count': 1,
      'operations.error_rate': 0.25,
      'operations.throughput': 4 / 60,
      'operations.latency_p50_ms': 25,
    });
    expect(series['operations.latency_p90_ms']).toBeCloseTo(37, 9);
    expect(series['operations.latency_p99_ms']).toBeCloseTo(39.7, 9);
  });

  it('has only the zero counts for a window without requests: no error rate, throughput or latency', () => {
    const series = reportSeries(report(profile([distance()]), instances(40), []));
    expect(namesStartingWith(series, 'operations.').sort()).toEqual(['operations.error_count', 'operations.request_count']);
    expect(series['operations.request_count']).toBe(0);
    expect(series['operations.error_count']).toBe(0);
  });
});

describe('performanceSeries', () => {
  const ok: WindowPerformance = { status: 'ok', labelledCount: 30, metrics: { rmse: 2, mae: 1.5 }, slices: [] };
  const insufficient: WindowPerformance = { status: 'insufficient_data', labelledCount: 10, reason: 'too few', metrics: {}, slices: [] };

  it('has label coverage and every metric when performance is ok', () => {
    expect(performanceSeries(ok, 60)).toEqual({ label_coverage: 0.5, 'performance.rmse': 2, 'performance.mae': 1.5 });
  });

  it('has only label coverage when performance is insufficient data', () => {
    expect(performanceSeries(insufficient, 40)).toEqual({ label_coverage: 0.25 });
  });

  it('has no label coverage without predictions (0 of 0 is no coverage figure)', () => {
    expect(performanceSeries({ ...insufficient, labelledCount: 0 }, 0)).toEqual({});
  });

  it('leaves out a metric that is not a finite number', () => {
    expect(performanceSeries({ ...ok, metrics: { rmse: Number.NaN, mae: Number.POSITIVE_INFINITY, r2: 0.5 } }, 30)).toEqual({ label_coverage: 1, 'performance.r2': 0.5 });
  });
});

describe('isPerformanceSeries', () => {
  it.each([
    ['label_coverage', true],
    ['performance.accuracy', true],
    ['performance.roc_auc', true],
    ['drift_share', false],
    ['drift.performance.statistic', false],
    ['quality.performance.null_rate', false],
    ['label_coverage_rate', false],
    ['operations.error_rate', false],
  ])('%s: %s', (name, expected) => {
    expect(isPerformanceSeries(name)).toBe(expected);
  });

  it('covers every performance name reportSeries produces and no other', () => {
    const series = reportSeries(report(profile([distance()]), instances(40)));
    expect(Object.keys(series).filter(isPerformanceSeries)).toEqual(Object.keys(performanceSeries(report(profile([distance()]), instances(40)).performance, 40)));
  });
});
