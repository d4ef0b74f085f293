import { classificationMetrics } from './classification-metrics';
import reference from './fixtures/performance-reference.json';
import { regressionMetrics } from './regression-metrics';
import { windowPerformance, type WindowPerformance } from './performance';

const TOLERANCE = 1e-9;

/** Same metric names (an undefined one is absent on both sides), each value within 1e-9 (relative above 1). `expected` is a fixture's metrics. */
function expectMetricsClose(actual: Record<string, number>, expected: object): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, value] of Object.entries(expected) as [string, number][]) expect(Math.abs(actual[name] - value)).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(value)));
}

function expectOk(result: WindowPerformance): Extract<WindowPerformance, { status: 'ok' }> {
  if (result.status !== 'ok') throw new Error(`expected status ok, got ${result.status}: ${result.reason}`);
  return result;
}

describe('windowPerformance against scikit-learn', () => {
  const classified = reference.classification[0];

  it('classification: overall metrics, and per slice the most frequent values with at least minLabelled rows', () => {
    const result = expectOk(
      windowPerformance({ task: 'binary_classification', scores: classified.scores, labels: classified.labels, slices: classified.slices, maxSlicesPerFeature: classified.max_slices_per_feature }),
    );
    expect(result.labelledCount).toBe(classified.labels.length);
    expectMetricsClose(result.metrics, classified.metrics);
    expect(result.slices.map(({ feature, value, count }) => ({ feature, value, count }))).toEqual(classified.expected_slices.map(({ feature, value, count }) => ({ feature, value, count })));
    result.slices.forEach((slice, i) => expectMetricsClose(slice.metrics, classified.expected_slices[i].metrics));
  });

  it('classification at another threshold', () => {
    const c = reference.classification.find((k) => k.threshold !== 0.5)!;
    expectMetricsClose(expectOk(windowPerformance({ task: 'binary_classification', scores: c.scores, labels: c.labels, threshold: c.threshold })).metrics, c.metrics);
  });

  it.each(reference.regression.map((c) => [c.name, c] as const))('regression: %s', (_name, c) => {
    const result = expectOk(windowPerformance({ task: 'regression', scores: c.predictions, labels: c.labels, slices: c.slices }));
    expectMetricsClose(result.metrics, c.metrics);
    expect(result.slices.map(({ feature, value, count }) => ({ feature, value, count }))).toEqual(c.expected_slices.map(({ feature, value, count }) => ({ feature, value, count })));
    result.slices.forEach((slice, i) => expectMetricsClose(slice.metrics, c.expected_slices[i].metrics));
  });
});

describe('windowPerformance', () => {
  const scores = Array.from({ length: 40 }, (_, i) => (i % 10) / 10);
  const labels = scores.map((s, i) => (s >= 0.5 !== (i % 7 === 0) ? 1 : 0));

  it('reports insufficient data, with no metrics, below minLabelled', () => {
    expect(windowPerformance({ task: 'binary_classification', scores: scores.slice(0, 29), labels: labels.slice(0, 29) })).toEqual({
      status: 'insufficient_data',
      labelledCount: 29,
      reason: '29 labelled predictions in the window, fewer than 30',
      metrics: {},
      slices: [],
    });
    expect(windowPerformance({ task: 'regression', scores: [], labels: [] })).toMatchObject({ status: 'insufficient_data', labelledCount: 0, metrics: {} });
    expect(windowPerformance({ task: 'regression', scores: [1, 2], labels: [1, 3], minLabelled: 2 }).status).toBe('ok');
  });

  it('leaves roc_auc out of a single-class window and keeps the metrics that are defined', () => {
    const negatives = labels.map(() => 0);
    const result = expectOk(windowPerformance({ task: 'binary_classification', scores, labels: negatives }));
    expect(result.metrics).not.toHaveProperty('roc_auc');
    expect(result.metrics).not.toHaveProperty('recall');
    expect(result.metrics).toMatchObject({ accuracy: 0.5, precision: 0, f1: 0 });
    expect(result.metrics.log_loss).toBeGreaterThan(0);
  });

  it('gives each slice the metrics of its own rows (equal counts ordered by value)', () => {
    const values = scores.map((_, i) => (i % 3 === 0 ? 'a' : i % 3 === 1 ? null : 'b'));
    const result = expectOk(windowPerformance({ task: 'binary_classification', scores, labels, slices: [{ feature: 'f', values }], minLabelled: 10 }));
    const rowsOf = (value: string | null) => values.flatMap((v, i) => (v === value ? [i] : []));
    expect(result.slices).toEqual(
      (['a', 'b', null] as const).map((value) => {
        const rows = rowsOf(value);
        return { feature: 'f', value: value ?? 'null', count: rows.length, metrics: classificationMetrics(rows.map((i) => scores[i]), rows.map((i) => labels[i])) };
      }),
    );
  });

  it('leaves out slices below minLabelled and beyond maxSlicesPerFeature', () => {
    const values = scores.map((_, i) => (i < 20 ? 'big' : i < 32 ? 'medium' : i < 40 ? 'small' : 'none'));
    const slices = [{ feature: 'size', values }];
    const slicesOf = (minLabelled: number, maxSlicesPerFeature?: number) =>
      expectOk(windowPerformance({ task: 'regression', scores, labels, slices, minLabelled, maxSlicesPerFeature })).slices.map((s) => [s.value, s.count]);
    expect(slicesOf(10)).toEqual([['big', 20], ['medium', 12]]);
    expect(slicesOf(1)).toEqual([['big', 20], ['medium', 12], ['small', 8]]);
    expect(slicesOf(1, 1)).toEqual([['big', 20]]);
    expect(expectOk(windowPerformance({ task: 'regression', scores, labels, slices, minLabelled: 20 })).slices[0].metrics).toEqual(regressionMetrics(scores.slice(0, 20), labels.slice(0, 20)));
  });

  it('throws on inputs that do not line up or are not what the task needs', () => {
    expect(() => windowPerformance({ task: 'regression', scores: [1, 2], labels: [1] })).toThrow('scores has 2 values but labels has 1');
    expect(() => windowPerformance({ task: 'regression', scores, labels, slices: [{ feature: 'f', values: ['a'] }] })).toThrow('slice feature "f" has 1 values but there are 40 labels');
    expect(() => windowPerformance({ task: 'binary_classification', scores: [0.2, 0.7], labels: [0, 2] })).toThrow('classification labels must be 0 or 1; label 1 is 2');
    expect(() => windowPerformance({ task: 'binary_classification', scores: [0.2, 0.7], labels: [0, Number.NaN] })).toThrow('label 1 is NaN');
    expect(() => windowPerformance({ task: 'binary_classification', scores: [1.2, 0.7], labels: [0, 1] })).toThrow('classification scores must be probabilities in [0, 1]; score 0 is 1.2');
    expect(() => windowPerformance({ task: 'binary_classification', scores: [Number.NaN, 0.7], labels: [0, 1] })).toThrow('score 0 is NaN');
    expect(() => windowPerformance({ task: 'regression', scores: [1, Number.POSITIVE_INFINITY], labels: [1, 2] })).toThrow('regression scores and labels must be finite numbers; row 1');
    expect(() => windowPerformance({ task: 'regression', scores: [], labels: [], minLabelled: 0 })).toThrow('minLabelled must be at least 1, got 0');
  });
});
