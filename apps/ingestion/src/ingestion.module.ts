import { Module } from '@nestjs/common';
import { ContractRepository } from './contracts/contract.repository';
import { ContractService } from './contracts/contract.service';
import { ImportJobRepository } from './imports/import-job.repository';
import { ImportRunner } from './imports/import-runner';
import { IngestionController } from './ingestion.controller';
import { IngestQueryRepository } from './records/ingest-query.repository';
import { IngestService } from './records/ingest.service';
import { RecordStore } from './records/record-store';
import { SnapshotRepository } from './snapshots/snapshot.repository';
import { SnapshotService } from './snapshots/snapshot.service';
import { SnapshotPolicyRunner } from './snapshots/snapshot-policy-runner';
import { SourceSupervisor } from './sources/source-supervisor';

@Module({
  providers: [
    IngestionController,
    ContractRepository,
    ContractService,
    RecordStore,
    IngestService,
    IngestQueryRepository,
    SnapshotRepository,
    SnapshotService,
    ImportJobRepository,
    ImportRunner,
    SourceSupervisor,
    SnapshotPolicyRunner,
  ],
})
export class IngestionModule {}
