import { type PerformanceMetric } from '../alerts/metric-name';
import { type CanaryPolicy } from './retrain-policy';

/** What one arm did over the judged window. */
export interface ArmFigures {
  requests: number;
  errorRate: number;
  /** Undefined when the arm has no latency figure (no successful request). */
  latencyP99Ms: number | undefined;
  /** The policy's performance metric; undefined until enough labels arrive. */
  metric?: number | undefined;
}

/** One comparison (proto mlops.events.v1.GuardCheck): the canary passes when within `limit`. */
export interface CanaryCheck {
  metric: string;
  canaryValue: number;
  stableValue: number;
  limit: number;
  passed: boolean;
}

export interface CanaryJudgement {
  verdict: 'pass' | 'fail' | 'insufficient_data' | 'disabled';
  checks: CanaryCheck[];
  reason: string;
}

/** Losses and errors: a regression is an increase. For the other metrics it is a decrease. */
const LOWER_IS_BETTER: ReadonlySet<string> = new Set<PerformanceMetric>(['log_loss', 'rmse', 'mae']);

/**
 * Compares a canary arm with stable over the same window: error rate (absolute increase), p99
 * latency (relative increase) and, once both arms have it, the policy's performance metric.
 */
export function judgeCanary(policy: CanaryPolicy, canary: ArmFigures, stable: ArmFigures): CanaryJudgement {
  if (!policy.enabled) return { verdict: 'disabled', checks: [], reason: 'canary judgement is disabled' };
  const arms = [['canary', canary], ['stable', stable]] as const;
  const short = arms.filter(([, arm]) => arm.requests < policy.minRequests);
  if (short.length > 0) {
    const counts = short.map(([name, arm]) => `${name} has ${arm.requests} requests`).join(' and ');
    return { verdict: 'insufficient_data', checks: [], reason: `${counts}, fewer than the ${policy.minRequests} needed` };
  }

  const atMost = (metric: string, canaryValue: number, stableValue: number, limit: number): CanaryCheck => ({ metric, canaryValue, stableValue, limit, passed: canaryValue <= limit + slack(limit) });
  const atLeast = (metric: string, canaryValue: number, stableValue: number, limit: number): CanaryCheck => ({ metric, canaryValue, stableValue, limit, passed: canaryValue >= limit - slack(limit) });
  const checks = [atMost('error_rate', canary.errorRate, stable.errorRate, stable.errorRate + policy.maxErrorRateIncrease)];
  if (canary.latencyP99Ms !== undefined && stable.latencyP99Ms !== undefined) {
    checks.push(atMost('latency_p99_ms', canary.latencyP99Ms, stable.latencyP99Ms, stable.latencyP99Ms * (1 + policy.maxP99LatencyIncrease)));
  }
  if (policy.metric !== '' && canary.metric !== undefined && stable.metric !== undefined) {
    checks.push(
      LOWER_IS_BETTER.has(policy.metric)
        ? atMost(policy.metric, canary.metric, stable.metric, stable.metric + policy.maxMetricRegression)
        : atLeast(policy.metric, canary.metric, stable.metric, stable.metric - policy.maxMetricRegression),
    );
  }

  const failed = checks.filter((check) => !check.passed);
  if (failed.length === 0) return { verdict: 'pass', checks, reason: `canary within limits on ${checks.map((c) => c.metric).join(', ')}` };
  const failures = failed.map((c) => `${c.metric} ${round(c.canaryValue)} against stable ${round(c.stableValue)} (limit ${round(c.limit)})`).join('; ');
  return { verdict: 'fail', checks, reason: `canary regressed: ${failures}` };
}

/** A canary exactly at its limit passes: the slack absorbs float rounding in `stable ± allowance` (0.8 - 0.1 = 0.7000000000000001). */
function slack(limit: number): number {
  return 1e-9 * Math.max(1, Math.abs(limit));
}

function round(value: number): number {
  return Number(value.toPrecision(4));
}
