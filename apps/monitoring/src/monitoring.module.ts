import { Module } from '@nestjs/common';
import { MonitoredModelRepository } from './models/monitored-model.repository';
import { RegistryEventsHandler } from './models/registry-events.handler';
import { MonitoringController } from './monitoring.controller';

@Module({ providers: [MonitoringController, MonitoredModelRepository, RegistryEventsHandler] })
export class MonitoringModule {}
