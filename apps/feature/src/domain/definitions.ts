/** Feature definitions as applied: entities, feature views and feature services (Feast's model). */

/** Types a value can have: the dataset contract's, with categoricals read as strings. */
export type ValueType = 'int' | 'float' | 'string' | 'bool' | 'timestamp';

export type AggregationFunction = 'count' | 'sum' | 'mean' | 'min' | 'max' | 'last';

export interface Entity {
  name: string;
  /** Source-dataset fields that identify one entity, in order. */
  joinKeys: string[];
  description: string;
}

export type Transformation =
  | { kind: 'field'; field: string }
  | { kind: 'expression'; expression: string }
  | { kind: 'aggregation'; function: AggregationFunction; field?: string; windowSeconds: number };

export interface Feature {
  name: string;
  type: ValueType;
  transformation: Transformation;
  description: string;
}

export interface FeatureView {
  name: string;
  entities: string[];
  /** Ingestion dataset the view reads. */
  source: string;
  /** Values older than this at retrieval time are missing; 0 = no limit. Windowed features are bounded by their windows instead. */
  ttlSeconds: number;
  /** Kept in the online store. */
  online: boolean;
  features: Feature[];
  description: string;
  tags: Record<string, string>;
}

export interface FeatureServiceDefinition {
  name: string;
  /** Per view, the selected features; an empty list selects them all. */
  projections: { view: string; features: string[] }[];
  description: string;
}

export interface Definitions {
  entities: Entity[];
  featureViews: FeatureView[];
  featureServices: FeatureServiceDefinition[];
}

/** The join keys of a view: those of its entities, in order. */
export function viewJoinKeys(view: FeatureView, entities: ReadonlyMap<string, Entity>): string[] {
  return view.entities.flatMap((name) => entities.get(name)?.joinKeys ?? []);
}

/** Separates the values of a composite key: a control character no sane key contains. */
export const KEY_SEPARATOR = '\u001f';

/**
 * One string per entity: the join key values as text, joined by KEY_SEPARATOR. PostgreSQL builds
 * the same string from stored rows (`values->>'key'` is the text of a JSON scalar), so keys match
 * whichever side computed them. Undefined when a key value is missing: such a row has no entity.
 */
export function entityKeyOf(values: readonly unknown[]): string | undefined {
  const parts: string[] = [];
  for (const value of values) {
    if (typeof value === 'string') parts.push(value);
    else if (typeof value === 'number' || typeof value === 'boolean') parts.push(String(value));
    else return undefined;
  }
  return parts.join(KEY_SEPARATOR);
}
