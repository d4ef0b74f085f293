import { Inject, Injectable } from '@nestjs/common';
import { type EventEnvelope, Events, UnprocessableEventError } from '@mlops/events';
import { RpcError } from '@mlops/grpc';
import { type SqlExecutor } from '@mlops/persistence';
import { LOGGER, OnEvent } from '@mlops/platform';
import { type eventsV1 } from '@mlops/proto';
import { type Logger } from '@mlops/telemetry';
import { PromotionService } from './promotion.service';

export const MONITORING_ACTOR = 'service:monitoring';

/**
 * A canary that regressed is rolled back to the stable version monitoring compared it with, as long
 * as the canary still holds the governed alias: a request that arrives after a newer promotion or an
 * earlier rollback changes nothing.
 */
@Injectable()
export class CanaryRollbacksHandler {
  constructor(
    private readonly promotions: PromotionService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnEvent(Events.canaryRollbackRequested)
  async onCanaryRollbackRequested(request: eventsV1.CanaryRollbackRequested, _envelope: EventEnvelope, tx: SqlExecutor): Promise<void> {
    const ask = { modelName: request.modelName, toVersion: request.stableVersion, reason: `canary rollback: ${request.reason}`, canaryRollbackRequestId: request.requestId };
    try {
      const result = await this.promotions.rollbackIn(tx, ask, MONITORING_ACTOR, request.canaryVersion);
      if (result) this.logger.warn({ model: request.modelName, ...result, requestId: request.requestId }, 'rolled back a regressing canary');
      else this.logger.info({ model: request.modelName, canary: request.canaryVersion, requestId: request.requestId }, 'canary rollback skipped: the canary no longer holds the alias');
    } catch (error) {
      if (error instanceof RpcError) throw new UnprocessableEventError(`canary rollback ${request.requestId} of "${request.modelName}": ${error.message}`);
      throw error;
    }
  }
}
