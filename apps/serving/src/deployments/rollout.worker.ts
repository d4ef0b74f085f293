import { Inject, Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { LOGGER, type OnServiceReady, type OnServiceStop, SERVICE_CONFIG } from '@mlops/platform';
import { every, type Periodic } from '@mlops/resilience';
import { type Logger } from '@mlops/telemetry';
import { type ServingConfig } from '../config';
import { type Deployment } from '../domain/deployment';
import { advanceRollout, describeFailedChecks, evaluateGuard, type GuardEvaluation, withoutCanary } from '../domain/deployments';
import { TrafficStats } from '../predict/traffic-stats';
import { DeploymentService } from './deployment.service';
import { LiveDeployments } from './live-deployments';

const ACTOR = 'service:serving';
const autoRollbacks = metrics.getMeter('serving').createCounter('serving.canary.auto_rollbacks', { description: 'Canaries this replica rolled back because a guard check failed, by model' });

/**
 * Watches canaries every SERVING_ROLLOUT_INTERVAL_MS: a canary whose error rate or p99 latency is
 * worse than stable's beyond the guard's margins is rolled back (the `deployment changed` event
 * carries the checks; the registry follows it); one that passes moves to its next step when the
 * step's interval is over.
 */
@Injectable()
export class RolloutWorker implements OnServiceReady, OnServiceStop {
  private periodic?: Periodic;

  constructor(
    private readonly live: LiveDeployments,
    private readonly deployments: DeploymentService,
    private readonly stats: TrafficStats,
    @Inject(SERVICE_CONFIG) private readonly config: ServingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onServiceReady(): Promise<void> {
    this.periodic = every(this.config.SERVING_ROLLOUT_INTERVAL_MS, () => this.review(), (error) => this.logger.warn({ err: error }, 'canary review failed; will retry'));
    return Promise.resolve();
  }

  async onServiceStop(): Promise<void> {
    await this.periodic?.stop();
  }

  async review(now = new Date()): Promise<void> {
    for (const { deployment } of this.live.all()) {
      if (deployment.canary) await this.reviewCanary(deployment, deployment.canary.version, now);
    }
  }

  private async reviewCanary(deployment: Deployment, canaryVersion: number, now: Date): Promise<void> {
    const { modelName } = deployment;
    const evaluation = this.evaluate(deployment, canaryVersion, now);
    const stillThisCanary = (current: Deployment | undefined) => current !== undefined && current.canary?.version === canaryVersion;
    if (evaluation.verdict === 'fail') {
      const why = `canary version ${canaryVersion} regressed against stable version ${deployment.stableVersion}: ${describeFailedChecks(evaluation.checks)}`;
      const stored = await this.deployments.change(modelName, (current) => (stillThisCanary(current) ? withoutCanary(current!, why, 'auto_rollback') : undefined), { actor: ACTOR, checks: evaluation.checks, rolledBackVersion: canaryVersion });
      if (stored) {
        autoRollbacks.add(1, { model: modelName });
        this.stats.forget(modelName, 'canary', canaryVersion);
        this.logger.warn({ model: modelName, canary: canaryVersion, stable: deployment.stableVersion, checks: evaluation.checks }, 'canary rolled back automatically');
      }
      return;
    }
    const stored = await this.deployments.change(modelName, (current) => (stillThisCanary(current) ? advanceRollout(current!, now, evaluation.verdict) : undefined), { actor: ACTOR });
    if (stored) this.logger.info({ model: modelName, canary: canaryVersion, weight: stored.canary?.weight ?? 1, stable: stored.stableVersion }, 'canary rollout stepped');
  }

  /** Without an enabled guard there is nothing to wait for: steps advance on time alone. */
  private evaluate(deployment: Deployment, canaryVersion: number, now: Date): GuardEvaluation {
    const guard = deployment.rollout?.guard;
    if (!guard?.enabled) return { verdict: 'pass', checks: [] };
    const nowMs = now.getTime();
    const canary = this.stats.summary(deployment.modelName, 'canary', canaryVersion, guard.evaluationWindowMs, nowMs);
    const stable = this.stats.summary(deployment.modelName, 'stable', deployment.stableVersion, guard.evaluationWindowMs, nowMs);
    return evaluateGuard(guard, canary, stable);
  }
}
