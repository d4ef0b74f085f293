import { type DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { type KafkaClient, OutboxWriter } from '@mlops/events';
import { transactionRunner } from '@mlops/persistence';
import { type Logger } from '@mlops/telemetry';
import { KAFKA, LOGGER, SERVICE_CONFIG, TRANSACTION_RUNNER } from './tokens';

export interface PlatformProviders {
  config: unknown;
  logger: Logger;
  dataSource: DataSource;
  kafka: KafkaClient;
}

/** Makes the service's config, logger, database and outbox injectable in every module of the service. */
@Global()
@Module({})
export class PlatformModule {
  static forService({ config, logger, dataSource, kafka }: PlatformProviders): DynamicModule {
    return {
      module: PlatformModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: DataSource, useValue: dataSource },
        { provide: KAFKA, useValue: kafka },
        { provide: TRANSACTION_RUNNER, useValue: transactionRunner(dataSource) },
        OutboxWriter,
      ],
      exports: [SERVICE_CONFIG, LOGGER, DataSource, KAFKA, TRANSACTION_RUNNER, OutboxWriter, DiscoveryModule],
    };
  }
}
