import { commonV1, monitoringV1 as pb } from '@mlops/proto';
import { featureDrift, type ReferenceColumn } from '../domain/drift/drift-score';
import { chiSquared, jensenShannonDistance, ksTwoSample, zTestProportions } from '../domain/drift/statistics';
import { type FeatureDriftResult } from '../domain/report/window-report';
import { driftResultTo } from './report.mapper';

const repeat = (value: string, times: number) => Array.from({ length: times }, () => value);
const SAMPLE = Array.from({ length: 100 }, (_, i) => i + 0.5);
const SHIFTED = Array.from({ length: 40 }, (_, i) => 60 + i);
const numeric: ReferenceColumn = { kind: 'numeric', sampleValues: SAMPLE, binEdges: Array.from({ length: 11 }, (_, i) => i * 10), binCounts: Array.from({ length: 10 }, () => 10) };
const categories = (scale: number): ReferenceColumn => ({ kind: 'categorical', categories: [{ value: 'a', count: 50 * scale }, { value: 'b', count: 30 * scale }, { value: 'c', count: 20 * scale }], otherCount: 0 });
const WINDOW = [...repeat('a', 40), ...repeat('b', 35), ...repeat('c', 25)];

const result = (feature: string, kind: FeatureDriftResult['kind'], drift: FeatureDriftResult['drift']): FeatureDriftResult => ({ feature, kind, drift });

describe('driftResultTo', () => {
  it('a KS test: statistic is D and pValue the p-value, drifted below the threshold', () => {
    const ks = ksTwoSample(SAMPLE, SHIFTED);
    const proto = driftResultTo(result('distance', 'numeric', featureDrift(numeric, SHIFTED)));
    expect(proto).toEqual({
      feature: 'distance', type: commonV1.DataType.DATA_TYPE_FLOAT, method: pb.DriftMethod.DRIFT_METHOD_KOLMOGOROV_SMIRNOV,
      status: pb.StatStatus.STAT_STATUS_DRIFT, statistic: ks.statistic, pValue: ks.pValue, threshold: 0.05, referenceSize: 100, currentSize: 40,
    });
    expect(proto.statistic).not.toBe(proto.pValue);
  });

  it('a chi-squared test: the chi-squared statistic and its p-value', () => {
    const chi = chiSquared([50, 30, 20], [40, 35, 25]);
    const proto = driftResultTo(result('origin', 'categorical', featureDrift(categories(1), WINDOW)));
    expect(proto).toMatchObject({
      type: commonV1.DataType.DATA_TYPE_CATEGORICAL, method: pb.DriftMethod.DRIFT_METHOD_CHI_SQUARED, status: pb.StatStatus.STAT_STATUS_OK,
      statistic: chi.statistic, pValue: chi.pValue, threshold: 0.05,
    });
  });

  it('a Z-test: the signed z and its p-value', () => {
    const binary: ReferenceColumn = { kind: 'categorical', categories: [{ value: 'false', count: 700 }, { value: 'true', count: 300 }], otherCount: 0 };
    const z = zTestProportions(700, 1000, 40, 100);
    const proto = driftResultTo(result('flag', 'categorical', featureDrift(binary, [...repeat('false', 40), ...repeat('true', 60)])));
    expect(proto).toMatchObject({ method: pb.DriftMethod.DRIFT_METHOD_Z_TEST, status: pb.StatStatus.STAT_STATUS_DRIFT, statistic: z.statistic, pValue: z.pValue });
  });

  it('a distance (Jensen-Shannon): the distance as statistic and no p-value', () => {
    const proto = driftResultTo(result('origin', 'categorical', featureDrift(categories(20), WINDOW)));
    expect(proto).toMatchObject({ method: pb.DriftMethod.DRIFT_METHOD_JENSEN_SHANNON, status: pb.StatStatus.STAT_STATUS_OK, threshold: 0.1 });
    expect(proto.statistic).toBe(jensenShannonDistance([50, 30, 20], [40, 35, 25]));
    expect(proto.pValue).toBeUndefined();
  });

  it('insufficient data: neither statistic nor p-value, the sizes kept', () => {
    const proto = driftResultTo(result('distance', 'numeric', featureDrift(numeric, [1, 2, 3])));
    expect(proto).toEqual({
      feature: 'distance', type: commonV1.DataType.DATA_TYPE_FLOAT, method: pb.DriftMethod.DRIFT_METHOD_UNSPECIFIED,
      status: pb.StatStatus.STAT_STATUS_INSUFFICIENT_DATA, threshold: 0, referenceSize: 100, currentSize: 3,
    });
  });

  it('an infinite chi-squared statistic survives the JSON the report is stored as', () => {
    const drift = featureDrift(categories(1), [...WINDOW, ...repeat('zz', 5)], { method: 'chi_squared' });
    const proto = driftResultTo(result('origin', 'categorical', drift));
    expect(proto).toMatchObject({ statistic: Number.POSITIVE_INFINITY, pValue: 0, status: pb.StatStatus.STAT_STATUS_DRIFT });
    const stored = JSON.parse(JSON.stringify(pb.DriftResult.toJSON(proto))) as unknown;
    expect(pb.DriftResult.fromJSON(stored)).toMatchObject({ statistic: Number.POSITIVE_INFINITY, pValue: 0 });
  });
});
