import { type FieldProblem } from '../alerts/alert-rule';
import { isPerformanceMetric, PERFORMANCE_METRICS } from '../alerts/metric-name';

/** Canary judgement (proto mlops.monitoring.v1.CanaryPolicy): how far a canary arm may fall behind stable. */
export interface CanaryPolicy {
  enabled: boolean;
  /** Absolute: 0.01 lets the canary's error rate be one point above stable's. */
  maxErrorRateIncrease: number;
  /** Relative: 0.5 lets the canary's p99 latency be 50% above stable's. */
  maxP99LatencyIncrease: number;
  /** Absolute, in the metric's unit, in the direction that is worse for it. */
  maxMetricRegression: number;
  /** A performance metric name, e.g. `roc_auc`; '' = no metric check. */
  metric: string;
  /** Both arms need this many requests before they are judged. */
  minRequests: number;
}

/** Retraining policy of a model (proto mlops.monitoring.v1.RetrainPolicy). */
export interface RetrainPolicy {
  enabled: boolean;
  /** Alert rules whose firing requests a retrain. */
  triggerRules: string[];
  /** Minimum time between two requests. */
  cooldownMs: number;
  /** At most this many requests per `ratePeriodMs`. */
  maxRequests: number;
  ratePeriodMs: number;
  /** Run whose spec is reused for retraining. */
  baseRunId: string;
  canary: CanaryPolicy;
}

export type RetrainDecision = { request: true } | { request: false; reason: 'disabled' | 'not_a_trigger' | 'cooldown' | 'rate_limited'; retryAfter?: Date };

/**
 * Every problem of a policy, each at its field. `knownRuleNames` are the model's alert rules; trigger
 * rules are unchecked without them. The rate limit only needs to make sense while the policy is enabled.
 */
export function retrainPolicyProblems(policy: RetrainPolicy, knownRuleNames?: ReadonlySet<string>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const report = (field: string, message: string) => problems.push({ field, message });
  const notNegative = (field: string, value: number) => {
    if (!(Number.isFinite(value) && value >= 0)) report(field, `must be zero or more, got ${value}`);
  };

  notNegative('cooldownMs', policy.cooldownMs);
  if (policy.enabled) {
    if (!(Number.isInteger(policy.maxRequests) && policy.maxRequests >= 1)) report('maxRequests', `must be a whole number of at least 1 while the policy is enabled, got ${policy.maxRequests}`);
    if (!(Number.isFinite(policy.ratePeriodMs) && policy.ratePeriodMs > 0)) report('ratePeriodMs', `must be greater than zero while the policy is enabled, got ${policy.ratePeriodMs}`);
  }
  policy.triggerRules.forEach((rule, i) => {
    if (knownRuleNames && !knownRuleNames.has(rule)) report(`triggerRules[${i}]`, `the model has no alert rule "${rule}"`);
  });

  const { canary } = policy;
  notNegative('canary.maxErrorRateIncrease', canary.maxErrorRateIncrease);
  notNegative('canary.maxP99LatencyIncrease', canary.maxP99LatencyIncrease);
  notNegative('canary.maxMetricRegression', canary.maxMetricRegression);
  notNegative('canary.minRequests', canary.minRequests);
  if (canary.metric !== '' && !isPerformanceMetric(canary.metric)) report('canary.metric', `must be one of ${PERFORMANCE_METRICS.join(', ')}, or empty for none; got "${canary.metric}"`);
  return problems;
}

/**
 * Whether a firing `ruleName` should request a retrain now. `earlierRequests` are the times of this
 * model's earlier requests. Cooldown and rate limit count wall-clock time, not series time: they
 * protect real training capacity, and a backfill replaying a month of windows in minutes must not
 * request a month's worth of retrains.
 */
export function retrainDecision(policy: RetrainPolicy, ruleName: string, earlierRequests: readonly Date[], now: Date): RetrainDecision {
  if (!policy.enabled) return { request: false, reason: 'disabled' };
  if (!policy.triggerRules.includes(ruleName)) return { request: false, reason: 'not_a_trigger' };
  const times = earlierRequests.map((d) => d.getTime()).sort((a, b) => a - b);
  const nowMs = now.getTime();

  const latest = times.at(-1);
  if (latest !== undefined && nowMs - latest < policy.cooldownMs) return { request: false, reason: 'cooldown', retryAfter: new Date(latest + policy.cooldownMs) };

  // A request counts against the rate while it is younger than the period.
  const inPeriod = times.filter((t) => nowMs - t < policy.ratePeriodMs);
  if (inPeriod.length >= policy.maxRequests) {
    // Room opens when enough of the oldest requests have aged out; never, if maxRequests is below 1.
    const mustAgeOut = inPeriod[inPeriod.length - policy.maxRequests];
    return mustAgeOut === undefined ? { request: false, reason: 'rate_limited' } : { request: false, reason: 'rate_limited', retryAfter: new Date(mustAgeOut + policy.ratePeriodMs) };
  }
  return { request: true };
}
