import { Module } from '@nestjs/common';
import { ARTIFACT_STORE, artifactStoreFromConfig } from '@mlops/artifacts';
import { SERVICE_CONFIG } from '@mlops/platform';
import { PipelineService } from './pipeline/pipeline.service';
import { PipelineRunner } from './pipeline/pipeline-runner';
import { PipelineRunsRepository } from './pipeline/pipeline-runs.repository';
import { RetrainRequestsHandler } from './pipeline/retrain-requests.handler';
import { TrainingDataClient } from './pipeline/training-data';
import { TrainingController } from './tracking/tracking.controller';
import { TrackingRepository } from './tracking/tracking.repository';
import { TrackingService } from './tracking/tracking.service';

@Module({
  providers: [
    TrainingController, TrackingService, TrackingRepository, PipelineService, PipelineRunner, PipelineRunsRepository, TrainingDataClient, RetrainRequestsHandler,
    { provide: ARTIFACT_STORE, useFactory: artifactStoreFromConfig, inject: [SERVICE_CONFIG] },
  ],
})
export class TrainingModule {}
