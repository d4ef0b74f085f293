import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { type EventEnvelope, Events, UnprocessableEventError } from '@mlops/events';
import { RpcError } from '@mlops/grpc';
import { type SqlExecutor } from '@mlops/persistence';
import { LOGGER, OnEvent } from '@mlops/platform';
import { type eventsV1 } from '@mlops/proto';
import { type Logger } from '@mlops/telemetry';
import { type NewModelVersion } from '../domain/model-version';
import { PolicyRepository } from '../promotions/policy.repository';
import { AUTOMATIC_ACTOR, PromotionService } from '../promotions/promotion.service';
import { artifactFrom, lineageFrom, signatureFrom } from '../registry.mapper';
import { ModelVersionService } from './model-version.service';

const TRAINING_ACTOR = 'service:training';

/** Statuses that mean the event itself is unusable: retrying cannot help, so it is dead-lettered with the reason. */
const UNUSABLE = new Set([status.INVALID_ARGUMENT, status.FAILED_PRECONDITION, status.DATA_LOSS, status.ALREADY_EXISTS, status.NOT_FOUND]);

/**
 * Registers the model of every completed run that names one (`register_as`), keyed by the run id so a
 * redelivered event registers it once. When the model's policy allows automatic promotion, the new
 * version is put up for promotion at once: the retrain loop closes without a person when the policy
 * says so, and waits for approvers when it does not.
 */
@Injectable()
export class TrainingRunsHandler {
  constructor(
    private readonly versions: ModelVersionService,
    private readonly promotions: PromotionService,
    private readonly policies: PolicyRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnEvent(Events.trainingRunCompleted)
  async onRunCompleted(run: eventsV1.TrainingRunCompleted, _envelope: EventEnvelope, tx: SqlExecutor): Promise<void> {
    if (!run.modelName) return;
    const lineage = lineageFrom(run.lineage);
    const input: NewModelVersion = {
      requestId: run.runId, modelName: run.modelName, artifact: artifactFrom(run.model), signature: signatureFrom(run.signature), metrics: run.metrics,
      referenceProfile: run.referenceProfile?.digest ? artifactFrom(run.referenceProfile) : undefined,
      lineage: { ...lineage, trainingRunId: lineage.trainingRunId || run.runId, experimentId: lineage.experimentId || run.experimentId },
      description: `trained by run "${run.runName}"${run.retrainRequestId ? ` for retrain request ${run.retrainRequestId}` : ''}`,
      tags: {
        primary_metric: run.primaryMetric, started_by: run.startedBy,
        ...(run.retrainRequestId ? { retrain_request_id: run.retrainRequestId } : {}),
      },
    };
    try {
      const { version, created } = await this.versions.registerIn(tx, input, { actor: TRAINING_ACTOR, createModel: { task: run.task } });
      if (created) this.logger.info({ model: version.modelName, version: version.version, runId: run.runId }, 'registered a model version from a training run');
      if (created) await this.promoteAutomatically(tx, version.modelName, version.version, run);
    } catch (error) {
      if (error instanceof RpcError && UNUSABLE.has(error.code)) {
        const details = error.fieldViolations.map((v) => `${v.field}: ${v.description}`).join('; ');
        throw new UnprocessableEventError(`run ${run.runId} cannot be registered as "${run.modelName}": ${error.message}${details ? ` (${details})` : ''}`);
      }
      throw error;
    }
  }

  private async promoteAutomatically(tx: SqlExecutor, modelName: string, version: number, run: eventsV1.TrainingRunCompleted): Promise<void> {
    const { policy } = await this.policies.effective(modelName, tx);
    if (!policy.allowAutomaticPromotion) return;
    const reason = run.retrainRequestId ? `automatic: retrained for request ${run.retrainRequestId}` : `automatic: new version from run ${run.runId}`;
    try {
      const promotion = await this.promotions.requestIn(tx, { modelName, version, reason, requestId: `auto:${run.runId}` }, AUTOMATIC_ACTOR);
      this.logger.info({ model: modelName, version, promotionId: promotion.id, state: promotion.state }, 'requested promotion automatically');
    } catch (error) {
      // A pending promotion keeps its place; the version stays registered and can be put up later.
      if (!(error instanceof RpcError && error.code === status.FAILED_PRECONDITION)) throw error;
      this.logger.warn({ model: modelName, version, reason: error.message }, 'automatic promotion not requested');
    }
  }
}
