import { compareSemVer, type DataContract, type FieldSpec, parseSemVer } from './contract';
import { canonicalContract } from './contract-document';

export type FieldChangeKind = 'added' | 'removed' | 'type_changed' | 'nullability_changed' | 'constraint_changed' | 'role_changed';

export interface FieldChange {
  field: string;
  kind: FieldChangeKind;
  /** Whether readers of the dataset written against the old version could break. */
  breaking: boolean;
  description: string;
  before?: FieldSpec;
  after?: FieldSpec;
}

export interface ContractDiff {
  changes: FieldChange[];
  expectationChanges: string[];
  breaking: boolean;
}

/**
 * What changes between two versions, judged from the side of the dataset's readers (features,
 * training): a removed or retyped field, a field that may now be missing or null, or a changed entity
 * key or event-time field breaks them. Tighter or looser constraints and new fields do not.
 */
export function diffContracts(before: DataContract, after: DataContract): ContractDiff {
  const changes: FieldChange[] = [];
  const old = new Map(before.fields.map((f) => [f.name, f]));
  const now = new Map(after.fields.map((f) => [f.name, f]));
  for (const [name, field] of old) {
    const next = now.get(name);
    if (!next) {
      changes.push({ field: name, kind: 'removed', breaking: true, description: `field "${name}" (${field.type}) removed`, before: field });
      continue;
    }
    if (next.type !== field.type) {
      changes.push({ field: name, kind: 'type_changed', breaking: true, description: `field "${name}" changed type from ${field.type} to ${next.type}`, before: field, after: next });
    }
    if (next.required !== field.required || next.nullable !== field.nullable) {
      const looser = (!next.required && field.required) || (next.nullable && !field.nullable);
      changes.push({
        field: name,
        kind: 'nullability_changed',
        breaking: looser,
        description: `field "${name}" changed from ${presence(field)} to ${presence(next)}`,
        before: field,
        after: next,
      });
    }
    const constraint = constraintChange(field, next);
    if (constraint) changes.push({ field: name, kind: 'constraint_changed', breaking: false, description: `field "${name}": ${constraint}`, before: field, after: next });
  }
  for (const [name, field] of now) {
    if (!old.has(name)) changes.push({ field: name, kind: 'added', breaking: false, description: `field "${name}" (${field.type}, ${presence(field)}) added`, after: field });
  }
  if (before.eventTimeField !== after.eventTimeField) {
    changes.push({ field: after.eventTimeField, kind: 'role_changed', breaking: true, description: `event-time field changed from "${before.eventTimeField}" to "${after.eventTimeField}"` });
  }
  if (before.entityKeys.join(',') !== after.entityKeys.join(',')) {
    changes.push({ field: after.entityKeys.join(','), kind: 'role_changed', breaking: true, description: `entity keys changed from [${before.entityKeys.join(', ')}] to [${after.entityKeys.join(', ')}]` });
  }
  const expectationChanges = diffExpectations(before, after);
  return { changes, expectationChanges, breaking: changes.some((c) => c.breaking) };
}

function presence(field: FieldSpec): string {
  return `${field.required ? 'required' : 'optional'}, ${field.nullable ? 'nullable' : 'not nullable'}`;
}

function constraintChange(a: FieldSpec, b: FieldSpec): string | undefined {
  const parts: string[] = [];
  if (a.min !== b.min || a.max !== b.max) parts.push(`range [${a.min ?? '-inf'}, ${a.max ?? 'inf'}] -> [${b.min ?? '-inf'}, ${b.max ?? 'inf'}]`);
  if (a.pattern !== b.pattern) parts.push(`pattern ${a.pattern ?? '(none)'} -> ${b.pattern ?? '(none)'}`);
  const added = b.categories.filter((c) => !a.categories.includes(c));
  const removed = a.categories.filter((c) => !b.categories.includes(c));
  if (added.length > 0) parts.push(`categories added: ${added.join(', ')}`);
  if (removed.length > 0) parts.push(`categories removed: ${removed.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function diffExpectations(before: DataContract, after: DataContract): string[] {
  const key = (e: object) => JSON.stringify(e);
  const old = new Map(before.expectations.map((e) => [e.name, e]));
  const now = new Map(after.expectations.map((e) => [e.name, e]));
  const changes: string[] = [];
  for (const [name, e] of old) {
    const next = now.get(name);
    if (!next) changes.push(`expectation "${name}" removed`);
    else if (key(next) !== key(e)) changes.push(`expectation "${name}" changed`);
  }
  for (const name of now.keys()) if (!old.has(name)) changes.push(`expectation "${name}" added`);
  return changes;
}

export type ApplyDecision =
  | { outcome: 'first' }
  | { outcome: 'unchanged' }
  | { outcome: 'new_version'; diff: ContractDiff }
  | { outcome: 'refused'; reason: string; field?: string; diff?: ContractDiff };

/** Whether `candidate` may follow `latest` (the newest applied version, if any). */
export function decideApply(latest: DataContract | undefined, candidate: DataContract): ApplyDecision {
  if (!latest) return { outcome: 'first' };
  const same = canonicalContract({ ...latest, version: '' }) === canonicalContract({ ...candidate, version: '' });
  if (candidate.version === latest.version) {
    return same ? { outcome: 'unchanged' } : { outcome: 'refused', reason: `version ${candidate.version} is already applied with different content; give the change a new version` };
  }
  const [from, to] = [parseSemVer(latest.version)!, parseSemVer(candidate.version)!];
  if (compareSemVer(to, from) < 0) return { outcome: 'refused', reason: `version ${candidate.version} is older than the applied ${latest.version}` };
  const diff = diffContracts(latest, candidate);
  const breaking = diff.changes.find((c) => c.breaking);
  if (breaking && to.major === from.major) {
    return {
      outcome: 'refused',
      field: breaking.field,
      diff,
      reason: `breaking change: ${breaking.description}; declare a new major version (${from.major + 1}.0.0) to apply it`,
    };
  }
  return { outcome: 'new_version', diff };
}
