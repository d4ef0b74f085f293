import { Inject, Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { type EventEnvelope, Events, UnprocessableEventError } from '@mlops/events';
import { type SqlExecutor } from '@mlops/persistence';
import { LOGGER, OnEvent } from '@mlops/platform';
import { type eventsV1, trainingV1 as pb } from '@mlops/proto';
import { type Logger } from '@mlops/telemetry';
import { movedSplit } from '../domain/pipeline/retrain';
import { TrackingRepository } from '../tracking/tracking.repository';
import { timeRangeFrom, withSplitRanges } from './pipeline.mapper';
import { PipelineService } from './pipeline.service';
import { PipelineRunsRepository } from './pipeline-runs.repository';

const retrains = metrics.getMeter('training').createCounter('training.retrain_requests', { description: 'Retrain requests consumed, by outcome' });

/**
 * Retrain requests from monitoring: repeat the model's base run (the one named, or the newest run
 * that registered the model) on the newest snapshot of its data, its time split moved onto the
 * requested range. The request id makes a repeated request queue one run.
 */
@Injectable()
export class RetrainRequestsHandler {
  constructor(
    private readonly runs: PipelineRunsRepository,
    private readonly tracking: TrackingRepository,
    private readonly pipeline: PipelineService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnEvent(Events.retrainRequested)
  async onRetrainRequested(request: eventsV1.RetrainRequested, _envelope: EventEnvelope, tx: SqlExecutor): Promise<void> {
    const requestId = `retrain:${request.retrainRequestId}`;
    if (await this.runs.byRequestId(requestId, tx)) return void retrains.add(1, { outcome: 'duplicate' });
    const base = request.baseRunId ? await this.runs.get(request.baseRunId, tx) : await this.runs.latestSucceeded(tx, request.modelName);
    if (!base) {
      retrains.add(1, { outcome: 'no_base_run' });
      throw new UnprocessableEventError(
        request.baseRunId ? `retrain request ${request.retrainRequestId}: base run ${request.baseRunId} is not a pipeline run` : `retrain request ${request.retrainRequestId}: no successful run has registered model "${request.modelName}"`,
      );
    }
    const spec = pb.TrainingSpec.fromJSON(base.spec);
    spec.registerAs ||= request.modelName;
    const split = spec.split?.kind;
    if (split?.$case === 'time' && request.dataRange) {
      const range = timeRangeFrom(request.dataRange);
      split.value = withSplitRanges(split.value, (ranges) => movedSplit(ranges, range));
    }
    const baseRun = await this.tracking.summary(tx, base.run_id);
    const runId = await this.pipeline.queue(
      tx,
      {
        experimentId: baseRun.experimentId, name: `retrain of ${baseRun.name}`, spec, actor: 'monitoring',
        tags: { retrain_request_id: request.retrainRequestId, base_run_id: base.run_id, reason: request.reason.slice(0, 500) },
      },
      { requestId, retrainRequestId: request.retrainRequestId, refreshData: true },
    );
    retrains.add(1, { outcome: 'queued' });
    this.logger.info({ runId, baseRunId: base.run_id, model: request.modelName, retrainRequestId: request.retrainRequestId, reason: request.reason }, 'retrain queued');
  }
}
