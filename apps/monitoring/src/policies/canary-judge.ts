import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Events, OutboxWriter } from '@mlops/events';
import { type TransactionRunner } from '@mlops/persistence';
import { LOGGER, TRANSACTION_RUNNER } from '@mlops/platform';
import { type Logger } from '@mlops/telemetry';
import { type ArmFigures, judgeCanary } from '../domain/policies/canary-judgement';
import { type RetrainPolicy } from '../domain/policies/retrain-policy';
import { MonitoredDeploymentRepository } from '../deployments/monitored-deployment.repository';
import { ReportRepository } from '../reports/report.repository';
import { RetrainPolicyRepository } from './retrain-policy.repository';

const CANARY_ARM = 'canary';

/**
 * Judges each model's canary arm against stable over the newest window both were reported in, with
 * the policy's limits; a canary that regresses is reported once per deployment revision, as `canary rollback requested`, which
 * the registry acts on (while that canary still holds the alias). Unlike serving's own guard, which
 * sees one replica's traffic, this sees every replica's, and can judge on labelled performance too.
 */
@Injectable()
export class CanaryJudge {
  constructor(
    private readonly policies: RetrainPolicyRepository,
    private readonly deployments: MonitoredDeploymentRepository,
    private readonly reports: ReportRepository,
    private readonly outbox: OutboxWriter,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async judgeAll(windowKey: string): Promise<void> {
    for (const [modelName, policy] of await this.policies.withCanaryJudgement()) await this.judge(modelName, policy, windowKey);
  }

  private async judge(modelName: string, policy: RetrainPolicy, windowKey: string): Promise<void> {
    await this.transaction(async (tx) => {
      const deployment = await this.deployments.find(modelName, tx);
      const canary = deployment?.arms.find((a) => a.arm === CANARY_ARM && a.version !== deployment.stableVersion);
      if (!deployment || !canary) return;
      const canarySeries = await this.reports.seriesId(tx, modelName, canary.version, CANARY_ARM);
      const stableSeries = await this.reports.seriesId(tx, modelName, deployment.stableVersion, 'stable');
      if (canarySeries === undefined || stableSeries === undefined) return;
      const shared = await this.reports.newestSharedWindow(tx, [canarySeries, stableSeries], windowKey);
      if (!shared) return;
      const figures = (values: Record<string, number>): ArmFigures => ({
        requests: values['operations.request_count'] ?? 0, errorRate: values['operations.error_rate'] ?? 0,
        latencyP99Ms: values['operations.latency_p99_ms'], metric: policy.canary.metric ? values[`performance.${policy.canary.metric}`] : undefined,
      });
      const judgement = judgeCanary(policy.canary, figures(shared.values[0]), figures(shared.values[1]));
      if (judgement.verdict !== 'fail') return;
      const requestId = randomUUID();
      if (!(await this.policies.recordCanaryJudgement(tx, { modelName, version: canary.version, revision: deployment.revision }, requestId, judgement.verdict))) return;
      await this.outbox.enqueue(tx, Events.canaryRollbackRequested, {
        requestId, modelName, canaryVersion: canary.version, stableVersion: deployment.stableVersion, reason: judgement.reason,
        checks: judgement.checks, window: { start: shared.start, end: shared.end },
      });
      this.logger.warn({ model: modelName, canary: canary.version, stable: deployment.stableVersion, reason: judgement.reason }, 'canary rollback requested');
    });
  }
}
