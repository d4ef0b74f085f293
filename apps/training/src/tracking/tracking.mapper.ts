import { type commonV1, trainingV1 as pb } from '@mlops/proto';
import { type ComparisonRow } from '../domain/run-comparison';
import { type ArtifactRecord, type ExperimentRecord, type MetricRecord, type RunRecord, type RunStatus } from './tracking.repository';

const STATUS: Record<RunStatus, pb.RunStatus> = {
  QUEUED: pb.RunStatus.RUN_STATUS_QUEUED,
  RUNNING: pb.RunStatus.RUN_STATUS_RUNNING,
  SUCCEEDED: pb.RunStatus.RUN_STATUS_SUCCEEDED,
  FAILED: pb.RunStatus.RUN_STATUS_FAILED,
  CANCELLING: pb.RunStatus.RUN_STATUS_CANCELLING,
  CANCELLED: pb.RunStatus.RUN_STATUS_CANCELLED,
};

export function statusOf(value: pb.RunStatus): RunStatus | undefined {
  return (Object.entries(STATUS) as [RunStatus, pb.RunStatus][]).find(([, v]) => v === value)?.[0];
}

export const toExperiment = (e: ExperimentRecord): pb.Experiment => ({ experimentId: e.experimentId, name: e.name, description: e.description, tags: e.tags, createdBy: e.createdBy, createdAt: e.createdAt });

export const toMetric = (m: MetricRecord): pb.Metric => ({ key: m.key, value: m.value, step: m.step, time: m.time });

export const fromMetric = (m: pb.Metric, now: Date): MetricRecord => ({ key: m.key, value: m.value, step: m.step, time: m.time ?? now });

/** The reference to a stored artifact: its digest, size, media type and URI (not its path in the run). */
export const artifactRefOf = (a: Omit<ArtifactRecord, 'path'>): commonV1.ArtifactRef => ({ digest: a.digest, sizeBytes: a.sizeBytes, mediaType: a.mediaType, uri: a.uri });

export const toArtifact = (a: ArtifactRecord): pb.RunArtifact => ({ path: a.path, artifact: artifactRefOf(a) });

export function toRun(r: RunRecord): pb.Run {
  return pb.Run.fromPartial({
    runId: r.runId,
    experimentId: r.experimentId,
    name: r.name,
    status: STATUS[r.status],
    startedBy: r.startedBy,
    createdAt: r.createdAt,
    startTime: r.startTime,
    endTime: r.endTime,
    params: r.params,
    metrics: r.metrics.map(toMetric),
    artifacts: r.artifacts.map(toArtifact),
    tags: r.tags,
    environment: r.environment as pb.RunEnvironment | undefined,
    codeVersion: r.codeVersion as pb.CodeVersion | undefined,
    dataVersion: r.dataVersion as pb.DataVersion | undefined,
    seed: Number(r.seed),
    failure: r.failureMessage ? { kind: pb.FailureKind.FAILURE_KIND_UNSPECIFIED, message: r.failureMessage, stage: pb.PipelineStage.PIPELINE_STAGE_UNSPECIFIED } : undefined,
  });
}

const KINDS = { param: pb.ComparisonKind.COMPARISON_KIND_PARAM, metric: pb.ComparisonKind.COMPARISON_KIND_METRIC, tag: pb.ComparisonKind.COMPARISON_KIND_TAG };

export function toComparisonRow(row: ComparisonRow): pb.ComparisonRow {
  return {
    kind: KINDS[row.kind],
    key: row.key,
    cells: row.cells.map((c) => (c.present ? { present: true, value: c.value, number: c.number ?? 0 } : { present: false, value: '', number: 0 })),
    differs: row.differs,
  };
}
