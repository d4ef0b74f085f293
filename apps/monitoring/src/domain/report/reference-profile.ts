import { type ReferenceColumn } from '../drift/drift-score';
import { type ColumnReference } from '../quality/data-quality';

/** One column of a model version's training reference, in the forms drift and quality need. */
export interface ReferenceFeature {
  name: string;
  kind: 'numeric' | 'categorical';
  drift: ReferenceColumn;
  quality: ColumnReference;
}

/**
 * The model's task as the registry announced it (mlops.common.v1.TaskType). Performance is computed
 * for binary classification and regression only; 'unknown' is a model the registry gave no task.
 */
export type ModelTask = 'binary_classification' | 'multiclass' | 'regression' | 'unknown';

/** What monitoring compares a version's live traffic with (built from the training run's ReferenceProfile). */
export interface ReferenceProfile {
  features: ReferenceFeature[];
  /** The model's primary output on held-out data, named as the prediction log names it. */
  prediction: ReferenceFeature | undefined;
  task: ModelTask;
}
