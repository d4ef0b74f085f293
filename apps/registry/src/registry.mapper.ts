import { commonV1, enumName, registryV1 as pb } from '@mlops/proto';
import { type AuditEntry } from './domain/audit-chain';
import { type GateResult } from './domain/gates';
import { type LineageGraph } from './domain/lineage';
import { type ArtifactRef, type Lineage, type ModelVersion, type NewModelVersion, type Stage } from './domain/model-version';
import { DEFAULT_ALIAS, type MetricGate, type PromotionPolicy, type Rollout, type RolloutKind } from './domain/policy';
import { type PromotionState } from './domain/promotion';
import { type RegisteredModel } from './domain/registered-model';
import { type Signature, type TensorDecl } from './domain/signature';
import { type StoredPolicy } from './promotions/policy.repository';
import { type Promotion } from './promotions/promotion.repository';

/* Proto messages <-> domain values. Enums travel as their OIP / lower-case names inside the domain. */

// Optional parts are stored only when set, so signatures registered before they were kept read the same.
const tensorFrom = (t: commonV1.TensorSpec): TensorDecl => {
  const featureType = enumName(commonV1.DataType, t.featureType, 'DATA_TYPE_');
  return {
    name: t.name, datatype: enumName(commonV1.TensorDataType, t.datatype, 'TENSOR_DATA_TYPE_'), shape: t.shape,
    ...(t.nullable ? { nullable: true } : {}), ...(featureType ? { featureType } : {}), ...(t.description ? { description: t.description } : {}),
  };
};
const tensorTo = (t: TensorDecl): commonV1.TensorSpec =>
  commonV1.TensorSpec.fromPartial({
    name: t.name, datatype: commonV1.TensorDataType[`TENSOR_DATA_TYPE_${t.datatype}` as keyof typeof commonV1.TensorDataType] ?? 0, shape: t.shape,
    nullable: t.nullable ?? false, featureType: t.featureType ? (commonV1.DataType[`DATA_TYPE_${t.featureType}` as keyof typeof commonV1.DataType] ?? 0) : 0, description: t.description ?? '',
  });

export const signatureFrom = (s: commonV1.ModelSignature | undefined): Signature => ({ inputs: (s?.inputs ?? []).map(tensorFrom), outputs: (s?.outputs ?? []).map(tensorFrom) });
export const signatureTo = (s: Signature): commonV1.ModelSignature => ({ inputs: s.inputs.map(tensorTo), outputs: s.outputs.map(tensorTo) });

export const artifactFrom = (a: commonV1.ArtifactRef | undefined): ArtifactRef => ({ digest: a?.digest ?? '', sizeBytes: a?.sizeBytes ?? 0, mediaType: a?.mediaType ?? '', uri: a?.uri ?? '' });
export const artifactTo = (a: ArtifactRef | undefined): commonV1.ArtifactRef | undefined => a && { ...a };

export function lineageFrom(l: commonV1.Lineage | undefined): Lineage {
  return {
    trainingRunId: l?.trainingRunId ?? '', experimentId: l?.experimentId ?? '', dataset: l?.dataset ?? '', datasetSnapshotId: l?.datasetSnapshotId ?? '',
    featureService: l?.featureService?.name ? { name: l.featureService.name, version: l.featureService.version } : undefined,
    featureViews: (l?.featureViews ?? []).map((v) => ({ name: v.name, version: v.version })),
    entitySetDigest: l?.entitySetDigest ?? '', codeCommit: l?.codeCommit ?? '', codeRepository: l?.codeRepository ?? '', configDigest: l?.configDigest ?? '',
    contractVersion: l?.contractVersion ?? '', config: l?.config, ...(l?.baselineRunId ? { baselineRunId: l.baselineRunId } : {}),
  };
}
export const lineageTo = (l: Lineage): commonV1.Lineage => commonV1.Lineage.fromPartial({ ...l, config: l.config });

