import { commonV1 } from '@mlops/proto';
import { type ReferenceProfile } from '../domain/pipeline/run-pipeline';
import { type FeatureProfile, QUANTILES, SAMPLE_SEED } from '../domain/profile';

/** The domain's profile in the shared wire format monitoring reads (counts rather than rates). */
export function referenceProfileOf(profile: ReferenceProfile, snapshotId: string): commonV1.ReferenceProfile {
  return {
    rowCount: profile.rowCount,
    features: profile.features.map(featureProfileOf),
    label: featureProfileOf(profile.label),
    prediction: featureProfileOf(profile.prediction),
    datasetSnapshotId: snapshotId,
    createdAt: undefined,
  };
}

function featureProfileOf(p: FeatureProfile): commonV1.FeatureProfile {
  const nullCount = Math.round(p.nullRate * p.count);
  const present = p.count - nullCount;
  if (p.kind === 'numeric') {
    return {
      name: p.name, type: commonV1.DataType.DATA_TYPE_FLOAT, count: p.count, nullCount,
      distribution: {
        $case: 'numeric',
        value: {
          min: p.min, max: p.max, mean: p.mean, stddev: p.std,
          quantiles: p.quantiles.map((value, i) => ({ level: QUANTILES[i], value })),
          binEdges: p.histogram.edges, binCounts: p.histogram.counts, sampleValues: p.sample, sampleSeed: SAMPLE_SEED,
        },
      },
    };
  }
  const categories = Object.entries(p.frequencies).map(([value, frequency]) => ({ value, count: Math.round(frequency * present) }));
  return { name: p.name, type: commonV1.DataType.DATA_TYPE_CATEGORICAL, count: p.count, nullCount, distribution: { $case: 'categorical', value: { categories, otherCount: Math.round(p.otherFrequency * present) } } };
}
