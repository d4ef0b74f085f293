import { Inject, Injectable } from '@nestjs/common';
import { LOGGER } from '@mlops/platform';
import { type Logger } from '@mlops/telemetry';
import { type Deployment, type DeploymentSpec } from '../domain/deployment';
import { versionsOf } from '../domain/deployments';
import { type ServableVersion, versionKey } from '../domain/servable-version';
import { type LoadedModel } from '../runtime/loaded-model';
import { ModelPool } from '../runtime/model-pool';
import { ServableVersionRepository } from '../versions/servable-version.repository';

/** A deployment this replica routes by, with every version it names loaded and warm. */
export interface LiveDeployment {
  deployment: Deployment;
  models: ReadonlyMap<number, LoadedModel>;
}

/**
 * The routing table of this replica. A new revision becomes live only once all its versions are
 * loaded and warmed, by replacing one map entry: a request sees the old deployment or the new one,
 * never a half-loaded one, and versions the new one drops are drained, not cut off.
 */
@Injectable()
export class LiveDeployments {
  private readonly live = new Map<string, LiveDeployment>();
  /** Activations of one model run one after another, so an older revision never overtakes a newer one. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly pool: ModelPool,
    private readonly versions: ServableVersionRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  get(modelName: string): LiveDeployment | undefined {
    return this.live.get(modelName);
  }

  all(): LiveDeployment[] {
    return [...this.live.values()];
  }

  revisionOf(modelName: string): number {
    return this.live.get(modelName)?.deployment.revision ?? 0;
  }

  /** Makes the deployment live once its versions are ready; a revision older than the live one is ignored. */
  activate(deployment: Deployment): Promise<void> {
    const previous = this.queues.get(deployment.modelName) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.swapIn(deployment));
    this.queues.set(deployment.modelName, next);
    void next.finally(() => {
      if (this.queues.get(deployment.modelName) === next) this.queues.delete(deployment.modelName);
    }).catch(() => undefined);
    return next;
  }

  /** Servable records of the versions a deployment names (stored before the deployment was). */
  async servablesOf(deployment: DeploymentSpec): Promise<ServableVersion[]> {
    return Promise.all(
      versionsOf(deployment).map(async (version) => {
        const servable = await this.versions.get(deployment.modelName, version);
        if (!servable) throw new Error(`version ${version} of "${deployment.modelName}" is deployed but serving has no record of its artifact`);
        return servable;
      }),
    );
  }

  private async swapIn(deployment: Deployment): Promise<void> {
    if (deployment.revision <= this.revisionOf(deployment.modelName)) return;
    const servables = await this.servablesOf(deployment);
    // Held while loading: another model's swap must not unload a version loaded here but not live yet.
    await this.pool.holding(servables, () => {
      if (deployment.revision <= this.revisionOf(deployment.modelName)) return Promise.resolve();
      const models = new Map(servables.map((s) => [s.version, this.pool.get(s.modelName, s.version)!]));
      this.live.set(deployment.modelName, { deployment, models });
      this.logger.info({ model: deployment.modelName, revision: deployment.revision, versions: [...models.keys()], cause: deployment.changeCause }, 'deployment live');
      this.pool.retainOnly(this.referenced());
      return Promise.resolve();
    });
  }

  private referenced(): Set<string> {
    const keys = new Set<string>();
    for (const { deployment, models } of this.live.values()) for (const version of models.keys()) keys.add(versionKey(deployment.modelName, version));
    return keys;
  }
}