export function newVersionFrom(request: pb.CreateModelVersionRequest): NewModelVersion {
  return {
    requestId: request.requestId, modelName: request.modelName, artifact: artifactFrom(request.artifact), signature: signatureFrom(request.signature),
    metrics: request.metrics, referenceProfile: request.referenceProfile?.digest ? artifactFrom(request.referenceProfile) : undefined,
    lineage: lineageFrom(request.lineage), description: request.description, tags: request.tags,
  };
}

export const stageFrom = (stage: pb.ModelStage): Stage | undefined => (enumName(pb.ModelStage, stage, 'MODEL_STAGE_') || undefined) as Stage | undefined;
const stageTo = (stage: Stage): pb.ModelStage => pb.ModelStage[`MODEL_STAGE_${stage}`];

export function versionTo(v: ModelVersion): pb.ModelVersion {
  return {
    modelName: v.modelName, version: v.version, artifact: artifactTo(v.artifact), signature: signatureTo(v.signature), metrics: v.metrics,
    referenceProfile: artifactTo(v.referenceProfile), lineage: lineageTo(v.lineage), stage: stageTo(v.stage), aliases: v.aliases, tags: v.tags,
    description: v.description, requestId: v.requestId, createdBy: v.createdBy, createdAt: v.createdAt,
  };
}

export function modelTo(model: RegisteredModel, aliases: Record<string, number>): pb.RegisteredModel {
  return {
    name: model.name, description: model.description, owner: model.owner, tags: model.tags, aliases, latestVersion: model.latestVersion,
    task: model.task, createdAt: model.createdAt, updatedAt: model.updatedAt,
  };
}

const seconds = (d: { seconds: number; nanos: number } | undefined) => (d ? d.seconds + d.nanos / 1e9 : 0);
const duration = (s: number) => ({ seconds: Math.floor(s), nanos: Math.round((s % 1) * 1e9) });

export function rolloutFrom(r: commonV1.RolloutStrategy): Rollout {
  const guard = r.rollbackGuard;
  return {
    kind: (enumName(commonV1.RolloutKind, r.kind, 'ROLLOUT_KIND_').toLowerCase() || 'immediate') as RolloutKind,
    canaryWeight: r.canaryWeight, canarySteps: r.canarySteps, stepIntervalSeconds: seconds(r.stepInterval),
    rollbackGuard: guard && {
      enabled: guard.enabled, maxErrorRateIncrease: guard.maxErrorRateIncrease, maxP99LatencyIncrease: guard.maxP99LatencyIncrease,
      evaluationWindowSeconds: seconds(guard.evaluationWindow), minRequests: guard.minRequests,
    },
  };
}

export function rolloutTo(r: Rollout): commonV1.RolloutStrategy {
  const guard = r.rollbackGuard;
  return {
    kind: commonV1.RolloutKind[`ROLLOUT_KIND_${r.kind.toUpperCase()}` as keyof typeof commonV1.RolloutKind],
    canaryWeight: r.canaryWeight, canarySteps: r.canarySteps, stepInterval: r.stepIntervalSeconds ? duration(r.stepIntervalSeconds) : undefined,
    rollbackGuard: guard && {
      enabled: guard.enabled, maxErrorRateIncrease: guard.maxErrorRateIncrease, maxP99LatencyIncrease: guard.maxP99LatencyIncrease,
      evaluationWindow: duration(guard.evaluationWindowSeconds), minRequests: guard.minRequests,
    },
  };
}

const gateFrom = (g: pb.MetricGate): MetricGate => ({
  metric: g.metric,
  direction: g.direction === pb.MetricDirection.METRIC_DIRECTION_LOWER_IS_BETTER ? 'lower_is_better' : 'higher_is_better',
  maxRegression: g.maxRegression,
  absoluteThreshold: g.absoluteThreshold,
});

/** A structured policy; an unset direction is refused by the caller (see `unsetDirections`). */
export function policyFrom(p: pb.PromotionPolicy): PromotionPolicy {
  return {
    targetAlias: p.targetAlias || DEFAULT_ALIAS, metricGates: p.metricGates.map(gateFrom),
    maxP99LatencyMs: p.maxP99Latency ? seconds(p.maxP99Latency) * 1000 : undefined,
    requiredApprovals: p.requiredApprovals, allowAutomaticPromotion: p.allowAutomaticPromotion,
    rollout: rolloutFrom(p.rollout ?? commonV1.RolloutStrategy.fromPartial({})),
  };
}

