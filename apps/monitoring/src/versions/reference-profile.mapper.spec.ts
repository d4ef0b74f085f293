import { commonV1 } from '@mlops/proto';
import { type ModelTask } from '../domain/report/reference-profile';
import { modelTaskFrom, referenceProfileFrom } from './reference-profile.mapper';

const { TaskType } = commonV1;

const wire = commonV1.ReferenceProfile.fromPartial({
  rowCount: 100,
  features: [
    { name: 'distance', distribution: { $case: 'numeric', value: { min: 0, max: 100, binEdges: [0, 50, 100], binCounts: [60, 40], sampleValues: [1, 2, 3] } } },
    { name: 'origin', distribution: { $case: 'categorical', value: { categories: [{ value: 'SFO', count: 70 }, { value: 'JFK', count: 20 }], otherCount: 10 } } },
    { name: 'blob' },
  ],
  prediction: { name: 'score', distribution: { $case: 'numeric', value: { min: 0, max: 1, binEdges: [0, 1], binCounts: [100], sampleValues: [0.5] } } },
});

describe('modelTaskFrom', () => {
  it.each<[commonV1.TaskType, ModelTask]>([
    [TaskType.TASK_TYPE_BINARY_CLASSIFICATION, 'binary_classification'],
    [TaskType.TASK_TYPE_MULTICLASS_CLASSIFICATION, 'multiclass'],
    [TaskType.TASK_TYPE_REGRESSION, 'regression'],
    [TaskType.TASK_TYPE_UNSPECIFIED, 'unknown'],
    [TaskType.UNRECOGNIZED, 'unknown'],
    [42 as commonV1.TaskType, 'unknown'],
  ])('%s → %s', (task, expected) => {
    expect(modelTaskFrom(task)).toBe(expected);
  });
});

describe('referenceProfileFrom', () => {
  it('carries the task mapped from the registry task type', () => {
    expect(referenceProfileFrom(wire, TaskType.TASK_TYPE_MULTICLASS_CLASSIFICATION).task).toBe('multiclass');
    expect(referenceProfileFrom(wire, TaskType.TASK_TYPE_UNSPECIFIED).task).toBe('unknown');
    expect(referenceProfileFrom(wire, TaskType.TASK_TYPE_BINARY_CLASSIFICATION).task).toBe('binary_classification');
    expect(referenceProfileFrom(wire, TaskType.TASK_TYPE_REGRESSION).task).toBe('regression');
  });

  it('maps numeric and categorical columns for drift and quality, leaving out a column of no known distribution', () => {
    const profile = referenceProfileFrom(wire, TaskType.TASK_TYPE_BINARY_CLASSIFICATION);
    expect(profile.features.map((f) => [f.name, f.kind])).toEqual([['distance', 'numeric'], ['origin', 'categorical']]);
    expect(profile.features[0]).toEqual({
      name: 'distance', kind: 'numeric',
      drift: { kind: 'numeric', sampleValues: [1, 2, 3], binEdges: [0, 50, 100], binCounts: [60, 40] },
      quality: { name: 'distance', kind: 'numeric', min: 0, max: 100 },
    });
    expect(profile.features[1]).toEqual({
      name: 'origin', kind: 'categorical',
      drift: { kind: 'categorical', categories: [{ value: 'SFO', count: 70 }, { value: 'JFK', count: 20 }], otherCount: 10 },
      quality: { name: 'origin', kind: 'categorical', categories: new Set(['SFO', 'JFK']), complete: false },
    });
    expect(profile.prediction).toMatchObject({ name: 'score', kind: 'numeric', quality: { min: 0, max: 1 } });
  });
});
