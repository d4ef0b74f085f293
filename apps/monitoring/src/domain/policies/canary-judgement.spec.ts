import { type ArmFigures, judgeCanary } from './canary-judgement';
import { type CanaryPolicy } from './retrain-policy';

const policy: CanaryPolicy = { enabled: true, maxErrorRateIncrease: 0.01, maxP99LatencyIncrease: 0.5, maxMetricRegression: 0.02, metric: 'roc_auc', minRequests: 500 };
const stable: ArmFigures = { requests: 10_000, errorRate: 0.02, latencyP99Ms: 100, metric: 0.9 };
const arm = (overrides: Partial<ArmFigures> = {}): ArmFigures => ({ requests: 1_000, errorRate: 0.02, latencyP99Ms: 100, metric: 0.9, ...overrides });

describe('judgeCanary', () => {
  it('passes a canary within every limit, limits included', () => {
    const judgement = judgeCanary(policy, arm({ errorRate: 0.03, latencyP99Ms: 150, metric: 0.88 }), stable);
    expect(judgement.verdict).toBe('pass');
    expect(judgement.checks).toEqual([
      { metric: 'error_rate', canaryValue: 0.03, stableValue: 0.02, limit: expect.closeTo(0.03, 12), passed: true },
      { metric: 'latency_p99_ms', canaryValue: 150, stableValue: 100, limit: 150, passed: true },
      { metric: 'roc_auc', canaryValue: 0.88, stableValue: 0.9, limit: expect.closeTo(0.88, 12), passed: true },
    ]);
  });

  it('passes a canary exactly at a limit that float arithmetic rounds past it', () => {
    expect([0.8 - 0.1 > 0.7, 0.7 + 0.1 < 0.8]).toEqual([true, true]);
    expect(judgeCanary({ ...policy, maxMetricRegression: 0.1 }, arm({ metric: 0.7 }), { ...stable, metric: 0.8 }).verdict).toBe('pass');
    expect(judgeCanary({ ...policy, metric: 'rmse', maxMetricRegression: 0.1 }, arm({ metric: 0.8 }), { ...stable, metric: 0.7 }).verdict).toBe('pass');
  });

  it.each([
    ['error rate above stable plus the allowed increase', { errorRate: 0.031 }, 'error_rate'],
    ['p99 latency above stable times 1 + the allowed increase', { latencyP99Ms: 151 }, 'latency_p99_ms'],
    ['a higher-is-better metric that fell by more than allowed', { metric: 0.879 }, 'roc_auc'],
  ])('fails on %s', (_name, figures, failing) => {
    const judgement = judgeCanary(policy, arm(figures), stable);
    expect(judgement.verdict).toBe('fail');
    expect(judgement.checks.filter((c) => !c.passed).map((c) => c.metric)).toEqual([failing]);
    expect(judgement.reason).toContain(failing);
  });

  it('treats an increase as the regression for log_loss, rmse and mae', () => {
    for (const metric of ['log_loss', 'rmse', 'mae']) {
      const lossPolicy = { ...policy, metric, maxMetricRegression: 0.05 };
      const lossStable = { ...stable, metric: 0.3 };
      expect(judgeCanary(lossPolicy, arm({ metric: 0.36 }), lossStable).verdict).toBe('fail');
      expect(judgeCanary(lossPolicy, arm({ metric: 0.35 }), lossStable).verdict).toBe('pass');
      expect(judgeCanary(lossPolicy, arm({ metric: 0.1 }), lossStable).verdict).toBe('pass');
    }
    expect(judgeCanary(policy, arm({ metric: 0.99 }), stable).verdict).toBe('pass');
  });

  it('names the failing figures in the reason', () => {
    expect(judgeCanary(policy, arm({ errorRate: 0.05, latencyP99Ms: 400 }), stable).reason).toBe(
      'canary regressed: error_rate 0.05 against stable 0.02 (limit 0.03); latency_p99_ms 400 against stable 100 (limit 150)',
    );
  });

  it('skips the metric until both arms have it or when the policy names none, and latency when an arm has none', () => {
    const metrics = (canary: ArmFigures, base: ArmFigures, p = policy) => judgeCanary(p, canary, base).checks.map((c) => c.metric);
    expect(metrics(arm({ metric: undefined }), stable)).toEqual(['error_rate', 'latency_p99_ms']);
    expect(metrics(arm(), { ...stable, metric: undefined })).toEqual(['error_rate', 'latency_p99_ms']);
    expect(metrics(arm(), stable, { ...policy, metric: '' })).toEqual(['error_rate', 'latency_p99_ms']);
    expect(metrics(arm({ latencyP99Ms: undefined }), stable)).toEqual(['error_rate', 'roc_auc']);
  });

  it('judges nothing until both arms have the minimum requests', () => {
    expect(judgeCanary(policy, arm({ requests: 499, errorRate: 0.5 }), stable)).toEqual({
      verdict: 'insufficient_data',
      checks: [],
      reason: 'canary has 499 requests, fewer than the 500 needed',
    });
    expect(judgeCanary(policy, arm({ requests: 499 }), { ...stable, requests: 10 }).reason).toBe('canary has 499 requests and stable has 10 requests, fewer than the 500 needed');
    expect(judgeCanary(policy, arm({ requests: 500 }), stable).verdict).toBe('pass');
  });

  it('is disabled when the policy is', () => {
    expect(judgeCanary({ ...policy, enabled: false }, arm({ errorRate: 0.5 }), stable)).toEqual({ verdict: 'disabled', checks: [], reason: 'canary judgement is disabled' });
  });
});
