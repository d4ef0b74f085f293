import { commonV1, trainingV1 as pb } from '@mlops/proto';
import { DEFAULT_EXTERNAL_TIMEOUT_MS, type PipelineSpec, type TimeRange, type TimeSplit } from '../domain/pipeline/spec';
import { type PipelineRow, type Stage } from './pipeline-runs.repository';

export type FailureKind = 'INVALID_INPUT' | 'INFRASTRUCTURE' | 'TIMEOUT' | 'TRAINER_ERROR';

/** How a failed run is stored (pipeline_runs.failure) and shown. */
export interface StoredFailure {
  kind: FailureKind;
  message: string;
  stage: Stage;
  log?: commonV1.ArtifactRef;
}

/** A proto time range in epoch milliseconds; an unset bound (or range) stays undefined. */
export const timeRangeFrom = (r: commonV1.TimeRange | undefined): TimeRange => ({ startMs: r?.start?.getTime(), endMs: r?.end?.getTime() });
const timeRangeProto = (r: TimeRange): commonV1.TimeRange => ({ start: r.startMs === undefined ? undefined : new Date(r.startMs), end: r.endMs === undefined ? undefined : new Date(r.endMs) });

type SplitRanges = Pick<TimeSplit, 'train' | 'validation' | 'test'>;

/** A proto time split with its ranges changed by `change` (the same object when `change` returns its input). */
export function withSplitRanges(split: pb.TimeSplit, change: (ranges: SplitRanges) => SplitRanges): pb.TimeSplit {
  const ranges = { train: timeRangeFrom(split.train), validation: split.validation && timeRangeFrom(split.validation), test: timeRangeFrom(split.test) };
  const changed = change(ranges);
  if (changed === ranges) return split;
  return { ...split, train: timeRangeProto(changed.train), validation: changed.validation && timeRangeProto(changed.validation), test: timeRangeProto(changed.test) };
}

const TRAINERS: Record<number, 'gbdt' | 'logistic' | 'linear'> = {
  [pb.BuiltinTrainerKind.BUILTIN_TRAINER_KIND_GBDT]: 'gbdt',
  [pb.BuiltinTrainerKind.BUILTIN_TRAINER_KIND_LOGISTIC_REGRESSION]: 'logistic',
  [pb.BuiltinTrainerKind.BUILTIN_TRAINER_KIND_LINEAR_REGRESSION]: 'linear',
};
const TASKS: Record<number, PipelineSpec['label']['task']> = {
  [commonV1.TaskType.TASK_TYPE_BINARY_CLASSIFICATION]: 'binary',
  [commonV1.TaskType.TASK_TYPE_REGRESSION]: 'regression',
  [commonV1.TaskType.TASK_TYPE_MULTICLASS_CLASSIFICATION]: 'multiclass',
};

/** The gRPC spec as the domain reads it; defaults filled in (event-time split column, timeouts). */
export function specFromProto(spec: pb.TrainingSpec): PipelineSpec {
  const data = spec.data?.source;
  const trainer = spec.trainer?.kind;
  const split = spec.split?.kind;
  return {
    data:
      data?.$case === 'featureService'
        ? { kind: 'featureService', name: data.value.featureService?.name ?? '', version: data.value.featureService?.version ?? 0, entitySnapshotId: data.value.entitySnapshotId, eventTimestampColumn: data.value.eventTimestampColumn }
        : { kind: 'snapshot', snapshotId: data?.$case === 'snapshotId' ? data.value : '' },
    label: { column: spec.label?.column ?? '', expression: spec.label?.expression ?? '', task: TASKS[spec.label?.task ?? 0] ?? 'binary' },
    features: spec.features,
    trainer:
      trainer?.$case === 'external'
        ? {
            kind: 'external',
            command: trainer.value.command,
            env: trainer.value.env,
            workingDir: trainer.value.workingDir,
            timeoutMs: trainer.value.timeout ? trainer.value.timeout.seconds * 1000 + Math.floor(trainer.value.timeout.nanos / 1e6) : DEFAULT_EXTERNAL_TIMEOUT_MS,
          }
        : { kind: (trainer && TRAINERS[trainer.value]) || 'unspecified' },
    hyperparameters: spec.hyperparameters ?? {},
    split:
      split?.$case === 'time'
        ? { kind: 'time', column: split.value.timeColumn, train: timeRangeFrom(split.value.train), validation: split.value.validation ? timeRangeFrom(split.value.validation) : undefined, test: timeRangeFrom(split.value.test), validationFraction: split.value.validationFraction }
        : split?.$case === 'random'
          ? { kind: 'random', train: split.value.trainFraction, validation: split.value.validationFraction, test: split.value.testFraction }
          : { kind: 'unspecified' },
    seed: String(spec.seed),
    evaluation: { primaryMetric: spec.evaluation?.primaryMetric ?? '', sliceFeatures: spec.evaluation?.sliceFeatures ?? [], calibrationBins: spec.evaluation?.calibrationBins ?? 0 },
    registerAs: spec.registerAs,
  };
}

export const STAGES: Record<Stage, pb.PipelineStage> = {
  QUEUED: pb.PipelineStage.PIPELINE_STAGE_QUEUED,
  FETCH: pb.PipelineStage.PIPELINE_STAGE_FETCH,
  SPLIT: pb.PipelineStage.PIPELINE_STAGE_SPLIT,
  TRAIN: pb.PipelineStage.PIPELINE_STAGE_TRAIN,
  EVALUATE: pb.PipelineStage.PIPELINE_STAGE_EVALUATE,
  PROFILE: pb.PipelineStage.PIPELINE_STAGE_PROFILE,
  PACKAGE: pb.PipelineStage.PIPELINE_STAGE_PACKAGE,
  DONE: pb.PipelineStage.PIPELINE_STAGE_DONE,
};

const FAILURE_KINDS: Record<FailureKind, pb.FailureKind> = {
  INVALID_INPUT: pb.FailureKind.FAILURE_KIND_INVALID_INPUT,
  INFRASTRUCTURE: pb.FailureKind.FAILURE_KIND_INFRASTRUCTURE,
  TIMEOUT: pb.FailureKind.FAILURE_KIND_TIMEOUT,
  TRAINER_ERROR: pb.FailureKind.FAILURE_KIND_TRAINER_ERROR,
};

export const toFailure = (f: StoredFailure): pb.RunFailure => ({ kind: FAILURE_KINDS[f.kind], message: f.message, stage: STAGES[f.stage], log: f.log });

/** The pipeline's part of a Run: spec, stage, progress, failure, outputs, attempt. */
export function pipelineFields(row: PipelineRow): Partial<pb.Run> {
  return {
    spec: pb.TrainingSpec.fromJSON(row.spec),
    stage: STAGES[row.stage],
    progress: row.progress,
    attempt: row.attempt,
    failure: row.failure ? toFailure(row.failure as StoredFailure) : undefined,
    outputs: row.outputs ? pb.RunOutputs.fromJSON(row.outputs) : undefined,
  };
}