export const unsetDirections = (p: pb.PromotionPolicy) =>
  p.metricGates.flatMap((g, i) => (g.direction === pb.MetricDirection.METRIC_DIRECTION_UNSPECIFIED ? [{ field: `policy.metric_gates[${i}].direction`, description: 'is required' }] : []));

export function policyTo(modelName: string, stored: StoredPolicy | undefined, policy: PromotionPolicy): pb.PromotionPolicy {
  return {
    modelName, targetAlias: policy.targetAlias,
    metricGates: policy.metricGates.map((g) => ({
      metric: g.metric, maxRegression: g.maxRegression, absoluteThreshold: g.absoluteThreshold,
      direction: g.direction === 'lower_is_better' ? pb.MetricDirection.METRIC_DIRECTION_LOWER_IS_BETTER : pb.MetricDirection.METRIC_DIRECTION_HIGHER_IS_BETTER,
    })),
    maxP99Latency: policy.maxP99LatencyMs === undefined ? undefined : duration(policy.maxP99LatencyMs / 1000),
    requiredApprovals: policy.requiredApprovals, allowAutomaticPromotion: policy.allowAutomaticPromotion, rollout: rolloutTo(policy.rollout),
    revision: stored?.revision ?? 0, updatedBy: stored?.updatedBy ?? '', updatedAt: stored?.updatedAt,
  };
}

function gateResultTo(r: GateResult): pb.GateResult {
  return {
    passed: r.passed, championVersion: r.championVersion, policyRevision: r.policyRevision, evaluatedAt: r.evaluatedAt,
    checks: r.checks.map((c) => ({ name: c.name, metric: c.metric, candidateValue: c.candidateValue ?? Number.NaN, championValue: c.championValue, threshold: c.threshold ?? Number.NaN, passed: c.passed, message: c.message })),
  };
}

export const promotionStateFrom = (state: pb.PromotionState): PromotionState | undefined => (enumName(pb.PromotionState, state, 'PROMOTION_STATE_') || undefined) as PromotionState | undefined;

export function promotionTo(p: Promotion): pb.PromotionRequest {
  return {
    promotionId: p.id, modelName: p.modelName, version: p.version, targetAlias: p.targetAlias, state: pb.PromotionState[`PROMOTION_STATE_${p.state}`],
    gateResult: gateResultTo(p.gateResult),
    approvals: p.approvals.map((a) => ({ actor: a.actor, decision: a.decision === 'approve' ? pb.ApprovalDecision.APPROVAL_DECISION_APPROVE : pb.ApprovalDecision.APPROVAL_DECISION_REJECT, reason: a.reason, time: a.time })),
    requiredApprovals: p.requiredApprovals, rollout: rolloutTo(p.rollout), requestedBy: p.requestedBy, reason: p.reason, requestedAt: p.requestedAt,
    decidedAt: p.decidedAt, previousVersion: p.previousVersion,
  };
}

/** google.protobuf.Struct holds objects only; anything else is wrapped so it still travels. */
const struct = (value: unknown): Record<string, unknown> | undefined =>
  value === null || value === undefined ? undefined : typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };

export function auditEntryTo(e: AuditEntry): pb.AuditEntry {
  return {
    sequence: e.sequence, time: e.time, actor: e.actor, action: e.action, modelName: e.modelName, version: e.version, reason: e.reason,
    before: struct(e.before), after: struct(e.after), previousHash: e.previousHash, hash: e.hash,
  };
}

export function lineageGraphTo(graph: LineageGraph): pb.GetLineageResponse {
  return {
    nodes: graph.nodes.map((n) => ({ ...n, kind: pb.LineageNodeKind[`LINEAGE_NODE_KIND_${n.kind}`] })),
    edges: graph.edges,
  };
}
