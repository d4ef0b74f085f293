/** A registered model: the named home of a model's versions, aliases and policies. */
export interface RegisteredModel extends NewRegisteredModel {
  latestVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Violation {
  field: string;
  description: string;
}

/** Names travel into URLs, Kubernetes resources and Kafka keys: keep them portable. */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Tag keys and metric names. */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;
export const LIMITS = { description: 4_096, tags: 100, tagValue: 1_024 } as const;

export interface NewRegisteredModel {
  name: string;
  description: string;
  owner: string;
  tags: Record<string, string>;
  /** Numeric task kind as in mlops.common.v1.TaskType (0 = unspecified). */
  task: number;
}

/** Every problem with a registration request at once, so a caller can fix them in one go. */
export function validateNewRegisteredModel(input: NewRegisteredModel): Violation[] {
  return [...validateModelName(input.name, 'name'), ...validateDescription(input.description), ...validateTags(input.tags)];
}

export function validateModelName(name: string, field: string): Violation[] {
  if (MODEL_NAME.test(name)) return [];
  return [{ field, description: name ? 'must start with a letter or digit and use only letters, digits, ".", "_" or "-" (at most 128)' : 'is required' }];
}

export function validateDescription(description: string): Violation[] {
  return description.length > LIMITS.description ? [{ field: 'description', description: `must be at most ${LIMITS.description} characters` }] : [];
}

export function validateTags(tags: Record<string, string>): Violation[] {
  const violations: Violation[] = [];
  const entries = Object.entries(tags);
  if (entries.length > LIMITS.tags) violations.push({ field: 'tags', description: `at most ${LIMITS.tags} tags` });
  for (const [key, value] of entries) {
    if (!KEY_NAME.test(key)) violations.push({ field: `tags[${key}]`, description: 'key must use letters, digits, ".", "_", "/" or "-" (at most 128)' });
    if (value.length > LIMITS.tagValue) violations.push({ field: `tags[${key}]`, description: `value must be at most ${LIMITS.tagValue} characters` });
  }
  return violations;
}
