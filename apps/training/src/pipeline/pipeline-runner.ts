import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { uuidv7 } from 'uuidv7';
import { ARTIFACT_STORE, type ArtifactStore } from '@mlops/artifacts';
import { canonicalJson } from '@mlops/documents';
import { Events, OutboxWriter } from '@mlops/events';
import { type SqlExecutor, type TransactionRunner } from '@mlops/persistence';
import { commonV1, eventsV1, trainingV1 as pb } from '@mlops/proto';
import { LOGGER, type OnServiceReady, type OnServiceStop, SERVICE_CONFIG, TRANSACTION_RUNNER } from '@mlops/platform';
import { backoffDelay, every, type Periodic } from '@mlops/resilience';
import { type Logger } from '@mlops/telemetry';
import { type TrainingConfig } from '../config';
import { assessPredictions, checkedSplit, type PipelineResult, type StepMetric } from '../domain/pipeline/run-pipeline';
import { checkSpec, type ExternalTrainerSpec, outputOf, type PipelineSpec, primaryMetricOf, type TrainerParams, taskOf } from '../domain/pipeline/spec';
import { fittedToRows } from '../domain/pipeline/retrain';
import { InvalidInputError, prepareDataset, type Table, timeSpanOf } from '../domain/pipeline/table';
import { artifactRefOf } from '../tracking/tracking.mapper';
import { type ArtifactRecord, TrackingRepository } from '../tracking/tracking.repository';
import { runExternalTrainer, TrainerError } from './external-trainer';
import { ModelContractError, scoreWithOnnx } from './onnx-scorer';
import { type FailureKind, specFromProto, type StoredFailure, withSplitRanges } from './pipeline.mapper';
import { type Activity, type PipelineRow, PipelineRunsRepository, type Stage } from './pipeline-runs.repository';
import { referenceProfileOf } from './reference-profile';
import { type FetchedData, TrainingDataClient } from './training-data';
import { trainInWorker } from './worker-trainer';

class Cancelled extends Error {}
class Released extends Error {}

const meter = metrics.getMeter('training');
const runsEnded = meter.createCounter('training.runs.ended', { description: 'Pipeline runs ended, by outcome and trainer' });
const runSeconds = meter.createHistogram('training.run.duration', { unit: 's', description: 'Wall time of pipeline runs that succeeded' });

/** What a trainer produced, evaluated and profiled by the platform; external trainers add their log. */
interface Outcome {
  metrics: Record<string, number>;
  model: Uint8Array;
  inputs: { name: string; kind: 'numeric' | 'categorical' }[];
  output: PipelineResult['output'];
  params: Record<string, string>;
  evaluation: PipelineResult['evaluation'];
  rows: PipelineResult['rows'];
  profile: PipelineResult['profile'];
  log?: Buffer;
}

const PROFILE_MEDIA_TYPE = 'application/x-protobuf; messageType=mlops.common.v1.ReferenceProfile';

/** Where a run's model is kept among its artifacts. */
const MODEL_PATH = 'model/model.onnx';

/**
 * Trains queued pipeline runs, up to TRAINING_CONCURRENCY at a time per replica. A run is leased in
 * PostgreSQL and its lease renewed with each progress report; a cancel request or a lost lease stops
 * the work within a heartbeat. Bad specs and bad data fail at once; infrastructure failures are
 * retried with backoff up to TRAINING_MAX_ATTEMPTS.
 */
@Injectable()
export class PipelineRunner implements OnServiceReady, OnServiceStop {
  private readonly owner = `${hostname()}:${process.pid}:${uuidv7().slice(-8)}`;
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private periodic?: Periodic;
  private filling = false;
  private stopping = false;

