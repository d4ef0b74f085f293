import { type ReferenceColumn } from '../drift/drift-score';
import { type ColumnReference } from '../quality/data-quality';

/** One column of a model version's training reference, in the forms drift and quality need. */
export interface ReferenceFeature {
  name: string;
  kind: 'numeric' | 'categorical';
  drift: ReferenceColumn;
  quality: ColumnReference;
}

/** What monitoring compares a version's live traffic with (built from the training run's ReferenceProfile). */
export interface ReferenceProfile {
  features: ReferenceFeature[];
  /** The model's primary output on held-out data, named as the prediction log names it. */
  prediction: ReferenceFeature | undefined;
  task: 'classification' | 'regression';
}
