import { type commonV1, type eventsV1 } from '@mlops/proto';
import { type FeedTensor, type InstanceOutput } from '../domain/tensors';
import { scalarTo, tensorValueTo } from '../serving.mapper';

/**
 * The instances of a served request as the prediction log carries them: the model's inputs as
 * used (after enrichment and NaN handling; missing values null) and its outputs. Inputs with more
 * than one element per instance (images, embeddings) are left out: monitoring compares scalars.
 * Entity keys given with the instances are kept, so labels can name the prediction by entity.
 */
export function loggedInstances(
  feeds: Readonly<Record<string, FeedTensor>>,
  outputs: ReadonlyArray<Readonly<Record<string, InstanceOutput>>>,
  entityKeys: ReadonlyArray<commonV1.EntityKey | undefined> = [],
): eventsV1.LoggedInstance[] {
  const batch = outputs.length;
  const scalars = Object.entries(feeds).filter(([, feed]) => feed.data.length === batch);
  return outputs.map((output, row) => {
    const inputs: Record<string, commonV1.FeatureValue> = {};
    for (const [name, feed] of scalars) {
      const value = feed.data[row];
      if (typeof value === 'string') inputs[name] = scalarTo(value === '' ? null : value);
      else if (typeof value === 'bigint') inputs[name] = scalarTo(Number(value));
      else if (feed.type === 'bool') inputs[name] = scalarTo(value !== 0);
      else if (Number.isNaN(value)) inputs[name] = scalarTo(null);
      // A float input stays a double even when its value is whole (scalarTo would call 3.0 an integer).
      else inputs[name] = feed.type.startsWith('float') ? { kind: { $case: 'doubleValue', value } } : scalarTo(value);
    }
    const outputsOf: Record<string, commonV1.TensorValue> = {};
    for (const [name, value] of Object.entries(output)) outputsOf[name] = tensorValueTo(value);
    const entityKey = entityKeys[row];
    return { inputs, outputs: outputsOf, entityKey: entityKey && Object.keys(entityKey.joinKeys).length > 0 ? entityKey : undefined };
  });
}
