import { featureDrift } from '../drift/drift-score';
import { ksTwoSample, normedWasserstein } from '../drift/statistics';
import { classificationMetrics } from '../performance/classification-metrics';
import { regressionMetrics } from '../performance/regression-metrics';
import { type LoggedValue } from '../quality/data-quality';
import { type ReferenceFeature, type ReferenceProfile } from './reference-profile';
import { DATASET_DRIFT_SHARE, type FeatureDriftResult, instancePerformance, PREDICTION_FEATURE, type WindowInstance, windowReport, type WindowReport, type WindowRequest } from './window-report';

// A hand-built training reference: 100 rows, so the default methods are the tests (KS, chi-squared, Z).
const DISTANCE_SAMPLE = Array.from({ length: 100 }, (_, i) => i + 0.5); // uniform on [0, 100]
const tenths = (scale: number) => Array.from({ length: 11 }, (_, i) => i * scale);

function numericFeature(name: string, sample: number[], binEdges: number[], binCounts: number[], min: number, max: number): ReferenceFeature {
  return { name, kind: 'numeric', drift: { kind: 'numeric', sampleValues: sample, binEdges, binCounts }, quality: { name, kind: 'numeric', min, max } };
}

function categoricalFeature(name: string, categories: { value: string; count: number }[]): ReferenceFeature {
  return {
    name, kind: 'categorical',
    drift: { kind: 'categorical', categories, otherCount: 0 },
    quality: { name, kind: 'categorical', categories: new Set(categories.map((c) => c.value)), complete: true },
  };
}

/** `rowsPerBin` 10 gives a reference of 100 rows (tests); 200 one of 2,000 rows (distances). */
const distance = (rowsPerBin = 10) => numericFeature('distance', DISTANCE_SAMPLE, tenths(10), Array.from({ length: 10 }, () => rowsPerBin), 0, 100);
const origin = (scale = 1) => categoricalFeature('origin', [{ value: 'SFO', count: 50 * scale }, { value: 'JFK', count: 30 * scale }, { value: 'ORD', count: 20 * scale }]);
/** A training bool column: profiled as numbers 0/1 (60 false, 40 true). */
const weekend = () => numericFeature('is_weekend', Array.from({ length: 100 }, (_, i) => (i < 60 ? 0 : 1)), [0, 0.5, 1], [60, 40], 0, 1);
const score = () => numericFeature('score', DISTANCE_SAMPLE.map((v) => v / 100), tenths(0.1), Array.from({ length: 10 }, () => 10), 0, 1);

const profile = (features: ReferenceFeature[], prediction: ReferenceFeature = score(), task: ReferenceProfile['task'] = 'binary_classification'): ReferenceProfile => ({ features, prediction, task });

/** Like the reference: distance spread over [0, 100], origins 50/30/20, 40% weekend, scores spread over [0, 1]. */
const usualDistance = (i: number) => 1 + ((i * 37) % 40) * 2.5;
const usualOrigin = (i: number) => (i % 10 < 5 ? 'SFO' : i % 10 < 8 ? 'JFK' : 'ORD');
const usualWeekend = (i: number) => i % 5 < 2;
const usualScore = (i: number) => usualDistance(i) / 100;
const labelOf = (i: number) => (usualScore(i) >= 0.5 !== (i % 7 === 0) ? 1 : 0);

