import { type RetrainPolicy, retrainDecision, retrainPolicyProblems } from './retrain-policy';

const HOUR = 3_600_000;
const NOW = new Date(Date.UTC(2025, 5, 10, 12));
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * HOUR);

const policy = (overrides: Partial<RetrainPolicy> = {}): RetrainPolicy => ({
  enabled: true,
  triggerRules: ['distance_drift', 'auc_drop'],
  cooldownMs: 6 * HOUR,
  maxRequests: 2,
  ratePeriodMs: 24 * HOUR,
  baseRunId: 'run-1',
  canary: { enabled: true, maxErrorRateIncrease: 0.01, maxP99LatencyIncrease: 0.5, maxMetricRegression: 0.02, metric: 'roc_auc', minRequests: 500 },
  ...overrides,
});

describe('retrainPolicyProblems', () => {
  it('accepts a sound policy, and a disabled one with no rate limit', () => {
    expect(retrainPolicyProblems(policy(), new Set(['distance_drift', 'auc_drop', 'other']))).toEqual([]);
    expect(retrainPolicyProblems(policy({ enabled: false, maxRequests: 0, ratePeriodMs: 0, triggerRules: [] }))).toEqual([]);
    expect(retrainPolicyProblems(policy({ cooldownMs: 0, canary: { ...policy().canary, metric: '' } }))).toEqual([]);
  });

  it('reports every problem at its field', () => {
    const problems = retrainPolicyProblems(
      policy({
        cooldownMs: -1,
        maxRequests: 0,
        ratePeriodMs: 0,
        triggerRules: ['distance_drift', 'gone'],
        canary: { enabled: true, maxErrorRateIncrease: -0.01, maxP99LatencyIncrease: -1, maxMetricRegression: Number.NaN, metric: 'performance.roc_auc', minRequests: -5 },
      }),
      new Set(['distance_drift']),
    );
    expect(problems.map((p) => p.field)).toEqual([
      'cooldownMs',
      'maxRequests',
      'ratePeriodMs',
      'triggerRules[1]',
      'canary.maxErrorRateIncrease',
      'canary.maxP99LatencyIncrease',
      'canary.maxMetricRegression',
      'canary.minRequests',
      'canary.metric',
    ]);
    expect(problems[3].message).toBe('the model has no alert rule "gone"');
    expect(problems[8].message).toContain('roc_auc, accuracy');
  });

  it('checks trigger rules only against known rule names, and maxRequests as a whole number', () => {
    expect(retrainPolicyProblems(policy({ triggerRules: ['anything'] }))).toEqual([]);
    expect(retrainPolicyProblems(policy({ maxRequests: 1.5 })).map((p) => p.field)).toEqual(['maxRequests']);
  });
});

describe('retrainDecision', () => {
  it('requests a retrain for a trigger rule of an enabled policy with room left', () => {
    expect(retrainDecision(policy(), 'distance_drift', [], NOW)).toEqual({ request: true });
    expect(retrainDecision(policy(), 'auc_drop', [hoursAgo(30), hoursAgo(7)], NOW)).toEqual({ request: true });
  });

  it('does not request when disabled or for a rule that is not a trigger', () => {
    expect(retrainDecision(policy({ enabled: false }), 'distance_drift', [], NOW)).toEqual({ request: false, reason: 'disabled' });
    expect(retrainDecision(policy(), 'latency', [], NOW)).toEqual({ request: false, reason: 'not_a_trigger' });
  });

  it('waits out the cooldown after the latest request, whatever order the requests come in', () => {
    expect(retrainDecision(policy(), 'distance_drift', [hoursAgo(2), hoursAgo(20)], NOW)).toEqual({ request: false, reason: 'cooldown', retryAfter: hoursAgo(-4) });
    expect(retrainDecision(policy(), 'distance_drift', [hoursAgo(6)], NOW)).toEqual({ request: true });
  });

  it('limits requests per period, until the oldest that must leave the period has', () => {
    const earlier = [hoursAgo(23), hoursAgo(10), hoursAgo(30)];
    expect(retrainDecision(policy(), 'distance_drift', earlier, NOW)).toEqual({ request: false, reason: 'rate_limited', retryAfter: hoursAgo(-1) });
    expect(retrainDecision(policy(), 'distance_drift', earlier, hoursAgo(-1))).toEqual({ request: true });
    const three = [hoursAgo(20), hoursAgo(15), hoursAgo(10)];
    expect(retrainDecision(policy({ maxRequests: 2 }), 'distance_drift', three, NOW)).toEqual({ request: false, reason: 'rate_limited', retryAfter: hoursAgo(-9) });
  });

  it('never has room when maxRequests is below 1, so it gives no time to retry', () => {
    expect(retrainDecision(policy({ maxRequests: 0 }), 'distance_drift', [], NOW)).toEqual({ request: false, reason: 'rate_limited' });
  });
});
