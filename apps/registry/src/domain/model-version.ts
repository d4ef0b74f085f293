import { createHash } from 'node:crypto';
import { canonicalJson } from '@mlops/documents';
import { KEY_NAME, LIMITS, validateDescription, validateModelName, validateTags, type Violation } from './registered-model';
import { type Signature, validateSignature } from './signature';

export interface ArtifactRef {
  digest: string;
  sizeBytes: number;
  mediaType: string;
  uri: string;
}

export interface FeatureRef {
  name: string;
  version: number;
}

/** Where a version came from: enough to reproduce it (data, code, configuration). */
export interface Lineage {
  trainingRunId: string;
  experimentId: string;
  dataset: string;
  datasetSnapshotId: string;
  featureService?: FeatureRef;
  featureViews: FeatureRef[];
  entitySetDigest: string;
  codeCommit: string;
  codeRepository: string;
  configDigest: string;
  contractVersion: string;
  config?: Record<string, unknown>;
  /** A run whose model was scored on this version's test rows (metrics `baseline.<name>`); '' if none. */
  baselineRunId?: string;
}

export type Stage = 'NONE' | 'STAGING' | 'PRODUCTION' | 'ARCHIVED';

export interface NewModelVersion {
  requestId: string;
  modelName: string;
  artifact: ArtifactRef;
  signature: Signature;
  metrics: Record<string, number>;
  referenceProfile?: ArtifactRef;
  lineage: Lineage;
  description: string;
  tags: Record<string, string>;
}

/** An immutable version: only its stage and tags change after registration. */
export interface ModelVersion extends NewModelVersion {
  version: number;
  stage: Stage;
  aliases: string[];
  createdBy: string;
  createdAt: Date;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const MAX_REQUEST_ID = 200;

/** Every problem with a registration request at once, by field. */
export function validateNewModelVersion(input: NewModelVersion): Violation[] {
  const violations: Violation[] = [];
  if (!input.requestId) violations.push({ field: 'request_id', description: 'is required (e.g. the training run id): it makes a retried registration return the same version' });
  else if (input.requestId.length > MAX_REQUEST_ID) violations.push({ field: 'request_id', description: `at most ${MAX_REQUEST_ID} characters` });
  violations.push(...validateModelName(input.modelName, 'model_name'), ...validateDescription(input.description), ...validateTags(input.tags));
  if (!DIGEST.test(input.artifact.digest)) violations.push({ field: 'artifact.digest', description: '"sha256:" and 64 lower-case hex digits' });
  if (input.referenceProfile && !DIGEST.test(input.referenceProfile.digest)) violations.push({ field: 'reference_profile.digest', description: '"sha256:" and 64 lower-case hex digits' });
  violations.push(...validateSignature(input.signature));
  for (const [key, value] of Object.entries(input.metrics)) {
    if (!KEY_NAME.test(key)) violations.push({ field: `metrics[${key}]`, description: 'names use letters, digits, ".", "_", "/" or "-" (at most 128)' });
    if (!Number.isFinite(value)) violations.push({ field: `metrics[${key}]`, description: 'must be a finite number' });
  }
  if (Object.keys(input.metrics).length > LIMITS.tags) violations.push({ field: 'metrics', description: `at most ${LIMITS.tags} metrics` });
  return violations;
}

/** Identifies what a registration asked for, so a repeated request id with other content is told apart from a retry. */
export function registrationFingerprint(input: NewModelVersion): string {
  // The locator is informational (the store decides it); the digest is the content.
  const located = (ref: ArtifactRef | undefined) => ref && { digest: ref.digest, sizeBytes: ref.sizeBytes, mediaType: ref.mediaType };
  const content = { ...input, requestId: undefined, artifact: located(input.artifact), referenceProfile: located(input.referenceProfile) };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
