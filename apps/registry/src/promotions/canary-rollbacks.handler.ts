import { Inject, Injectable } from '@nestjs/common';
import { type EventEnvelope, Events, UnprocessableEventError } from '@mlops/events';
import { RpcError } from '@mlops/grpc';
import { type SqlExecutor } from '@mlops/persistence';
import { LOGGER, OnEvent } from '@mlops/platform';
import { eventsV1 } from '@mlops/proto';
import { type Logger } from '@mlops/telemetry';
import { autoRollbackReason } from '../domain/promotion';
import { PromotionService, type RollbackAsk } from './promotion.service';

export const MONITORING_ACTOR = 'service:monitoring';
export const SERVING_ACTOR = 'service:serving';

interface CanaryRollback {
  /** What asked for it, for logs and dead-letter reasons. */
  source: string;
  ask: RollbackAsk;
  actor: string;
  /** The canary that must still hold the alias, or `'canary'` when the source does not name it. */
  expectedFrom: number | 'canary';
}

/**
 * A canary that regressed is rolled back to the stable version, as long as the canary still holds the
 * governed alias: a request that arrives after a newer promotion or an earlier rollback changes nothing.
 * Two sources ask for it: monitoring's `canary rollback requested`, which names the canary, and serving's
 * `deployment changed` with cause AUTO_ROLLBACK, after serving already moved its traffic back to stable.
 */
@Injectable()
export class CanaryRollbacksHandler {
  constructor(
    private readonly promotions: PromotionService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnEvent(Events.canaryRollbackRequested)
  async onCanaryRollbackRequested(request: eventsV1.CanaryRollbackRequested, _envelope: EventEnvelope, tx: SqlExecutor): Promise<void> {
    await this.rollBack(tx, {
      source: `canary rollback ${request.requestId}`,
      ask: { modelName: request.modelName, toVersion: request.stableVersion, reason: `canary rollback: ${request.reason}`, canaryRollbackRequestId: request.requestId },
      actor: MONITORING_ACTOR,
      expectedFrom: request.canaryVersion,
    });
  }

  /**
   * Serving rolled a canary back by itself (error rate or latency regressed). Its event names the
   * canary it removed, which must still hold the alias; an event without it (older serving) leaves the
   * registry to infer the canary: the alias's version, if it was promoted after the stable version.
   * Other causes of a deployment change are serving's own business.
   */
  @OnEvent(Events.deploymentChanged)
  async onDeploymentChanged(change: eventsV1.DeploymentChanged, envelope: EventEnvelope, tx: SqlExecutor): Promise<void> {
    if (change.cause !== eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_AUTO_ROLLBACK) return;
    const source = `automatic rollback ${envelope.id} by serving`;
    if (!change.modelName || change.stableVersion <= 0) throw new UnprocessableEventError(`${source}: it names no model or no stable version`);
    await this.rollBack(tx, {
      source,
      ask: { modelName: change.modelName, toVersion: change.stableVersion, reason: autoRollbackReason(change.reason, change.checks) },
      actor: SERVING_ACTOR,
      expectedFrom: change.rolledBackVersion > 0 ? change.rolledBackVersion : 'canary',
    });
  }

  private async rollBack(tx: SqlExecutor, { source, ask, actor, expectedFrom }: CanaryRollback): Promise<void> {
    const context = { model: ask.modelName, stable: ask.toVersion, source };
    try {
      const result = await this.promotions.rollbackIn(tx, ask, actor, expectedFrom);
      if (result) this.logger.warn({ ...context, ...result }, 'rolled back a regressing canary');
      else this.logger.info({ ...context, canary: expectedFrom }, 'canary rollback skipped: the canary no longer holds the alias');
    } catch (error) {
      if (error instanceof RpcError) throw new UnprocessableEventError(`${source} of "${ask.modelName}": ${error.message}`);
      throw error;
    }
  }
}
