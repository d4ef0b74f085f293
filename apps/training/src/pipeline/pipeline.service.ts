import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { uuidv7 } from 'uuidv7';
import { RpcError } from '@mlops/grpc';
import { type SqlExecutor, type TransactionRunner } from '@mlops/persistence';
import { TRANSACTION_RUNNER } from '@mlops/platform';
import { trainingV1 as pb } from '@mlops/proto';
import { sleep } from '@mlops/resilience';
import { checkSpec } from '../domain/pipeline/spec';
import { toRun } from '../tracking/tracking.mapper';
import { TrackingRepository } from '../tracking/tracking.repository';
import { TrackingService } from '../tracking/tracking.service';
import { pipelineFields, specFromProto, STAGES } from './pipeline.mapper';
import { PipelineRunner } from './pipeline-runner';
import { PipelineRunsRepository, type QueueOptions } from './pipeline-runs.repository';

const WATCH_POLL_MS = 250;
const TERMINAL = [pb.RunStatus.RUN_STATUS_SUCCEEDED, pb.RunStatus.RUN_STATUS_FAILED, pb.RunStatus.RUN_STATUS_CANCELLED];

/** Queues, cancels and follows pipeline runs; the PipelineRunner does the work. */
@Injectable()
export class PipelineService {
  constructor(
    private readonly runs: PipelineRunsRepository,
    private readonly tracking: TrackingService,
    private readonly trackingRepository: TrackingRepository,
    private readonly runner: PipelineRunner,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
  ) {}

  /** Checks the spec field by field, then queues the run; the same request id returns the same run. */
  async start(request: pb.StartTrainingRunRequest, actor: string): Promise<pb.Run> {
    if (request.requestId) {
      const existing = await this.runs.byRequestId(request.requestId);
      if (existing) return this.get(existing);
    }
    if (!request.spec) throw RpcError.invalidArgument('a training run needs a spec', [{ field: 'spec', description: 'data, label, features, trainer, split' }]);
    const { violations } = checkSpec(specFromProto(request.spec));
    if (violations.length > 0) throw RpcError.invalidArgument(`the spec has ${violations.length} problem(s): ${violations.map((v) => `${v.field}: ${v.description}`).join('; ')}`, violations);
    await this.tracking.experiment({ id: request.experimentId });
    const runId = await this.transaction(async (tx) => {
      try {
        return await this.queue(tx, { experimentId: request.experimentId, name: request.name, spec: request.spec!, tags: request.tags, actor }, { requestId: request.requestId });
      } catch (error) {
        if ((error as { code?: string }).code === '23505') return undefined; // the same request id, raced
        throw error;
      }
    });
    if (!runId) return this.get((await this.runs.byRequestId(request.requestId))!);
    this.runner.wake();
    return this.get(runId);
  }

  /** Records a tracked run and queues its pipeline work in the caller's transaction; returns the run id. */
  async queue(tx: SqlExecutor, run: { experimentId: string; name: string; spec: pb.TrainingSpec; tags: Record<string, string>; actor: string }, options: QueueOptions): Promise<string> {
    const runId = uuidv7();
    await this.trackingRepository.createRun(tx, {
      runId, experimentId: run.experimentId, name: run.name || `run-${runId.slice(-8)}`, status: 'QUEUED', startedBy: run.actor, startTime: undefined,
      tags: run.tags, environment: undefined, codeVersion: run.spec.codeVersion, dataVersion: undefined, seed: String(run.spec.seed),
    });
    await this.runs.insert(tx, runId, pb.TrainingSpec.toJSON(run.spec), options);
    return runId;
  }

  async get(runId: string): Promise<pb.Run> {
    const run = toRun(await this.tracking.run(runId));
    const row = await this.runs.get(runId);
    return row ? { ...run, ...pipelineFields(row) } : run;
  }

  /** A queued run is cancelled at once; a running one stops within a heartbeat (at once on this replica). */
  async cancel(runId: string, reason: string): Promise<pb.Run> {
    await this.tracking.run(runId);
    const state = await this.transaction(async (tx) => {
      const row = await this.runs.lock(tx, runId);
      if (!row) throw new RpcError(status.FAILED_PRECONDITION, `run ${runId} is a tracking run; only pipeline runs are cancelled`, [{ field: 'run_id', description: 'a run started with StartTrainingRun' }], 'NOT_A_PIPELINE_RUN');
      if (row.state === 'DONE') return row.state;
      if (row.state === 'QUEUED') {
        await this.runner.endCancelled(tx, { ...row, cancel_reason: reason });
        return row.state;
      }
      await this.runs.requestCancel(tx, runId, reason);
      await this.trackingRepository.setStatus(tx, runId, 'CANCELLING');
      return row.state;
    });
    if (state === 'RUNNING') this.runner.cancelLocal(runId);
    return this.get(runId);
  }

  /** The run's status, stage and progress each time they change, with the step metrics logged since; ends with the run. */
  async *watch(runId: string, signal: AbortSignal): AsyncGenerator<pb.WatchRunResponse> {
    let last = '';
    let seenMetrics = new Map<string, number>();
    while (!signal.aborted) {
      const run = await this.get(runId);
      const history = new Map(run.metrics.map((m) => [m.key, m.step]));
      const fresh = run.metrics.filter((m) => seenMetrics.get(m.key) !== m.step);
      seenMetrics = history;
      const key = JSON.stringify([run.status, run.stage, run.progress]);
      if (key !== last || fresh.length > 0) {
        last = key;
        yield { runId, status: run.status, stage: run.stage ?? STAGES.QUEUED, progress: run.progress ?? 0, message: run.failure?.message ?? '', metrics: fresh, time: new Date(), failure: run.failure };
      }
      if (TERMINAL.includes(run.status)) return;
      await sleep(WATCH_POLL_MS, signal).catch(() => undefined);
    }
  }
}
