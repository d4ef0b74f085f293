import { type ServiceConfig } from '@mlops/config';
import { EventTables1764000000000, publishedBy } from '@mlops/events';
import { runServiceProcess } from '@mlops/platform';
import { type Boot } from '@mlops/telemetry';
import { IngestionModule } from './ingestion.module';

export function start({ config, telemetry }: Boot<ServiceConfig>): void {
  void runServiceProcess(
    { name: 'ingestion', module: IngestionModule, entities: [], migrations: [EventTables1764000000000], publishes: publishedBy('ingestion'), config },
    telemetry,
  );
}
