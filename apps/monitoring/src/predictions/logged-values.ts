import { type commonV1 } from '@mlops/proto';
import { type LoggedValue } from '../domain/quality/data-quality';

/**
 * A logged input as monitoring stores it (JSON): timestamps become epoch milliseconds, the unit
 * training profiles them in and models receive them in; a missing value is null.
 */
export function loggedValue(value: commonV1.FeatureValue | undefined): Exclude<LoggedValue, Date> {
  const kind = value?.kind;
  switch (kind?.$case) {
    case 'doubleValue':
    case 'int64Value':
    case 'stringValue':
    case 'boolValue':
      return kind.value;
    case 'timestampValue':
      return kind.value.getTime();
    case 'nullValue':
    case undefined:
      return null;
  }
}

/** The first element of each output tensor: the value monitoring compares (a scalar per instance). */
export function loggedOutputs(outputs: Record<string, commonV1.TensorValue>): Record<string, number | string | boolean | null> {
  const values: Record<string, number | string | boolean | null> = {};
  for (const [name, t] of Object.entries(outputs)) values[name] = t.doubleValues[0] ?? t.int64Values[0] ?? t.stringValues[0] ?? t.boolValues[0] ?? null;
  return values;
}

/**
 * An entity key rendered "k1=v1,k2=v2" with keys in name order: the form labels use to name the
 * entity a prediction was made for. Undefined when the key is empty.
 */
export function entityKeyText(key: commonV1.EntityKey | undefined): string | undefined {
  const names = Object.keys(key?.joinKeys ?? {}).sort();
  if (names.length === 0) return undefined;
  return names.map((name) => `${name}=${String(loggedValue(key!.joinKeys[name]))}`).join(',');
}
