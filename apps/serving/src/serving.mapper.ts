import { commonV1, durationFromMs, enumName, eventsV1, msFromDuration, servingV1 as pb } from '@mlops/proto';
import {
  type ArmVersion, type ChangeCause, type Deployment, type DeploymentSpec, type Enrichment, type RollbackGuard, type RolloutKind, type RolloutStrategy, type Scalar,
} from './domain/deployment';
import { type ServableVersion } from './domain/servable-version';
import { type FeatureKind, type ModelSignature, type OipDatatype, type TensorSpec } from './domain/signature';
import { type InstanceOutput } from './domain/tensors';

/* Proto messages <-> domain values. Enums travel as lower-case or OIP names inside the domain. */

const tensorFrom = (t: commonV1.TensorSpec): TensorSpec => {
  const featureType = enumName(commonV1.DataType, t.featureType, 'DATA_TYPE_').toLowerCase() as FeatureKind | '';
  return {
    name: t.name, datatype: enumName(commonV1.TensorDataType, t.datatype, 'TENSOR_DATA_TYPE_') as OipDatatype, shape: t.shape, nullable: t.nullable,
    ...(featureType ? { featureType } : {}),
  };
};

export const signatureFrom = (s: commonV1.ModelSignature | undefined): ModelSignature => ({ inputs: (s?.inputs ?? []).map(tensorFrom), outputs: (s?.outputs ?? []).map(tensorFrom) });

/** A version's record from the artifact and signature the registry sent (callers check both are there). */
export const servableFrom = (modelName: string, version: number, artifact: commonV1.ArtifactRef, signature: commonV1.ModelSignature | undefined): ServableVersion => ({
  modelName, version, artifactDigest: artifact.digest, artifactSize: artifact.sizeBytes, signature: signatureFrom(signature),
});


function guardFrom(g: commonV1.RollbackGuard | undefined): RollbackGuard | undefined {
  if (!g) return undefined;
  return {
    enabled: g.enabled, maxErrorRateIncrease: g.maxErrorRateIncrease, maxP99LatencyIncrease: g.maxP99LatencyIncrease,
    evaluationWindowMs: Math.round(msFromDuration(g.evaluationWindow)), minRequests: g.minRequests,
  };
}

export function rolloutFrom(r: commonV1.RolloutStrategy | undefined): RolloutStrategy | undefined {
  if (!r) return undefined;
  const guard = guardFrom(r.rollbackGuard);
  return {
    kind: (enumName(commonV1.RolloutKind, r.kind, 'ROLLOUT_KIND_').toLowerCase() || 'immediate') as RolloutKind,
    canaryWeight: r.canaryWeight, canarySteps: r.canarySteps, stepIntervalMs: Math.round(msFromDuration(r.stepInterval)), ...(guard ? { guard } : {}),
  };
}

function rolloutTo(r: RolloutStrategy | undefined): commonV1.RolloutStrategy | undefined {
  if (!r) return undefined;
  return commonV1.RolloutStrategy.fromPartial({
    kind: commonV1.RolloutKind[`ROLLOUT_KIND_${r.kind.toUpperCase()}` as keyof typeof commonV1.RolloutKind],
    canaryWeight: r.canaryWeight, canarySteps: r.canarySteps, stepInterval: durationFromMs(r.stepIntervalMs),
    rollbackGuard: r.guard && {
      enabled: r.guard.enabled, maxErrorRateIncrease: r.guard.maxErrorRateIncrease, maxP99LatencyIncrease: r.guard.maxP99LatencyIncrease,
      evaluationWindow: durationFromMs(r.guard.evaluationWindowMs), minRequests: r.guard.minRequests,
    },
  });
}

function scalarFrom(value: commonV1.FeatureValue | undefined): Scalar {
  const kind = value?.kind;
  if (!kind || kind.$case === 'nullValue') return null;
  return kind.value;
}

export function scalarTo(value: Scalar | undefined): commonV1.FeatureValue {
  // 0 is google.protobuf.NullValue.NULL_VALUE, the enum's only member.
  if (value === null || value === undefined) return { kind: { $case: 'nullValue', value: 0 } };
  if (value instanceof Date) return { kind: { $case: 'timestampValue', value } };
  if (typeof value === 'string') return { kind: { $case: 'stringValue', value } };
  if (typeof value === 'boolean') return { kind: { $case: 'boolValue', value } };
  return { kind: Number.isInteger(value) ? { $case: 'int64Value', value } : { $case: 'doubleValue', value } };
}

export const scalarsFrom = (values: Record<string, commonV1.FeatureValue>): Record<string, Scalar> =>
  Object.fromEntries(Object.entries(values).map(([name, v]) => [name, scalarFrom(v)]));
export const scalarsTo = (values: Readonly<Record<string, Scalar>>): Record<string, commonV1.FeatureValue> =>
  Object.fromEntries(Object.entries(values).map(([name, v]) => [name, scalarTo(v)]));

