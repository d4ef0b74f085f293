import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type OnServiceReady, type OnServiceStop, SERVICE_CONFIG } from '@mlops/platform';
import { every, type Periodic } from '@mlops/resilience';
import { type Logger } from '@mlops/telemetry';
import { type ServingConfig } from '../config';
import { ModelPool } from '../runtime/model-pool';
import { DeploymentService } from './deployment.service';

/**
 * Keeps this replica's routing in step with the stored deployments: all of them loaded and warmed
 * before the replica reports SERVING, then every SERVING_SYNC_INTERVAL_MS the revisions another
 * replica (or an event handled elsewhere) moved.
 */
@Injectable()
export class DeploymentSync implements OnServiceReady, OnServiceStop {
  private periodic?: Periodic;
  private synchronized = false;

  constructor(
    private readonly deployments: DeploymentService,
    private readonly pool: ModelPool,
    @Inject(SERVICE_CONFIG) private readonly config: ServingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onServiceReady(): Promise<void> {
    await this.deployments.synchronize();
    this.synchronized = true;
    this.periodic = every(this.config.SERVING_SYNC_INTERVAL_MS, () => this.deployments.synchronize(), (error) => this.logger.warn({ err: error }, 'deployment sync failed; will retry'));
  }

  /** Whether every stored deployment has been loaded once (OIP ServerReady). */
  get ready(): boolean {
    return this.synchronized;
  }

  async onServiceStop(): Promise<void> {
    await this.periodic?.stop();
    await this.pool.releaseAll();
  }
}
