import { Module } from '@nestjs/common';
import { ARTIFACT_STORE, artifactStoreFromConfig } from '@mlops/artifacts';
import { TOKEN_VERIFIER, TokenVerifier } from '@mlops/auth';
import { SERVICE_CONFIG } from '@mlops/platform';
import { ArtifactsService } from './artifacts/artifacts.service';
import { OnnxInspector } from './artifacts/onnx-inspector';
import { AuditRepository } from './audit/audit.repository';
import { AuditService } from './audit/audit.service';
import { type RegistryConfig } from './config';
import { LineageService } from './lineage/lineage.service';
import { AliasRepository } from './models/alias.repository';
import { RegisteredModelRepository } from './models/registered-model.repository';
import { RegisteredModelService } from './models/registered-model.service';
import { CanaryRollbacksHandler } from './promotions/canary-rollbacks.handler';
import { PolicyRepository } from './promotions/policy.repository';
import { PromotionRepository } from './promotions/promotion.repository';
import { PromotionService } from './promotions/promotion.service';
import { RegistryController } from './registry.controller';
import { ModelCardService } from './versions/model-card.service';
import { ModelVersionRepository } from './versions/model-version.repository';
import { ModelVersionService } from './versions/model-version.service';
import { TrainingRunsHandler } from './versions/training-runs.handler';

@Module({
  providers: [
    RegistryController,
    RegisteredModelService, RegisteredModelRepository, AliasRepository,
    ModelVersionService, ModelVersionRepository, ModelCardService, TrainingRunsHandler,
    PromotionService, PolicyRepository, PromotionRepository, CanaryRollbacksHandler,
    AuditService, AuditRepository,
    ArtifactsService, OnnxInspector,
    LineageService,
    { provide: ARTIFACT_STORE, useFactory: artifactStoreFromConfig, inject: [SERVICE_CONFIG] },
    { provide: TOKEN_VERIFIER, useFactory: (config: RegistryConfig) => TokenVerifier.fromConfig(config), inject: [SERVICE_CONFIG] },
  ],
})
export class RegistryModule {}