function instances(n: number, change: (i: number) => Partial<WindowInstance> & { set?: Record<string, LoggedValue> } = () => ({})): WindowInstance[] {
  return Array.from({ length: n }, (_, i) => {
    const usual: WindowInstance = { inputs: { distance: usualDistance(i), origin: usualOrigin(i), is_weekend: usualWeekend(i) }, prediction: usualScore(i), label: labelOf(i) };
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

const report = (reference: ReferenceProfile, rows: WindowInstance[], minSampleSize = 30, requests: WindowRequest[] = REQUESTS) =>
  windowReport({ reference, instances: rows, requests, durationSeconds: 60, minSampleSize });

const driftOf = (r: WindowReport, feature: string): FeatureDriftResult => {
  const found = r.featureDrift.find((f) => f.feature === feature);
  if (!found) throw new Error(`no drift for ${feature}`);
  return found;
};

function scored(result: FeatureDriftResult) {
  if (result.drift.status !== 'ok') throw new Error(`expected a drift score for ${result.feature}, got ${result.drift.status}: ${result.drift.reason}`);
  return result.drift;
}

const columnOf = (r: WindowReport, name: string) => r.quality.columns.find((c) => c.name === name)!;

describe('windowReport: drift', () => {
  it('gives every reference feature a drift result, in reference order, with its kind', () => {
    const r = report(profile([distance(), origin(), weekend()]), instances(40));
    expect(r.featureDrift.map((f) => [f.feature, f.kind])).toEqual([['distance', 'numeric'], ['origin', 'categorical'], ['is_weekend', 'numeric']]);
    expect(r.predictionCount).toBe(40);
  });

  it('picks the test methods on a reference of at most 1000 rows and finds no drift in a window like it', () => {
    const r = report(profile([distance(), origin(), weekend()]), instances(40));
    expect(scored(driftOf(r, 'distance'))).toMatchObject({ method: 'ks', drifted: false, referenceSize: 100, currentSize: 40 });
    expect(scored(driftOf(r, 'origin'))).toMatchObject({ method: 'chi_squared', drifted: false, referenceSize: 100, currentSize: 40 });
    expect(scored(driftOf(r, 'is_weekend'))).toMatchObject({ method: 'z_test', drifted: false, currentSize: 40 });
    expect(r.driftShare).toBe(0);
    expect(r.datasetDrift).toBe(false);
  });

  it('finds a clearly shifted numeric feature drifted, with the KS p-value of the window against the reference sample', () => {
    const shifted = instances(40, (i) => ({ set: { distance: 60 + i } }));
    const drift = scored(driftOf(report(profile([distance()]), shifted), 'distance'));
    expect(drift.method).toBe('ks');
    expect(drift.drifted).toBe(true);
    expect(drift.score).toBeLessThan(0.05);
    expect(drift.score).toBe(ksTwoSample(DISTANCE_SAMPLE, Array.from({ length: 40 }, (_, i) => 60 + i)).pValue);
  });

  it('uses a distance on a reference of more than 1000 rows: normed Wasserstein, drifted at 0.1 or more', () => {
    const shiftedValues = Array.from({ length: 40 }, (_, i) => 60 + i);
    const drift = scored(driftOf(report(profile([distance(200)]), instances(40, (i) => ({ set: { distance: shiftedValues[i] } }))), 'distance'));
    expect(drift).toMatchObject({ method: 'wasserstein', threshold: 0.1, drifted: true, referenceSize: 2000 });
    expect(drift.score).toBeCloseTo(normedWasserstein(DISTANCE_SAMPLE, shiftedValues), 12);
    expect(scored(driftOf(report(profile([origin(20)]), instances(40)), 'origin'))).toMatchObject({ method: 'jensen_shannon', drifted: false });
  });

  it('finds a categorical feature drifted when the window holds other categories than training', () => {
    const drift = scored(driftOf(report(profile([origin()]), instances(40, (i) => ({ set: { origin: i < 30 ? 'ORD' : 'SFO' } }))), 'origin'));
    expect(drift).toMatchObject({ method: 'chi_squared', drifted: true });
  });

  it('is insufficient data, with no score and no share, below minSampleSize values', () => {
    const r = report(profile([distance(), origin(), weekend()]), instances(29));
    for (const f of r.featureDrift) expect(f.drift).toMatchObject({ status: 'insufficient_data', currentSize: 29 });
    expect(r.featureDrift.every((f) => !('score' in f.drift))).toBe(true);
    expect(r.predictionDrift?.drift.status).toBe('insufficient_data');
    expect(r.driftShare).toBeUndefined();
    expect(r.datasetDrift).toBeUndefined();
  });

  it('honours a minSampleSize other than the default', () => {
    expect(driftOf(report(profile([distance()]), instances(29), 20), 'distance').drift.status).toBe('ok');
    expect(driftOf(report(profile([distance()]), instances(40), 50), 'distance').drift).toMatchObject({ status: 'insufficient_data', currentSize: 40 });
  });

  it('counts only non-null values towards the sample: nulls, missing inputs and NaN leave a feature short', () => {
    const rows = instances(40, (i) => ({ set: { distance: i < 5 ? null : i < 10 ? Number.NaN : usualDistance(i) } }));
    rows[10] = { ...rows[10], inputs: Object.fromEntries(Object.entries(rows[10].inputs).filter(([name]) => name !== 'distance')) };
    const r = report(profile([distance()]), rows);
    expect(driftOf(r, 'distance').drift).toMatchObject({ status: 'insufficient_data', currentSize: 29 });
    expect(columnOf(r, 'distance')).toMatchObject({ count: 40, nullCount: 11 });
  });

  it('leaves values of the wrong type out of drift, and data quality counts them as schema violations', () => {
    const rows = instances(40, (i) => (i < 5 ? { set: { distance: 'far', origin: 7 } } : {}));
    const r = report(profile([distance(), origin()]), rows);
    expect(scored(driftOf(r, 'distance')).currentSize).toBe(35);
    expect(scored(driftOf(r, 'origin')).currentSize).toBe(35);
    expect(columnOf(r, 'distance').typeViolations).toBe(5);
    expect(columnOf(r, 'origin').typeViolations).toBe(5);

    const mostlyWrong = report(profile([distance()]), instances(40, (i) => (i < 15 ? { set: { distance: 'far' } } : {})));
    expect(driftOf(mostlyWrong, 'distance').drift).toMatchObject({ status: 'insufficient_data', currentSize: 25 });
  });

  it('counts booleans as 0 and 1 for a numeric feature (a training bool column is profiled as numbers)', () => {
    const rows = instances(40);
    const r = report(profile([weekend()]), rows);
    const expected = featureDrift(weekend().drift, rows.map((row) => (row.inputs.is_weekend ? 1 : 0)), { minCurrentSize: 30 });
    expect(driftOf(r, 'is_weekend').drift).toEqual(expected);
    expect(scored(driftOf(r, 'is_weekend')).currentSize).toBe(40);

    const allWeekend = report(profile([weekend()]), instances(40, () => ({ set: { is_weekend: true } })));
    expect(scored(driftOf(allWeekend, 'is_weekend')).drifted).toBe(true);
  });

  it('does not count booleans in a numeric feature as schema violations, since drift uses them as 0/1', () => {
    const r = report(profile([weekend()]), instances(40));
    expect(scored(driftOf(r, 'is_weekend')).currentSize).toBe(40);
    expect(columnOf(r, 'is_weekend').typeViolations).toBe(0);
  });

  it('reads a Date of a numeric feature in epoch milliseconds, the unit training profiles timestamps in', () => {
    const base = Date.UTC(2025, 5, 1);
    const sample = Array.from({ length: 100 }, (_, i) => base + i * 60_000);
    const departure = numericFeature('departure', sample, Array.from({ length: 11 }, (_, i) => base + i * 600_000), Array.from({ length: 10 }, () => 10), base, base + 99 * 60_000);
    const rows = instances(40, (i) => ({ set: { departure: new Date(base + ((i * 37) % 40) * 150_000) } }));
    expect(scored(driftOf(report(profile([departure]), rows), 'departure')).drifted).toBe(false);
  });

  it('judges the prediction against its reference apart from the features', () => {
    const rows = instances(40, (i) => ({ prediction: 0.95 + i / 1000 }));
    const r = report(profile([distance()]), rows);
    expect(r.predictionDrift).toMatchObject({ feature: PREDICTION_FEATURE, kind: 'numeric' });
    expect(scored(r.predictionDrift!)).toMatchObject({ method: 'ks', drifted: true, currentSize: 40 });
    expect(r.driftShare).toBe(0);
    expect(r.datasetDrift).toBe(false);
    expect(PREDICTION_FEATURE).toBe('__prediction__');
  });

  it('has no prediction drift without a prediction reference, and leaves null predictions out of it', () => {
    expect(report({ features: [distance()], prediction: undefined, task: 'binary_classification' }, instances(40)).predictionDrift).toBeUndefined();
    const r = report(profile([distance()]), instances(40, (i) => (i < 15 ? { prediction: null } : {})));
    expect(r.predictionDrift?.drift).toMatchObject({ status: 'insufficient_data', currentSize: 25 });
  });
});

describe('windowReport: drift share and dataset drift', () => {
  const shiftDistance = (i: number) => ({ set: { distance: 60 + i } });
  const shiftOrigin = (i: number) => ({ set: { origin: i < 30 ? 'ORD' : 'SFO' } });
  const both = (i: number) => ({ set: { ...shiftDistance(i).set, ...shiftOrigin(i).set } });

  it('is the share of judged features that drifted; the dataset drifts at a share of 0.5 or more', () => {
    expect(DATASET_DRIFT_SHARE).toBe(0.5);
    const one = report(profile([distance(), origin(), weekend()]), instances(40, shiftDistance));
    expect(one.driftShare).toBeCloseTo(1 / 3, 12);
    expect(one.datasetDrift).toBe(false);
    const two = report(profile([distance(), origin(), weekend()]), instances(40, both));
    expect(two.driftShare).toBeCloseTo(2 / 3, 12);
    expect(two.datasetDrift).toBe(true);
  });

  it('counts only features with enough data: one drifted of two judged is exactly 0.5, a dataset drift', () => {
    const rows = instances(40, (i) => ({ set: { ...shiftDistance(i).set, is_weekend: null } }));
    const r = report(profile([distance(), origin(), weekend()]), rows);
    expect(driftOf(r, 'is_weekend').drift.status).toBe('insufficient_data');
    expect(r.driftShare).toBe(0.5);
    expect(r.datasetDrift).toBe(true);
  });

  it('is undefined, not 0, when no feature could be judged', () => {
    const r = report(profile([distance(), origin()]), instances(40, () => ({ set: { distance: null, origin: null } })));
    expect(r.driftShare).toBeUndefined();
    expect(r.datasetDrift).toBeUndefined();
    expect(report(profile([]), instances(40)).driftShare).toBeUndefined();
  });
});

describe('windowReport: quality and operations', () => {
  it('checks quality against the reference columns: out of range, unseen categories, unexpected columns', () => {
    const rows = instances(40, (i) => (i < 4 ? { set: { distance: 150, origin: 'LAX', carrier: 'AA' } } : {}));
    const r = report(profile([distance(), origin()]), rows);
    expect(columnOf(r, 'distance')).toMatchObject({ count: 40, outOfRange: 4 });
    expect(columnOf(r, 'origin')).toMatchObject({ count: 40, unseen: 4 });
    expect(r.quality.unexpectedColumns).toEqual(['carrier', 'is_weekend']);
  });

  it('computes operations from every request, failed ones included', () => {
    const r = report(profile([distance()]), instances(40));
    expect(r.operations).toMatchObject({ requestCount: 4, errorCount: 1, errorRate: 0.25, throughput: 4 / 60, errorsByCode: { UNAVAILABLE: 1 } });
    expect(r.operations.latencyP50Ms).toBe(25);
  });

  it('reports an empty window as no traffic: no latency, no drift, no metrics', () => {
    const r = report(profile([distance(), origin()]), [], 30, []);
    expect(r.predictionCount).toBe(0);
    expect(r.operations).toMatchObject({ requestCount: 0, errorCount: 0, latencyP50Ms: undefined, latencyP99Ms: undefined });
    expect(r.driftShare).toBeUndefined();
    expect(r.performance).toMatchObject({ status: 'insufficient_data', labelledCount: 0 });
  });
});

describe('windowReport: performance', () => {
  it('uses the labelled instances only: a missing label or prediction leaves the instance out', () => {
    const rows = instances(40, (i) => (i < 3 ? { label: null } : i < 5 ? { prediction: null } : {}));
    const r = report(profile([distance()]), rows);
    expect(r.performance.status).toBe('ok');
    expect(r.performance.labelledCount).toBe(35);
    const kept = rows.slice(5);
    expect(r.performance.metrics).toEqual(classificationMetrics(kept.map((row) => row.prediction!), kept.map((row) => row.label!)));
  });

  it('is insufficient data with fewer labelled instances than minSampleSize', () => {
    const r = report(profile([distance()]), instances(40, (i) => (i < 15 ? { label: null } : {})));
    expect(r.performance).toMatchObject({ status: 'insufficient_data', labelledCount: 25, metrics: {} });
  });

  it('computes regression metrics for a regression model', () => {
    const rows = instances(40, (i) => ({ prediction: i, label: i + 2 }));
    const r = report(profile([distance()], score(), 'regression'), rows);
    expect(r.performance.metrics).toEqual({ rmse: 2, mae: 2 });
  });
});

describe('instancePerformance', () => {
  it('slices by every categorical feature, not by numeric ones, rendering a missing value as "null"', () => {
    const rows = instances(60, (i) => (i >= 50 ? { set: { origin: null } } : {}));
    const performance = instancePerformance(profile([distance(), origin(), weekend()]), rows, 10);
    if (performance.status !== 'ok') throw new Error('expected metrics');
    expect(performance.slices.map(({ feature, value, count }) => ({ feature, value, count }))).toEqual([
      { feature: 'origin', value: 'SFO', count: 25 },
      { feature: 'origin', value: 'JFK', count: 15 },
      { feature: 'origin', value: 'ORD', count: 10 },
      { feature: 'origin', value: 'null', count: 10 },
    ]);
    const sfo = rows.filter((row) => row.inputs.origin === 'SFO');
    expect(performance.slices[0].metrics).toEqual(classificationMetrics(sfo.map((row) => row.prediction!), sfo.map((row) => row.label!)));
  });

  it('slices the labelled instances only, and leaves out slices smaller than minSampleSize', () => {
    const rows = instances(60, (i) => (usualOrigin(i) === 'JFK' && i % 10 !== 5 ? { label: null } : {}));
    const performance = instancePerformance(profile([origin()]), rows, 10);
    expect(performance.labelledCount).toBe(48);
    expect(performance.slices.map((s) => [s.value, s.count])).toEqual([['SFO', 30], ['ORD', 12]]);
  });

  it("leaves a classifier's labels other than 0 and 1 out of its figures", () => {
    const clean = instances(60);
    const withStray = clean.map((row, i) => (i % 6 === 0 ? { ...row, label: 2 } : row));
    const performance = instancePerformance(profile([distance()]), withStray, 10);
    const kept = clean.filter((_, i) => i % 6 !== 0);
    expect(performance.labelledCount).toBe(kept.length);
    expect(performance.metrics).toEqual(classificationMetrics(kept.map((row) => row.prediction!), kept.map((row) => row.label!)));
  });

  it("leaves a classifier's scores outside [0, 1] or not finite out of its figures instead of throwing", () => {
    const clean = instances(60);
    const strays = [1.2, -0.1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 100];
    const withStray = clean.map((row, i) => (i % 10 === 0 ? { ...row, prediction: strays[i / 10] } : row));
    const performance = instancePerformance(profile([distance(), origin()]), withStray, 10);
    const kept = clean.filter((_, i) => i % 10 !== 0);
    expect(performance).toMatchObject({ status: 'ok', labelledCount: 54 });
    expect(performance.metrics).toEqual(classificationMetrics(kept.map((row) => row.prediction!), kept.map((row) => row.label!)));
    // The boundaries are probabilities and stay in.
    const edges = clean.map((row, i) => (i === 0 ? { ...row, prediction: 0 } : i === 1 ? { ...row, prediction: 1 } : row));
    expect(instancePerformance(profile([distance()]), edges, 10).labelledCount).toBe(60);
  });

  it('leaves a non-finite regression prediction or label out of its figures instead of throwing', () => {
    const rows = instances(40, (i) => ({ prediction: i, label: i + 2 }));
    const stray = rows.map((row, i) =>
      i === 0 ? { ...row, prediction: Number.NaN } : i === 1 ? { ...row, label: Number.POSITIVE_INFINITY } : i === 2 ? { ...row, prediction: Number.NEGATIVE_INFINITY } : row,
    );
    const performance = instancePerformance(profile([distance()], score(), 'regression'), stray, 10);
    const kept = rows.slice(3);
    expect(performance).toMatchObject({ status: 'ok', labelledCount: 37 });
    expect(performance.metrics).toEqual(regressionMetrics(kept.map((row) => row.prediction!), kept.map((row) => row.label!)));
    // A regression's labels are not 0/1: a label of 2 or a prediction of 7.5 counts.
    expect(instancePerformance(profile([distance()], score(), 'regression'), instances(40, () => ({ prediction: 7.5, label: 2 })), 10).metrics).toEqual({ rmse: 5.5, mae: 5.5 });
  });

  it('is insufficient data with a reason for a multiclass model, never throwing on its class labels', () => {
    const rows = instances(60, (i) => ({ prediction: i % 3, label: i < 10 ? null : (i + 1) % 3 }));
    expect(instancePerformance(profile([distance(), origin()], score(), 'multiclass'), rows, 10)).toEqual({
      status: 'insufficient_data', labelledCount: 50, reason: 'performance of multiclass models is not computed yet', metrics: {}, slices: [],
    });
  });

  it("is insufficient data with a reason when the model's task is unknown", () => {
    expect(instancePerformance(profile([distance()], score(), 'unknown'), instances(40, (i) => (i < 5 ? { prediction: null } : {})), 10)).toEqual({
      status: 'insufficient_data', labelledCount: 35, reason: "the model's task is unknown: the registry announced none", metrics: {}, slices: [],
    });
  });

  it('a multiclass or unknown-task window still has its drift, quality and operations', () => {
    for (const task of ['multiclass', 'unknown'] as const) {
      const r = report(profile([distance()], score(), task), instances(40, (i) => ({ set: { distance: 60 + i }, label: 2 })));
      expect(r.performance.status).toBe('insufficient_data');
      expect(scored(driftOf(r, 'distance')).drifted).toBe(true);
      expect(r.operations.requestCount).toBe(4);
    }
  });
});
