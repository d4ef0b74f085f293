import { ArtifactStore } from './artifacts/artifact-store';
import { Module } from '@nestjs/common';
import { TrainingController } from './tracking/tracking.controller';
import { TrackingRepository } from './tracking/tracking.repository';
import { TrackingService } from './tracking/tracking.service';

@Module({ providers: [TrainingController, TrackingService, TrackingRepository, ArtifactStore] })
export class TrainingModule {}
