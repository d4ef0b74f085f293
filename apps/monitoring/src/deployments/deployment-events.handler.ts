import { Injectable } from '@nestjs/common';
import { type EventEnvelope, Events } from '@mlops/events';
import { type SqlExecutor } from '@mlops/persistence';
import { OnEvent } from '@mlops/platform';
import { type eventsV1 } from '@mlops/proto';
import { MonitoredDeploymentRepository } from './monitored-deployment.repository';

/** Follows serving's deployments: "version 0" in queries means the stable version, and canaries are judged against it. */
@Injectable()
export class DeploymentEventsHandler {
  constructor(private readonly deployments: MonitoredDeploymentRepository) {}

  @OnEvent(Events.deploymentChanged)
  async onDeploymentChanged(change: eventsV1.DeploymentChanged, envelope: EventEnvelope, tx: SqlExecutor): Promise<void> {
    await this.deployments.record(
      tx,
      { modelName: change.modelName, revision: change.revision, stableVersion: change.stableVersion, arms: change.arms.map((a) => ({ arm: a.arm, version: a.version, weight: a.weight })) },
      envelope.time,
    );
  }
}
