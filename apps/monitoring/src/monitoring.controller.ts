import { status } from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import { TOKEN_VERIFIER, TokenVerifier } from '@mlops/auth';
import { type CallContext, RpcError, type ServiceImplementation } from '@mlops/grpc';
import { type TransactionRunner } from '@mlops/persistence';
import { GrpcController, SERVICE_CONFIG, TRANSACTION_RUNNER } from '@mlops/platform';
import { monitoringV1 as pb } from '@mlops/proto';
import { AlertRuleRepository } from './alerts/alert-rule.repository';
import { AlertRulesService } from './alerts/alert-rules.service';
import { AlertRepository } from './alerts/alert.repository';
import { type MonitoringConfig } from './config';
import { MonitoredDeploymentRepository } from './deployments/monitored-deployment.repository';
import { formatDuration } from './domain/alerts/duration';
import { pageSize } from './domain/page-token';
import { windowKey, type WindowSpec } from './domain/windows/window-spec';
import { alertFilterFrom, alertTo, labelCoverageTo, pageCursorFrom, pageTokenTo, retrainPolicyFrom, retrainPolicyTo } from './monitoring.mapper';
import { RetrainPolicyRepository } from './policies/retrain-policy.repository';
import { DriftHistoryQuery } from './queries/drift-history.query';
import { KnownModels } from './queries/known-models.query';
import { LabelCoverageQuery } from './queries/label-coverage.query';
import { LatestReportQuery } from './queries/latest-report.query';
import { WindowReporter } from './reports/window-reporter';
import { MonitoredModelRepository } from './versions/monitored-model.repository';

/** Changing what raises alerts or requests retraining needs this role; the actor recorded is the token's subject. */
const WRITER_ROLE = 'contributor';

/**
 * The monitoring gRPC API. Reads take no token, like serving's Predict: reports, drift, alerts and
 * coverage are what dashboards on the internal network poll. Alert rules and the retraining policy,
 * which can page people and start training runs, need a contributor's token.
 */
@Injectable()
@GrpcController(pb.MonitoringServiceService)
export class MonitoringController implements ServiceImplementation<typeof pb.MonitoringServiceService> {
  constructor(
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    private readonly models: MonitoredModelRepository,
    private readonly known: KnownModels,
    private readonly deployments: MonitoredDeploymentRepository,
    private readonly latestReports: LatestReportQuery,
    private readonly driftHistory: DriftHistoryQuery,
    private readonly labelCoverage: LabelCoverageQuery,
    private readonly alerts: AlertRepository,
    private readonly alertRules: AlertRulesService,
    private readonly rules: AlertRuleRepository,
    private readonly policies: RetrainPolicyRepository,
    private readonly reporter: WindowReporter,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
    @Inject(SERVICE_CONFIG) private readonly config: MonitoringConfig,
  ) {}

  /** Version 0 is the stable version of the model's deployment, or without one its newest version with a report. */
  async getLatestReport(request: pb.GetLatestReportRequest): Promise<pb.GetLatestReportResponse> {
    const { modelName, modelVersion, arm } = request;
    await this.known.require(modelName, { version: modelVersion });
    const window = await this.windowOf(modelName, request.rule);
    const version = modelVersion || (await this.deployments.find(modelName))?.stableVersion || (await this.latestReports.newestReportedVersion(modelName, window.key));
    const report = version === undefined ? undefined : await this.latestReports.newest(modelName, version, arm, window.key);
    if (report) return { report };
    const what = `model "${modelName}"${version === undefined ? '' : ` version ${version}`}${arm ? ` arm "${arm}"` : ''}`;
    const { MONITORING_ALLOWED_LATENESS_MS: lateness } = this.config;
    throw new RpcError(
      status.NOT_FOUND,
      `${what} has no report yet: its ${window.description} windows are reported once they close${window.spec.by === 'count' ? '' : `, when the model's predictions reach ${formatDuration(lateness)} past a window's end,`} ` +
        `and only for a version registered with a reference profile${request.rule ? '' : ' (or name an alert rule to read its windows)'}`,
      [],
      'REPORT_NOT_READY',
    );
  }

  async getFeatureDriftHistory(request: pb.GetFeatureDriftHistoryRequest): Promise<pb.GetFeatureDriftHistoryResponse> {
    const { modelName, modelVersion: version, arm, feature } = request;
    await this.known.require(modelName, { version });
    if (!feature) throw RpcError.invalidArgument('feature is required', [{ field: 'feature', description: 'a feature name, or __prediction__ for the prediction' }]);
    const cursor = pageCursorFrom(request.page);
    const scope = { modelName, version, arm, feature, windowKey: (await this.windowOf(modelName, request.rule)).key, from: request.timeRange?.start, to: request.timeRange?.end };
    const { points, more } = await this.driftHistory.page(scope, pageSize(request.page?.pageSize), cursor && { windowEnd: cursor.at, reportId: cursor.id });
    if (points.length === 0 && !cursor) await this.requireDriftFeature(modelName, feature);
    const last = points.at(-1);
    return {
      points: points.map((p) => ({ window: { start: p.start, end: p.end }, drift: p.drift })),
      page: pageTokenTo(more && last ? { at: last.end.toISOString(), id: last.reportId } : undefined),
    };
  }

