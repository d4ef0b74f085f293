import { Module } from '@nestjs/common';
import { ARTIFACT_STORE, artifactStoreFromConfig } from '@mlops/artifacts';
import { TOKEN_VERIFIER, TokenVerifier } from '@mlops/auth';
import { SERVICE_CONFIG } from '@mlops/platform';
import { type ServingConfig } from './config';
import { DeploymentRepository } from './deployments/deployment.repository';
import { DeploymentService } from './deployments/deployment.service';
import { DeploymentSync } from './deployments/deployment-sync';
import { LiveDeployments } from './deployments/live-deployments';
import { RegistryEventsHandler } from './deployments/registry-events.handler';
import { RolloutWorker } from './deployments/rollout.worker';
import { OnlineFeatures } from './enrichment/online-features';
import { InferenceController } from './inference.controller';
import { PredictHandler } from './predict/predict.handler';
import { Predictor } from './predict/predictor';
import { TrafficStats } from './predict/traffic-stats';
import { PredictionLog } from './prediction-log/prediction-log';
import { ModelPool } from './runtime/model-pool';
import { ServingController } from './serving.controller';
import { ServableVersionRepository } from './versions/servable-version.repository';
import { VersionCatalog } from './versions/version-catalog';

@Module({
  providers: [
    ServingController, InferenceController,
    Predictor, PredictHandler, TrafficStats, OnlineFeatures, PredictionLog,
    DeploymentService, DeploymentRepository, DeploymentSync, LiveDeployments, RegistryEventsHandler, RolloutWorker,
    ModelPool, ServableVersionRepository, VersionCatalog,
    { provide: ARTIFACT_STORE, useFactory: artifactStoreFromConfig, inject: [SERVICE_CONFIG] },
    { provide: TOKEN_VERIFIER, useFactory: (config: ServingConfig) => TokenVerifier.fromConfig(config), inject: [SERVICE_CONFIG] },
  ],
})
export class ServingModule {}