export const tensorValueTo = (o: InstanceOutput): commonV1.TensorValue => ({
  shape: o.shape, doubleValues: o.doubleValues, int64Values: o.int64Values, stringValues: o.stringValues, boolValues: o.boolValues,
});

function enrichmentFrom(e: pb.EnrichmentConfig | undefined): Enrichment | undefined {
  if (!e?.featureService) return undefined;
  return {
    featureService: { name: e.featureService.name, version: e.featureService.version },
    fallback: e.fallback === pb.FeatureFallback.FEATURE_FALLBACK_DEFAULTS ? 'defaults' : 'error',
    defaults: scalarsFrom(e.defaults), timeoutMs: e.timeoutMs || 50,
  };
}

const DEFAULT_ALIAS = 'champion';

/** The desired deployment of a SetDeployment call; unset numbers take the documented defaults. */
export function deploymentSpecFrom(d: pb.Deployment): DeploymentSpec {
  const rollout = rolloutFrom(d.rollout);
  const enrichment = enrichmentFrom(d.enrichment);
  return {
    modelName: d.modelName,
    stableVersion: d.stableVersion,
    ...(d.canary ? { canary: { version: d.canary.version, weight: d.canary.weight } } : {}),
    ...(d.shadow ? { shadow: { version: d.shadow.version, sampleRate: d.shadow.sampleRate || 1 } } : {}),
    ...(d.abTest ? { abTest: { arms: d.abTest.arms.map((a) => ({ name: a.name, version: a.version, weight: a.weight })), salt: d.abTest.salt } } : {}),
    ...(d.blueGreen?.standbyVersion ? { standbyVersion: d.blueGreen.standbyVersion } : {}),
    ...(rollout ? { rollout } : {}),
    ...(enrichment ? { enrichment } : {}),
    nanPolicy: d.nanPolicy === pb.NanPolicy.NAN_POLICY_AS_MISSING ? 'as_missing' : 'reject',
    logSampleRate: d.logSampleRate ?? 1,
    alias: d.alias || DEFAULT_ALIAS,
  };
}

const SOURCE: Record<ChangeCause, pb.DeploymentChangeSource> = {
  api: pb.DeploymentChangeSource.DEPLOYMENT_CHANGE_SOURCE_API,
  promotion: pb.DeploymentChangeSource.DEPLOYMENT_CHANGE_SOURCE_PROMOTION,
  rollback: pb.DeploymentChangeSource.DEPLOYMENT_CHANGE_SOURCE_ROLLBACK,
  canary_rollback_request: pb.DeploymentChangeSource.DEPLOYMENT_CHANGE_SOURCE_ROLLBACK,
  auto_rollback: pb.DeploymentChangeSource.DEPLOYMENT_CHANGE_SOURCE_AUTO_ROLLBACK,
  rollout_step: pb.DeploymentChangeSource.DEPLOYMENT_CHANGE_SOURCE_ROLLOUT_STEP,
};

export const CAUSE: Record<ChangeCause, eventsV1.DeploymentChangeCause> = {
  api: eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_API,
  promotion: eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_PROMOTION,
  rollback: eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_ROLLBACK,
  canary_rollback_request: eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_CANARY_ROLLBACK_REQUEST,
  auto_rollback: eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_AUTO_ROLLBACK,
  rollout_step: eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_ROLLOUT_STEP,
};

export function deploymentTo(d: Deployment): pb.Deployment {
  return pb.Deployment.fromPartial({
    modelName: d.modelName, revision: d.revision, stableVersion: d.stableVersion, canary: d.canary, shadow: d.shadow,
    abTest: d.abTest && { arms: d.abTest.arms, salt: d.abTest.salt }, blueGreen: d.standbyVersion ? { standbyVersion: d.standbyVersion } : undefined,
    rollout: rolloutTo(d.rollout),
    enrichment: d.enrichment && {
      featureService: d.enrichment.featureService,
      fallback: d.enrichment.fallback === 'defaults' ? pb.FeatureFallback.FEATURE_FALLBACK_DEFAULTS : pb.FeatureFallback.FEATURE_FALLBACK_ERROR,
      defaults: scalarsTo(d.enrichment.defaults), timeoutMs: d.enrichment.timeoutMs,
    },
    nanPolicy: d.nanPolicy === 'as_missing' ? pb.NanPolicy.NAN_POLICY_AS_MISSING : pb.NanPolicy.NAN_POLICY_REJECT,
    logSampleRate: d.logSampleRate, changeSource: SOURCE[d.changeCause], changeReason: d.changeReason, updatedBy: d.updatedBy, updatedAt: d.updatedAt,
    alias: d.alias,
  });
}

export const armTo = (a: ArmVersion): eventsV1.DeploymentArm => ({ arm: a.arm, version: a.version, weight: a.weight });
