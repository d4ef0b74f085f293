import { Module } from '@nestjs/common';
import { ArtifactStore } from './artifacts/artifact-store';
import { PipelineService } from './pipeline/pipeline.service';
import { PipelineRunner } from './pipeline/pipeline-runner';
import { PipelineRunsRepository } from './pipeline/pipeline-runs.repository';
import { RetrainRequestsHandler } from './pipeline/retrain-requests.handler';
import { TrainingDataClient } from './pipeline/training-data';
import { TrainingController } from './tracking/tracking.controller';
import { TrackingRepository } from './tracking/tracking.repository';
import { TrackingService } from './tracking/tracking.service';

@Module({ providers: [TrainingController, TrackingService, TrackingRepository, ArtifactStore, PipelineService, PipelineRunner, PipelineRunsRepository, TrainingDataClient, RetrainRequestsHandler] })
export class TrainingModule {}