  async listAlerts(request: pb.ListAlertsRequest): Promise<pb.ListAlertsResponse> {
    if (request.modelName) await this.known.require(request.modelName);
    const filter = alertFilterFrom(request);
    const cursor = pageCursorFrom(request.page);
    const { alerts, more } = await this.alerts.page(filter, pageSize(request.page?.pageSize), cursor && { pendingSince: cursor.at, alertId: cursor.id });
    const last = alerts.at(-1);
    return { alerts: alerts.map(alertTo), page: pageTokenTo(more && last ? { at: last.pendingSince.toISOString(), id: last.alertId } : undefined) };
  }

  async setAlertRules(request: pb.SetAlertRulesRequest, ctx: CallContext): Promise<pb.SetAlertRulesResponse> {
    const { subject } = await this.verifier.authorize(ctx.metadata, WRITER_ROLE);
    return this.alertRules.set(request, subject);
  }

  getAlertRules(request: pb.GetAlertRulesRequest): Promise<pb.GetAlertRulesResponse> {
    return this.alertRules.get(request);
  }

  async setRetrainPolicy(request: pb.SetRetrainPolicyRequest, ctx: CallContext): Promise<pb.SetRetrainPolicyResponse> {
    const { subject } = await this.verifier.authorize(ctx.metadata, WRITER_ROLE);
    const { policy } = request;
    if (!policy) throw RpcError.invalidArgument('policy is required', [{ field: 'policy', description: 'is required' }]);
    await this.known.require(policy.modelName, { field: 'policy.model_name' });
    const stored = await this.transaction(async (tx) => {
      const { rules } = await this.rules.find(policy.modelName, tx);
      return this.policies.replace(tx, policy.modelName, retrainPolicyFrom(policy, new Set(rules.map((rule) => rule.name))), subject);
    });
    return { policy: retrainPolicyTo(policy.modelName, stored) };
  }

  async getRetrainPolicy(request: pb.GetRetrainPolicyRequest): Promise<pb.GetRetrainPolicyResponse> {
    await this.known.require(request.modelName);
    const stored = await this.policies.find(request.modelName);
    if (!stored) {
      const message = `model "${request.modelName}" has no retraining policy: set one with SetRetrainPolicy (role ${WRITER_ROLE}); until then its alerts request no retraining and no canary is judged`;
      throw new RpcError(status.NOT_FOUND, message, [], 'POLICY_NOT_SET');
    }
    return { policy: retrainPolicyTo(request.modelName, stored) };
  }

  async getLabelCoverage(request: pb.GetLabelCoverageRequest): Promise<pb.GetLabelCoverageResponse> {
    const { modelName, modelVersion: version, arm } = request;
    await this.known.require(modelName, { version });
    const joinWindowMs = this.config.MONITORING_LABEL_JOIN_WINDOW_MS;
    const coverage = await this.labelCoverage.of({ modelName, version, arm, from: request.timeRange?.start, to: request.timeRange?.end }, joinWindowMs);
    return labelCoverageTo(coverage, joinWindowMs);
  }

  async listMonitoredModels(request: pb.ListMonitoredModelsRequest): Promise<pb.ListMonitoredModelsResponse> {
    const after = pageCursorFrom(request.page, { uuidKeys: false });
    const { models, more } = await this.models.page(pageSize(request.page?.pageSize), after && { at: after.at, key: after.id });
    const last = models.at(-1);
    return {
      models: models.map((m) => ({ name: m.name, task: m.task, registeredAt: m.registeredAt })),
      page: pageTokenTo(more && last ? { at: last.registeredAt.toISOString(), id: last.name } : undefined),
    };
  }

  /** The standard window, or the window of the model's alert rule `rule` (INVALID_ARGUMENT naming the rules when it has none of that name). */
  private async windowOf(modelName: string, rule: string): Promise<{ key: string; spec: WindowSpec; description: string }> {
    const describe = (spec: WindowSpec) => ({ key: windowKey(spec), spec, description: spec.by === 'count' ? `${spec.size}-prediction` : formatDuration(spec.sizeMs) });
    if (!rule) return describe(this.reporter.standardWindow);
    const { rules } = await this.rules.find(modelName);
    const found = rules.find((r) => r.name === rule);
    if (!found) {
      throw RpcError.invalidArgument(`model "${modelName}" has no alert rule "${rule}"`, [{ field: 'rule', description: rules.length > 0 ? `one of ${rules.map((r) => r.name).join(', ')}` : 'the model has no alert rules' }]);
    }
    return describe(found.window);
  }

  /** NOT_FOUND when no stored window of the model has the feature: misspelt, or not reported yet. */
  private async requireDriftFeature(modelName: string, feature: string): Promise<void> {
    const features = await this.driftHistory.features(modelName);
    if (features.includes(feature)) return;
    const hint = features.length > 0 ? `features with drift history: ${features.join(', ')}` : 'the model has no report yet (windows are reported once they close)';
    throw new RpcError(status.NOT_FOUND, `model "${modelName}" has no drift history for feature "${feature}" (${hint})`, [{ field: 'feature', description: 'no drift history' }], 'FEATURE_NOT_FOUND');
  }
}