  constructor(
    private readonly runs: PipelineRunsRepository,
    private readonly tracking: TrackingRepository,
    private readonly data: TrainingDataClient,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    private readonly outbox: OutboxWriter,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
    @Inject(SERVICE_CONFIG) private readonly config: TrainingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onServiceReady(): Promise<void> {
    this.periodic = every(this.config.TRAINING_POLL_INTERVAL_MS, () => this.fill(), (error) => this.logger.warn({ err: error }, 'claiming training runs failed'));
    return Promise.resolve();
  }

  /** Stops claiming, hands running runs back to the queue (another replica resumes them), and waits. */
  async onServiceStop(): Promise<void> {
    this.stopping = true;
    await this.periodic?.stop();
    for (const { controller } of this.active.values()) controller.abort(new Released('the service is stopping'));
    await Promise.all([...this.active.values()].map((a) => a.done));
  }

  /** Starts queued work now rather than at the next poll (after a run is queued here). */
  wake(): void {
    void this.fill().catch((error) => this.logger.warn({ err: error }, 'claiming training runs failed'));
  }

  /** Stops a run this replica is training at once; other replicas see the request at their next heartbeat. */
  cancelLocal(runId: string): void {
    this.active.get(runId)?.controller.abort(new Cancelled());
  }

  private async fill(): Promise<void> {
    if (this.filling) return;
    this.filling = true;
    try {
      while (!this.stopping && this.active.size < this.config.TRAINING_CONCURRENCY) {
        const claimed = await this.transaction((tx) => this.claim(tx));
        if (!claimed) return;
        const { row, spec } = claimed;
        const controller = new AbortController();
        const done = this.execute(row, spec, controller).finally(() => this.active.delete(row.run_id));
        this.active.set(row.run_id, { controller, done });
      }
    } finally {
      this.filling = false;
    }
  }

  /** Claims the next queued run and marks it started; its stored spec comes along, parsed. */
  private async claim(tx: SqlExecutor): Promise<{ row: PipelineRow; spec: PipelineSpec } | undefined> {
    for (;;) {
      const row = await this.runs.claim(tx, this.owner, this.config.TRAINING_LEASE_MS);
      if (!row) return undefined;
      // Its replica died while it was being cancelled: finish the cancel here.
      if (row.state === 'CANCEL_REQUESTED') {
        await this.endCancelled(tx, row);
        continue;
      }
      const run = await this.tracking.summary(tx, row.run_id);
      await this.tracking.setStatus(tx, row.run_id, 'RUNNING', { started: true });
      const spec = specFromProto(pb.TrainingSpec.fromJSON(row.spec));
      await this.outbox.enqueue(tx, Events.trainingRunStarted, {
        runId: row.run_id, experimentId: run.experimentId, runName: run.name, startedBy: run.startedBy, trainer: spec.trainer.kind,
        lineage: undefined, retrainRequestId: row.retrain_request_id, attempt: row.attempt,
      });
      return { row, spec };
    }
  }

  private async execute(row: PipelineRow, claimedSpec: PipelineSpec, controller: AbortController): Promise<void> {
    const runId = row.run_id;
    const { signal } = controller;
    let spec = claimedSpec;
    let activity: Activity = { stage: 'FETCH', progress: 0, message: 'reading the training data' };
    const pending: StepMetric[] = [];
    const heartbeat = every(Math.min(1_000, this.config.TRAINING_LEASE_MS / 3), () => this.beat(runId, activity, pending, controller), (error) => this.logger.warn({ err: error, runId }, 'training heartbeat failed'));
    const started = Date.now();
    const log = this.logger.child({ runId, attempt: row.attempt });
    try {
      const { trainer } = checkSpec(spec);
      if (!trainer) throw new InvalidInputError('the spec is invalid');
      const refreshed = row.refresh_data ? await this.refreshedSpec(row) : undefined;
      if (refreshed) spec = specFromProto(refreshed);
      const fetched = await this.data.fetch(spec.data, signal, (rows) => (activity = { stage: 'FETCH', progress: 0.05, message: `${rows} rows read` }));
      if (refreshed) spec = await this.fitSplitToRows(row.run_id, refreshed, fetched.table);
      log.info({ rows: fetched.table.rows.length, trainer: trainer.kind }, 'training data read');
      const report = (next: Activity, metrics: StepMetric[] = []) => {
        activity = next;
        pending.push(...metrics);
      };
      const outcome =
        trainer.kind === 'external'
          ? await this.trainExternal(trainer, spec, fetched, join(this.config.TRAINING_WORK_DIR, `${runId}-${row.attempt}`), signal, report)
          : await this.trainBuiltin(trainer, spec, fetched, signal, report);
      if (row.retrain_request_id) activity = { stage: 'EVALUATE', progress: 0.95, message: "scoring the base run's model on the test rows" };
      const baseline = row.retrain_request_id ? await this.baselineOf(runId, spec, fetched, signal, log) : undefined;
      await heartbeat.stop();
      await this.beat(runId, { stage: 'PACKAGE', progress: 0.97, message: 'storing the model' }, pending, controller);
      if (signal.aborted) throw signal.reason;
      await this.succeed(row, spec, fetched, baseline ? { ...outcome, metrics: { ...outcome.metrics, ...baseline.metrics } } : outcome, (Date.now() - started) / 1000, baseline?.runId);
      runsEnded.add(1, { outcome: 'succeeded', trainer: spec.trainer.kind });
      runSeconds.record((Date.now() - started) / 1000, { trainer: spec.trainer.kind });
      log.info({ metrics: outcome.metrics }, 'training run succeeded');
    } catch (error) {
      await heartbeat.stop();
      const reason: unknown = signal.aborted ? signal.reason : error;
      if (reason instanceof Released) return;
      if (reason instanceof Cancelled) {
        await this.transaction(async (tx) => {
          const held = await this.runs.lock(tx, runId);
          if (held?.state !== 'DONE') await this.endCancelled(tx, held!);
        });
        runsEnded.add(1, { outcome: 'cancelled', trainer: spec.trainer.kind });
        log.info('training run cancelled');
        return;
      }
      await this.fail(row, activity.stage, reason, spec.trainer.kind, log);
    }
  }

  /** A retrain's spec pointed at the newest snapshot of its data, recorded at once: a fetch that fails still names what it read. */
  private async refreshedSpec(row: PipelineRow): Promise<pb.TrainingSpec> {
    const stored = pb.TrainingSpec.fromJSON(row.spec);
    const source = stored.data?.source;
    if (source?.$case === 'snapshotId') source.value = await this.data.newestSnapshotLike(source.value);
    else if (source?.$case === 'featureService') source.value.entitySnapshotId = await this.data.newestSnapshotLike(source.value.entitySnapshotId);
    await this.runs.resolveSpec(row.run_id, pb.TrainingSpec.toJSON(stored));
    return stored;
  }

  /** A retrain's time split fitted to the rows read (see `fittedToRows`), recorded as the spec the run ran when it moved. */
  private async fitSplitToRows(runId: string, stored: pb.TrainingSpec, table: Table): Promise<PipelineSpec> {
    const split = stored.split?.kind;
    const span = split?.$case === 'time' ? timeSpanOf(table, split.value.timeColumn) : undefined;
    if (split?.$case === 'time' && span) {
      const fitted = withSplitRanges(split.value, (ranges) => fittedToRows(ranges, span.oldestMs, span.newestMs));
      if (fitted !== split.value) {
        split.value = fitted;
        await this.runs.resolveSpec(runId, pb.TrainingSpec.toJSON(stored));
      }
    }
    return specFromProto(stored);
  }

  /**
   * Runs the command by the contract, then treats its model as a built-in one: opened in onnxruntime,
   * checked against the contract, evaluated on the test rows and profiled by the platform. The
   * trainer's own metrics.json is kept beside, prefixed `trainer.`.
   */
  private async trainExternal(trainer: ExternalTrainerSpec, spec: PipelineSpec, fetched: FetchedData, workDir: string, signal: AbortSignal, report: (a: Activity) => void): Promise<Outcome> {
    const dataset = prepareDataset(fetched.table, spec);
    const parts = checkedSplit(dataset, spec);
    report({ stage: 'TRAIN', progress: 0.1, message: `running ${trainer.command[0]}` });
    const external = await runExternalTrainer(trainer, spec, dataset, parts, workDir, signal);
    report({ stage: 'EVALUATE', progress: 0.8, message: `evaluating the trainer's model on ${parts.test.length} test rows` });
    const output = outputOf(spec);
    let predictions: Float64Array;
    try {
      predictions = await scoreWithOnnx(external.modelBytes, dataset.features, parts.test, output);
    } catch (error) {
      if (error instanceof ModelContractError) throw new TrainerError(error.message, 'trainer', external.log);
      throw error;
    }
    const { evaluation, profile } = assessPredictions(dataset, parts, spec, predictions, output);
    const trainerMetrics = Object.fromEntries(Object.entries(external.metrics).map(([k, v]) => [`trainer.${k}`, v]));
    return {
      metrics: { ...trainerMetrics, ...evaluation.metrics }, model: external.modelBytes, inputs: dataset.features.map((f) => ({ name: f.name, kind: f.kind })), output,
      params: Object.fromEntries(Object.entries(spec.hyperparameters).map(([k, v]) => [k, String(v)])), evaluation, log: external.log,
      rows: { train: parts.train.length, validation: parts.validation.length, test: parts.test.length, unlabelled: dataset.unlabelled }, profile,
    };
  }

  private async trainBuiltin(trainer: Exclude<TrainerParams, ExternalTrainerSpec>, spec: PipelineSpec, fetched: FetchedData, signal: AbortSignal, report: (a: Activity, metrics: StepMetric[]) => void): Promise<Outcome> {
    // No run id in the model's metadata: the same spec and data must give the same bytes.
    const result = await trainInWorker({ table: fetched.table, spec, trainer, metadata: { trainer: trainer.kind } }, signal, (p) =>
      report({ stage: p.stage.toUpperCase() as Stage, progress: p.progress, message: p.message }, p.metrics),
    );
    return { metrics: result.evaluation.metrics, model: result.modelBytes, inputs: result.inputs, output: result.output, params: result.params, evaluation: result.evaluation, rows: result.rows, profile: result.profile };
  }

  /**
   * A retrain's base model scored on this run's test rows, its metrics named `baseline.<name>`: the
   * registry's regression gate then compares the two models on the same rows, not each on its own
   * test period. Nothing when the base run kept no model or its model cannot take these rows.
   */
  private async baselineOf(runId: string, spec: PipelineSpec, fetched: FetchedData, signal: AbortSignal, log: Logger): Promise<{ runId: string; metrics: Record<string, number> } | undefined> {
    const [run] = await this.tracking.runs([runId]);
    const baseRunId = run?.tags.base_run_id;
    const digest = baseRunId && (await this.tracking.artifactDigest(baseRunId, MODEL_PATH));
    if (!baseRunId || !digest) return undefined;
    // A store that fails is an infrastructure failure (the run is retried), not a missing baseline.
    const model = await this.artifacts.readAll(digest);
    if (signal.aborted) throw signal.reason;
    const dataset = prepareDataset(fetched.table, spec);
    const parts = checkedSplit(dataset, spec);
    const output = outputOf(spec);
    let predictions: Float64Array;
    try {
      predictions = await scoreWithOnnx(model, dataset.features, parts.test, output);
    } catch (error) {
      if (!(error instanceof ModelContractError)) throw error;
      log.warn({ err: error, baseRunId }, "the base run's model does not take this run's inputs: no baseline metrics");
      return undefined;
    }
    if (signal.aborted) throw signal.reason;
    const { evaluation } = assessPredictions(dataset, parts, spec, predictions, output);
    return { runId: baseRunId, metrics: Object.fromEntries(Object.entries(evaluation.metrics).map(([key, value]) => [`baseline.${key}`, value])) };
  }

  /** Renews the lease, records progress and step metrics, and notices a cancel request or a lost lease. */
  private async beat(runId: string, activity: Activity, pending: StepMetric[], controller: AbortController): Promise<void> {
    const metricsNow = pending.splice(0);
    if (metricsNow.length > 0) {
      const time = new Date();
      await this.transaction((tx) => this.tracking.addMetrics(tx, runId, metricsNow.map((m) => ({ ...m, time }))));
    }
    const state = await this.runs.heartbeat(runId, this.owner, this.config.TRAINING_LEASE_MS, activity);
    if (state === undefined) controller.abort(new Released('the lease was lost'));
    else if (state === 'CANCEL_REQUESTED') controller.abort(new Cancelled());
  }

  private async store(path: string, mediaType: string, bytes: Uint8Array): Promise<ArtifactRecord> {
    const stored = await this.artifacts.put(Readable.from([bytes]), { mediaType });
    return { path, digest: stored.digest, sizeBytes: stored.sizeBytes, mediaType, uri: stored.uri };
  }

  private async succeed(row: PipelineRow, spec: PipelineSpec, fetched: FetchedData, outcome: Outcome, seconds: number, baselineRunId = ''): Promise<void> {
    const runId = row.run_id;
    const model = await this.store(MODEL_PATH, 'application/onnx', outcome.model);
    const profile = await this.store('reference_profile.pb', PROFILE_MEDIA_TYPE, commonV1.ReferenceProfile.encode(referenceProfileOf(outcome.profile, fetched.snapshotId)).finish());
    const evaluation = await this.store('evaluation.json', 'application/json', Buffer.from(JSON.stringify(outcome.evaluation)));
    const log = outcome.log && (await this.store('logs/trainer.log', 'text/plain', outcome.log));
    const signature: commonV1.ModelSignature = {
      inputs: outcome.inputs.map((i) => ({
        name: i.name, datatype: i.kind === 'numeric' ? commonV1.TensorDataType.TENSOR_DATA_TYPE_FP32 : commonV1.TensorDataType.TENSOR_DATA_TYPE_BYTES, shape: [-1, 1],
        featureType: i.kind === 'numeric' ? commonV1.DataType.DATA_TYPE_FLOAT : commonV1.DataType.DATA_TYPE_CATEGORICAL, nullable: true, description: '',
      })),
      outputs: [{
        name: outcome.output, datatype: commonV1.TensorDataType.TENSOR_DATA_TYPE_FP32, shape: [-1, 1], featureType: commonV1.DataType.DATA_TYPE_FLOAT, nullable: false,
        description: outcome.output === 'probability' ? 'probability of the positive class' : 'predicted value',
      }],
    };
    const primary = primaryMetricOf(spec);
    const outputs: pb.RunOutputs = {
      model: artifactRefOf(model), signature, referenceProfile: artifactRefOf(profile), registeredModelName: spec.registerAs, registeredVersion: 0,
      evaluation: {
        metrics: outcome.metrics, primaryMetric: primary, trainRows: outcome.rows.train, validationRows: outcome.rows.validation, testRows: outcome.rows.test,
        slices: outcome.evaluation.slices.map((s) => ({ feature: s.feature, value: s.value, count: s.count, metrics: s.metrics })),
        calibration: outcome.evaluation.calibration,
      },
    };
    const dataVersion: pb.DataVersion = { snapshotId: fetched.snapshotId, featureService: fetched.featureService, entitySetDigest: fetched.featureService ? fetched.snapshotId : '', featureViews: fetched.featureViews };
    // The stored spec is the run's whole configuration: its digest identifies it, and it goes along so the run can be repeated.
    const config = row.spec as Record<string, unknown>;
    const code = (config.codeVersion ?? {}) as { commit?: string; repository?: string };
    const lineage: commonV1.Lineage = commonV1.Lineage.fromPartial({
      trainingRunId: runId, experimentId: '', dataset: fetched.dataset, datasetSnapshotId: fetched.snapshotId, featureService: fetched.featureService, featureViews: fetched.featureViews,
      codeCommit: code.commit ?? '', codeRepository: code.repository ?? '', configDigest: `sha256:${createHash('sha256').update(canonicalJson(config)).digest('hex')}`, config,
      baselineRunId,
    });
    await this.transaction(async (tx) => {
      if (!(await this.runs.lockHeld(tx, runId, this.owner))) throw new Released('the lease was lost before the run could be recorded');
      const run = await this.tracking.summary(tx, runId);
      lineage.experimentId = run.experimentId;
      await this.tracking.addParams(tx, runId, { trainer: spec.trainer.kind, ...outcome.params });
      await this.tracking.addMetrics(tx, runId, Object.entries(outcome.metrics).map(([key, value]) => ({ key, value, step: 0, time: new Date() })));
      for (const artifact of [model, profile, evaluation, log]) if (artifact) await this.tracking.addArtifact(tx, runId, artifact);
      await this.tracking.setStatus(tx, runId, 'SUCCEEDED', { ended: true, dataVersion: pb.DataVersion.toJSON(dataVersion), environment: environment() });
      await this.runs.finish(tx, runId, { stage: 'DONE', outputs: pb.RunOutputs.toJSON(outputs), message: 'succeeded' });
      await this.outbox.enqueue(tx, Events.trainingRunCompleted, {
        runId, experimentId: run.experimentId, runName: run.name, modelName: spec.registerAs, task: taskOf(spec) === 'regression' ? commonV1.TaskType.TASK_TYPE_REGRESSION : commonV1.TaskType.TASK_TYPE_BINARY_CLASSIFICATION,
        model: outputs.model, signature, referenceProfile: outputs.referenceProfile, metrics: outcome.metrics, primaryMetric: primary, lineage,
        seed: Number(spec.seed), duration: { seconds: Math.floor(seconds), nanos: Math.round((seconds % 1) * 1e9) }, retrainRequestId: row.retrain_request_id, startedBy: run.startedBy,
      });
    });
  }

  private async fail(row: PipelineRow, stage: Stage, error: unknown, trainer: string, log: Logger): Promise<void> {
    const runId = row.run_id;
    const kind: FailureKind = error instanceof InvalidInputError ? 'INVALID_INPUT' : error instanceof TrainerError ? (error.kind === 'timeout' ? 'TIMEOUT' : 'TRAINER_ERROR') : 'INFRASTRUCTURE';
    const message = (error as Error).message;
    const trainerLog = error instanceof TrainerError ? await this.store('logs/trainer.log', 'text/plain', error.log) : undefined;
    const failure: StoredFailure = { kind, message, stage, log: trainerLog && artifactRefOf(trainerLog) };
    const retry = kind === 'INFRASTRUCTURE' && row.attempt < this.config.TRAINING_MAX_ATTEMPTS;
    await this.transaction(async (tx) => {
      if (!(await this.runs.lockHeld(tx, runId, this.owner))) return;
      const run = await this.tracking.summary(tx, runId);
      if (trainerLog) await this.tracking.addArtifact(tx, runId, trainerLog);
      if (retry) {
        await this.runs.requeue(tx, runId, backoffDelay(row.attempt, 2_000, 60_000), failure);
        await this.tracking.setStatus(tx, runId, 'QUEUED');
      } else {
        await this.runs.finish(tx, runId, { stage, failure, message: 'failed' });
        await this.tracking.setStatus(tx, runId, 'FAILED', { ended: true, failureMessage: message });
      }
      await this.outbox.enqueue(tx, Events.trainingRunFailed, {
        runId, experimentId: run.experimentId, kind: eventsV1.TrainingFailureKind[`TRAINING_FAILURE_KIND_${kind}`], reason: message, stage, log: failure.log, attempt: row.attempt, willRetry: retry, retrainRequestId: row.retrain_request_id,
      });
    });
    runsEnded.add(1, { outcome: retry ? 'retrying' : 'failed', trainer });
    log.warn({ kind, reason: message, willRetry: retry }, 'training run failed');
  }

  /** Records a run as cancelled, with the event; the caller holds the run's row lock. */
  async endCancelled(tx: SqlExecutor, row: PipelineRow): Promise<void> {
    const run = await this.tracking.summary(tx, row.run_id);
    await this.runs.finish(tx, row.run_id, { stage: row.stage, message: `cancelled${row.cancel_reason ? `: ${row.cancel_reason}` : ''}` });
    await this.tracking.setStatus(tx, row.run_id, 'CANCELLED', { ended: true, failureMessage: row.cancel_reason });
    await this.outbox.enqueue(tx, Events.trainingRunCancelled, { runId: row.run_id, experimentId: run.experimentId, cancelledBy: '', reason: row.cancel_reason });
  }
}

/** What the run ran on, recorded automatically. */
function environment(): pb.RunEnvironment {
  return pb.RunEnvironment.toJSON({
    runtime: 'node', runtimeVersion: process.versions.node, platform: `${process.platform}-${process.arch}`, host: hostname(),
    libraries: { 'mlops-training': '1', onnx_opset: '17', 'ai.onnx.ml': '3' },
  }) as pb.RunEnvironment;
}
