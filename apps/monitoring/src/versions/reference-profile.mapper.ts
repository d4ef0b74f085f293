import { commonV1 } from '@mlops/proto';
import { type ModelTask, type ReferenceFeature, type ReferenceProfile } from '../domain/report/reference-profile';

/** A version's stored reference profile (wire form) as monitoring compares with it. Columns of no known distribution are left out. */
export function referenceProfileFrom(profile: commonV1.ReferenceProfile, task: commonV1.TaskType): ReferenceProfile {
  return {
    features: profile.features.flatMap((f) => referenceFeature(f) ?? []),
    prediction: profile.prediction && referenceFeature(profile.prediction),
    task: modelTaskFrom(task),
  };
}

/** The registry's task type; unspecified (a model registered without one) or a number this build does not know is 'unknown'. */
export function modelTaskFrom(task: commonV1.TaskType): ModelTask {
  switch (task) {
    case commonV1.TaskType.TASK_TYPE_BINARY_CLASSIFICATION:
      return 'binary_classification';
    case commonV1.TaskType.TASK_TYPE_MULTICLASS_CLASSIFICATION:
      return 'multiclass';
    case commonV1.TaskType.TASK_TYPE_REGRESSION:
      return 'regression';
    case commonV1.TaskType.TASK_TYPE_UNSPECIFIED:
    case commonV1.TaskType.UNRECOGNIZED:
    default:
      return 'unknown';
  }
}

function referenceFeature(profile: commonV1.FeatureProfile): ReferenceFeature | undefined {
  const { name, distribution } = profile;
  if (distribution?.$case === 'numeric') {
    const n = distribution.value;
    return {
      name, kind: 'numeric',
      drift: { kind: 'numeric', sampleValues: n.sampleValues, binEdges: n.binEdges, binCounts: n.binCounts },
      quality: { name, kind: 'numeric', min: n.min, max: n.max },
    };
  }
  if (distribution?.$case === 'categorical') {
    const c = distribution.value;
    const categories = c.categories.map((k) => ({ value: k.value, count: k.count }));
    return {
      name, kind: 'categorical',
      drift: { kind: 'categorical', categories, otherCount: c.otherCount },
      quality: { name, kind: 'categorical', categories: new Set(categories.map((k) => k.value)), complete: c.otherCount === 0 },
    };
  }
  return undefined;
}
