import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { Events, OutboxWriter } from '@mlops/events';
import { type SqlExecutor } from '@mlops/persistence';
import { LOGGER } from '@mlops/platform';
import { type Logger } from '@mlops/telemetry';
import { retrainDecision } from '../domain/policies/retrain-policy';
import { type StoredAlert } from '../alerts/alert.repository';
import { type EvaluatedWindow } from '../alerts/alert-evaluator';
import { MonitoredDeploymentRepository } from '../deployments/monitored-deployment.repository';
import { RetrainPolicyRepository } from './retrain-policy.repository';

const decisions = metrics.getMeter('monitoring').createCounter('monitoring.retrain.decisions', { description: 'Firing alerts considered for a retrain, by model and outcome' });

/**
 * A firing alert whose rule the model's policy names requests a retrain, unless the cooldown or the
 * rate limit says no. Both are wall-clock limits: they protect real training capacity, even while a
 * replayed backlog fires alerts for months of series time in minutes. Suppressed requests are kept too.
 */
@Injectable()
export class RetrainTrigger {
  constructor(
    private readonly policies: RetrainPolicyRepository,
    private readonly deployments: MonitoredDeploymentRepository,
    private readonly outbox: OutboxWriter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onAlertFired(tx: SqlExecutor, alert: StoredAlert, window: EvaluatedWindow): Promise<void> {
    const stored = await this.policies.find(alert.modelName, tx);
    if (!stored || !stored.policy.triggerRules.includes(alert.ruleName)) return;
    const { policy, revision } = stored;
    const now = new Date();
    const earlier = await this.policies.requestedSince(tx, alert.modelName, new Date(now.getTime() - Math.max(policy.cooldownMs, policy.ratePeriodMs)));
    const decision = retrainDecision(policy, alert.ruleName, earlier, now);
    const id = randomUUID();
    const outcome = decision.request ? 'requested' : decision.reason;
    decisions.add(1, { model: alert.modelName, outcome });
    await this.policies.recordRequest(tx, { id, modelName: alert.modelName, ruleName: alert.ruleName, alertId: alert.alertId, outcome });
    if (!decision.request) {
      this.logger.info({ model: alert.modelName, rule: alert.ruleName, reason: decision.reason, retryAfter: decision.retryAfter }, 'retrain not requested');
      return;
    }
    const deployment = await this.deployments.find(alert.modelName, tx);
    await this.outbox.enqueue(tx, Events.retrainRequested, {
      retrainRequestId: id, modelName: alert.modelName, modelVersion: deployment?.stableVersion ?? alert.version,
      reason: `alert ${alert.ruleName} fired: ${alert.message}`, ruleNames: [alert.ruleName], alertIds: [alert.alertId],
      baseRunId: policy.baseRunId,
      // Train on data up to where the condition began: the test range that follows holds the changed world.
      dataRange: { start: undefined, end: conditionBegan(alert, window) },
      policyRevision: revision,
    });
    this.logger.warn({ model: alert.modelName, rule: alert.ruleName, retrainRequestId: id }, 'retrain requested');
  }
}

/** Where the data that first made the condition hold begins: the newest slide of the first breaching window. */
function conditionBegan(alert: StoredAlert, window: EvaluatedWindow): Date {
  return new Date(alert.pendingSince.getTime() - (window.end.getTime() - window.newSince.getTime()));
}
