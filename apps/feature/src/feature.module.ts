import { Module } from '@nestjs/common';
import { ContractEventsHandler } from './contracts/contract-events.handler';
import { SourceContractRepository } from './contracts/source-contract.repository';
import { DefinitionsRepository } from './definitions/definitions.repository';
import { DefinitionsService } from './definitions/definitions.service';
import { FeatureController } from './feature.controller';
import { MaterializationJobRepository } from './materialization/materialization-job.repository';
import { MaterializationRunner } from './materialization/materialization-runner';
import { OfflineStore } from './offline/offline-store';
import { RecordsStoredHandler } from './offline/records-stored.handler';
import { ContinuousMaterializer } from './online/continuous-materializer';
import { Materializer } from './online/materializer';
import { OnlinePendingRepository } from './online/online-pending.repository';
import { OnlineComputer } from './online/online-computer';
import { OnlineService } from './online/online.service';
import { OnlineStoreRepository } from './online/online-store.repository';
import { ParityService } from './online/parity.service';
import { HistoricalService } from './retrieval/historical.service';
import { IngestionClient } from './retrieval/ingestion-client';
import { SelectionResolver } from './retrieval/selection';

@Module({
  providers: [
    FeatureController,
    ContractEventsHandler,
    SourceContractRepository,
    DefinitionsRepository,
    DefinitionsService,
    OfflineStore,
    RecordsStoredHandler,
    OnlineComputer,
    OnlineStoreRepository,
    Materializer,
    OnlinePendingRepository,
    ContinuousMaterializer,
    MaterializationJobRepository,
    MaterializationRunner,
    SelectionResolver,
    HistoricalService,
    IngestionClient,
    OnlineService,
    ParityService,
  ],
})
export class FeatureModule {}
