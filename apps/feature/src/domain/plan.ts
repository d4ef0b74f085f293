import { canonicalJson } from '@mlops/documents';
import { type Definitions, type Entity, type Feature, type FeatureServiceDefinition, type FeatureView } from './definitions';
import { formatDuration } from './durations';

export type ObjectKind = 'entity' | 'feature_view' | 'feature_service';
export type PlanAction = 'create' | 'update' | 'unchanged' | 'delete';

export interface PlannedChange {
  kind: ObjectKind;
  name: string;
  action: PlanAction;
  fromVersion: number;
  toVersion: number;
  /** Changes a reader of the previous version would be hurt by: removed or retyped features, other keys or sources. */
  incompatible: boolean;
  details: string[];
}

/** The applied objects, each at its latest version. */
export interface AppliedDefinitions {
  entities: Map<string, { version: number; definition: Entity }>;
  featureViews: Map<string, { version: number; definition: FeatureView }>;
  featureServices: Map<string, { version: number; definition: FeatureServiceDefinition }>;
}

type Diff<T> = (before: T, after: T) => { details: string[]; incompatible: boolean };

/** What applying `next` would do to what is applied: per object, create, update (with why), keep or delete (with prune). */
export function planChanges(applied: AppliedDefinitions, next: Definitions, prune: boolean): PlannedChange[] {
  return [
    ...planKind('entity', applied.entities, next.entities, diffEntity, prune),
    ...planKind('feature_view', applied.featureViews, next.featureViews, diffView, prune),
    ...planKind('feature_service', applied.featureServices, next.featureServices, diffService, prune),
  ];
}

function planKind<T extends { name: string }>(kind: ObjectKind, applied: Map<string, { version: number; definition: T }>, next: T[], diff: Diff<T>, prune: boolean): PlannedChange[] {
  const changes = next.map((definition): PlannedChange => {
    const current = applied.get(definition.name);
    if (!current) return { kind, name: definition.name, action: 'create', fromVersion: 0, toVersion: 1, incompatible: false, details: [] };
    const { details, incompatible } = diff(current.definition, definition);
    return details.length === 0
      ? { kind, name: definition.name, action: 'unchanged', fromVersion: current.version, toVersion: current.version, incompatible: false, details }
      : { kind, name: definition.name, action: 'update', fromVersion: current.version, toVersion: current.version + 1, incompatible, details };
  });
  if (prune) {
    const kept = new Set(next.map((d) => d.name));
    for (const [name, current] of applied) {
      if (!kept.has(name)) changes.push({ kind, name, action: 'delete', fromVersion: current.version, toVersion: current.version, incompatible: true, details: [`${kind.replace('_', ' ')} "${name}" is deleted`] });
    }
  }
  return changes;
}

// Stored definitions come back from jsonb with their keys reordered.
const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

const diffEntity: Diff<Entity> = (before, after) => {
  const details: string[] = [];
  const keysChanged = !same(before.joinKeys, after.joinKeys);
  if (keysChanged) details.push(`join keys [${before.joinKeys.join(', ')}] -> [${after.joinKeys.join(', ')}]`);
  if (before.description !== after.description) details.push('description changed');
  return { details, incompatible: keysChanged };
};

function describeFeature(f: Feature): string {
  const t = f.transformation;
  const how = t.kind === 'field' ? `field ${t.field}` : t.kind === 'expression' ? `expression ${t.expression}` : `${t.function}(${t.field ?? ''}) over ${formatDuration(t.windowSeconds)}`;
  return `${f.type} = ${how}`;
}

const diffView: Diff<FeatureView> = (before, after) => {
  const details: string[] = [];
  let incompatible = false;
  const breaking = (detail: string) => {
    details.push(detail);
    incompatible = true;
  };
  if (!same(before.entities, after.entities)) breaking(`entities [${before.entities.join(', ')}] -> [${after.entities.join(', ')}]`);
  if (before.source !== after.source) breaking(`source ${before.source} -> ${after.source}`);
  const old = new Map(before.features.map((f) => [f.name, f]));
  for (const feature of after.features) {
    const previous = old.get(feature.name);
    if (!previous) details.push(`feature "${feature.name}" added: ${describeFeature(feature)}`);
    // Same name, different meaning: a model trained on the old values would be served the new ones.
    else if (!same(previous.type, feature.type) || !same(previous.transformation, feature.transformation)) breaking(`feature "${feature.name}" changed: ${describeFeature(previous)} -> ${describeFeature(feature)}`);
    else if (previous.description !== feature.description) details.push(`feature "${feature.name}" description changed`);
    old.delete(feature.name);
  }
  for (const name of old.keys()) breaking(`feature "${name}" removed`);
  if (before.ttlSeconds !== after.ttlSeconds) details.push(`ttl ${formatDuration(before.ttlSeconds)} -> ${formatDuration(after.ttlSeconds)}`);
  if (before.online !== after.online) details.push(`online ${String(before.online)} -> ${String(after.online)}`);
  if (before.description !== after.description) details.push('description changed');
  if (!same(before.tags, after.tags)) details.push('tags changed');
  return { details, incompatible };
};

const diffService: Diff<FeatureServiceDefinition> = (before, after) => {
  const details: string[] = [];
  let incompatible = false;
  const selection = (s: FeatureServiceDefinition) => new Map(s.projections.map((p) => [p.view, p.features]));
  const [old, now] = [selection(before), selection(after)];
  for (const [view, features] of old) {
    const next = now.get(view);
    if (!next) {
      details.push(`feature view "${view}" removed`);
      incompatible = true;
    } else if (!same(features, next)) {
      const all = (list: string[]) => (list.length === 0 ? 'all features' : list.join(', '));
      details.push(`${view}: ${all(features)} -> ${all(next)}`);
      incompatible ||= next.length > 0 && (features.length === 0 || features.some((f) => !next.includes(f)));
    }
  }
  for (const view of now.keys()) if (!old.has(view)) details.push(`feature view "${view}" added`);
  if (before.description !== after.description) details.push('description changed');
  return { details, incompatible };
};
