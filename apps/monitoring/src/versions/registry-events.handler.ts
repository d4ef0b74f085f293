import { Injectable } from '@nestjs/common';
import { Events } from '@mlops/events';
import { type SqlExecutor } from '@mlops/persistence';
import { OnEvent } from '@mlops/platform';
import { type eventsV1 } from '@mlops/proto';
import { MonitoredModelRepository } from './monitored-model.repository';
import { MonitoredVersionRepository } from './monitored-version.repository';

/** Keeps monitoring's own list of models and versions (with their reference profiles) from the registry's events. */
@Injectable()
export class RegistryEventsHandler {
  constructor(
    private readonly models: MonitoredModelRepository,
    private readonly versions: MonitoredVersionRepository,
  ) {}

  @OnEvent(Events.registeredModelCreated)
  async onRegisteredModelCreated(event: eventsV1.RegisteredModelCreated, _envelope: unknown, tx: SqlExecutor): Promise<void> {
    await this.models.upsert(tx, { name: event.name, task: event.task, registeredAt: event.createdAt ?? new Date(0) });
  }

  @OnEvent(Events.modelVersionRegistered)
  async onModelVersionRegistered(event: eventsV1.ModelVersionRegistered, _envelope: unknown, tx: SqlExecutor): Promise<void> {
    await this.versions.upsert(tx, event.modelName, event.version, event.referenceProfile?.digest ? event.referenceProfile : undefined);
  }
}
