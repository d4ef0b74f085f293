import { Module } from '@nestjs/common';
import { ARTIFACT_STORE, artifactStoreFromConfig } from '@mlops/artifacts';
import { TOKEN_VERIFIER, TokenVerifier } from '@mlops/auth';
import { OutboxWriter } from '@mlops/events';
import { SERVICE_CONFIG } from '@mlops/platform';
import { AlertEvaluator } from './alerts/alert-evaluator';
import { AlertRulesService } from './alerts/alert-rules.service';
import { AlertRepository } from './alerts/alert.repository';
import { AlertRuleRepository } from './alerts/alert-rule.repository';
import { type MonitoringConfig } from './config';
import { DeploymentEventsHandler } from './deployments/deployment-events.handler';
import { MonitoredDeploymentRepository } from './deployments/monitored-deployment.repository';
import { EvaluationWorker } from './evaluation/evaluation.worker';
import { LabelConsumer } from './labels/label.consumer';
import { LabelRepository } from './labels/label.repository';
import { PendingLabels } from './labels/pending-labels';
import { MonitoringController } from './monitoring.controller';
import { CanaryJudge } from './policies/canary-judge';
import { RetrainPolicyRepository } from './policies/retrain-policy.repository';
import { RetrainTrigger } from './policies/retrain-trigger';
import { PredictionLogConsumer } from './predictions/prediction-log.consumer';
import { PredictionRepository } from './predictions/prediction.repository';
import { PerformanceReviser } from './reports/performance-reviser';
import { DriftHistoryQuery } from './queries/drift-history.query';
import { KnownModels } from './queries/known-models.query';
import { LabelCoverageQuery } from './queries/label-coverage.query';
import { LatestReportQuery } from './queries/latest-report.query';
import { ReportRepository } from './reports/report.repository';
import { WindowReporter } from './reports/window-reporter';
import { MonitoredModelRepository } from './versions/monitored-model.repository';
import { MonitoredVersionRepository } from './versions/monitored-version.repository';
import { ReferenceProfiles } from './versions/reference-profiles';
import { RegistryEventsHandler } from './versions/registry-events.handler';

@Module({
  providers: [
    MonitoringController, AlertRulesService, KnownModels, LatestReportQuery, DriftHistoryQuery, LabelCoverageQuery,
    MonitoredModelRepository, MonitoredVersionRepository, ReferenceProfiles, RegistryEventsHandler,
    MonitoredDeploymentRepository, DeploymentEventsHandler,
    PredictionLogConsumer, PredictionRepository,
    LabelConsumer, LabelRepository, PendingLabels,
    ReportRepository, WindowReporter, PerformanceReviser, EvaluationWorker,
    AlertRuleRepository, AlertRepository, AlertEvaluator,
    RetrainPolicyRepository, RetrainTrigger, CanaryJudge,
    OutboxWriter,
    { provide: ARTIFACT_STORE, useFactory: artifactStoreFromConfig, inject: [SERVICE_CONFIG] },
    { provide: TOKEN_VERIFIER, useFactory: (config: MonitoringConfig) => TokenVerifier.fromConfig(config), inject: [SERVICE_CONFIG] },
  ],
})
export class MonitoringModule {}
