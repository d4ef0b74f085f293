import { Inject, Injectable } from '@nestjs/common';
import { type EventEnvelope, Events, UnprocessableEventError } from '@mlops/events';
import { type SqlExecutor } from '@mlops/persistence';
import { LOGGER, OnEvent } from '@mlops/platform';
import { type eventsV1 } from '@mlops/proto';
import { type Logger } from '@mlops/telemetry';
import { afterPromotion, afterRollback } from '../domain/deployments';
import { ModelLoadError } from '../runtime/model-pool';
import { rolloutFrom, servableFrom } from '../serving.mapper';
import { ServableVersionRepository } from '../versions/servable-version.repository';
import { DeploymentService, type NextDeployment } from './deployment.service';

const DEFAULTS = { nanPolicy: 'reject', logSampleRate: 1 } as const;

/**
 * Follows the registry: a promoted version is loaded and warmed, then rolled out as the promotion
 * asks (immediately, as a canary, blue/green or shadow); a rollback restores the version it names.
 * Both are idempotent, so a redelivered event changes nothing. A version whose artifact cannot be
 * loaded is dead-lettered with the reason, and the deployment keeps serving what it served.
 */
@Injectable()
export class RegistryEventsHandler {
  constructor(
    private readonly deployments: DeploymentService,
    private readonly versions: ServableVersionRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnEvent(Events.modelPromoted)
  async onModelPromoted(event: eventsV1.ModelPromoted, envelope: EventEnvelope, tx: SqlExecutor): Promise<void> {
    await this.learn(event.modelName, event.version, event.artifact, event.signature);
    const promotion = { modelName: event.modelName, version: event.version, previousVersion: event.previousVersion, alias: event.alias, rollout: rolloutFrom(event.rollout) };
    const actor = event.approvedBy.length > 0 ? event.approvedBy.join(', ') : event.requestedBy;
    await this.apply(tx, event.modelName, envelope, (current) => afterPromotion(current, promotion, DEFAULTS, new Date()), actor);
  }

  @OnEvent(Events.modelRolledBack)
  async onModelRolledBack(event: eventsV1.ModelRolledBack, envelope: EventEnvelope, tx: SqlExecutor): Promise<void> {
    if (event.signature) await this.learn(event.modelName, event.toVersion, event.artifact, event.signature);
    const rollback = { fromVersion: event.fromVersion, toVersion: event.toVersion, alias: event.alias };
    await this.apply(tx, event.modelName, envelope, (current) => (current ? afterRollback(current, rollback) : undefined), event.actor);
  }

  /** Committed on its own (an idempotent insert of immutable facts): the deployment change reads it from another connection. */
  private async learn(modelName: string, version: number, artifact: eventsV1.ModelPromoted['artifact'], signature: eventsV1.ModelPromoted['signature']): Promise<void> {
    if (!artifact?.digest) throw new UnprocessableEventError(`version ${version} of "${modelName}" comes without an artifact; serving cannot load it`);
    const servable = servableFrom(modelName, version, artifact, signature);
    if (servable.signature.inputs.length === 0) throw new UnprocessableEventError(`version ${version} of "${modelName}" comes without a signature; serving cannot check inputs for it`);
    await this.versions.put(servable);
  }

  /** In the consumer's transaction: the event counts as processed exactly when its change is stored, so a redelivery never repeats it. */
  private async apply(tx: SqlExecutor, modelName: string, envelope: EventEnvelope, next: NextDeployment, actor: string): Promise<void> {
    try {
      const stored = await this.deployments.change(modelName, next, { actor: actor || 'service:registry' }, { tx });
      if (stored) this.logger.info({ model: modelName, revision: stored.revision, stable: stored.stableVersion, event: envelope.type }, 'deployment follows the registry');
    } catch (error) {
      if (error instanceof ModelLoadError) throw new UnprocessableEventError(error.message);
      throw error;
    }
  }
}
