import { EventTables1764000000000, publishedBy, SourceOffsets1764000000001 } from '@mlops/events';
import { runServiceProcess } from '@mlops/platform';
import { type Boot } from '@mlops/telemetry';
import { type IngestionConfig } from './config';
import { IngestionModule } from './ingestion.module';
import { IngestionSchema1764000000101 } from './migrations/1764000000101-ingestion-schema';
import { RecordsWithoutEntityIndex1764000000102 } from './migrations/1764000000102-records-without-entity-index';
import { SnapshotEventRange1764000000103 } from './migrations/1764000000103-snapshot-event-range';

export function start({ config, telemetry }: Boot<IngestionConfig>): void {
  void runServiceProcess(
    {
      name: 'ingestion',
      module: IngestionModule,
      entities: [],
      migrations: [EventTables1764000000000, SourceOffsets1764000000001, IngestionSchema1764000000101, RecordsWithoutEntityIndex1764000000102, SnapshotEventRange1764000000103],
      publishes: publishedBy('ingestion'),
      config,
    },
    telemetry,
  );
}
