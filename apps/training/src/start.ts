import { EventTables1764000000000, publishedBy } from '@mlops/events';
import { runServiceProcess } from '@mlops/platform';
import { type Boot } from '@mlops/telemetry';
import { TrackingSchema1764000000301 } from './migrations/1764000000301-tracking-schema';
import { PipelineRuns1764000000302 } from './migrations/1764000000302-pipeline-runs';
import { RetrainRequests1764000000303 } from './migrations/1764000000303-retrain-requests';
import { type TrainingConfig } from './config';
import { TrainingModule } from './training.module';

export function start({ config, telemetry }: Boot<TrainingConfig>): void {
  void runServiceProcess(
    { name: 'training', module: TrainingModule, entities: [], migrations: [EventTables1764000000000, TrackingSchema1764000000301, PipelineRuns1764000000302, RetrainRequests1764000000303], publishes: publishedBy('training'), config },
    telemetry,
  );
}
