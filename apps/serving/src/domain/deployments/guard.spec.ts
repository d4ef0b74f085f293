import { type RollbackGuard } from '../deployment';
import { type ArmSummary, ArmWindow, describeFailedChecks, evaluateGuard } from './guard';
import { seeded } from '../seeded-random.fixture';


/** The nearest-rank p99 of the samples themselves. */
function exactP99(latencies: number[]): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.ceil(0.99 * sorted.length) - 1];
}

/** The p99 a window reports for a single request of this latency: the upper bound of its bin. */
function at(latencyMs: number): number {
  const window = new ArmWindow(60_000);
  window.record(0, latencyMs, false);
  return window.summary(0, 60_000).p99Ms;
}

describe('ArmWindow', () => {
  it('summarizes nothing as zeros', () => {
    expect(new ArmWindow(60_000).summary(1_000, 60_000)).toEqual({ requests: 0, errors: 0, errorRate: 0, p99Ms: 0 });
  });

  it('counts requests and errors', () => {
    const window = new ArmWindow(60_000);
    for (let i = 0; i < 1_000; i++) window.record(10_000 + i * 10, 5, i % 27 === 0);
    expect(window.summary(20_000, 60_000)).toMatchObject({ requests: 1_000, errors: 38, errorRate: 0.038 });
  });

  it('leaves out buckets older than the window, to bucket resolution', () => {
    const window = new ArmWindow(300_000);
    for (let i = 0; i < 100; i++) window.record(1_000 + i, 5, true);
    for (let i = 0; i < 50; i++) window.record(30_000 + i, 5, false);
    // The bucket [1 s, 2 s) still overlaps the window (1.5 s, 61.5 s], and no longer (2 s, 62 s].
    expect(window.summary(61_500, 60_000)).toMatchObject({ requests: 150, errors: 100 });
    expect(window.summary(62_000, 60_000)).toMatchObject({ requests: 50, errors: 0, errorRate: 0 });
    expect(window.summary(100_000, 60_000).requests).toBe(0);
  });

  it('never looks back further than its horizon, nor past now', () => {
    const window = new ArmWindow(60_000);
    window.record(1_000, 5, false);
    window.record(50_000, 5, false);
    window.record(90_000, 5, false);
    // At 90 s the request at 1 s is past the horizon; looking from 60 s, the one at 90 s is still ahead.
    expect(window.summary(90_000, 3_600_000).requests).toBe(2);
    expect(window.summary(60_000, 3_600_000).requests).toBe(1);
  });

  it('holds a bounded number of buckets however long and busy the traffic', () => {
    const window = new ArmWindow(60_000);
    for (let t = 0; t < 3_600_000; t += 10) window.record(t, 5, false);
    expect(window.bucketCount).toBe(61);
    expect(window.summary(3_600_000, 60_000).requests).toBe(6_000);
  });

  it('widens the default bucket for a long horizon, to at most about 600 buckets', () => {
    const window = new ArmWindow(3_600_000);
    for (let t = 0; t < 7_200_000; t += 500) window.record(t, 5, false);
    expect(window.bucketCount).toBe(601);
  });

  it('counts a request from a clock that stepped back in the newest bucket', () => {
    const window = new ArmWindow(60_000);
    window.record(10_000, 5, false);
    window.record(4_000, 5, true);
    expect(window.bucketCount).toBe(1);
    expect(window.summary(10_000, 1_000)).toMatchObject({ requests: 2, errors: 1 });
  });

  it('refuses a horizon shorter than a bucket', () => {
    expect(() => new ArmWindow(500, 1_000)).toThrow(RangeError);
    expect(() => new ArmWindow(1_000, 0)).toThrow('an arm window needs bucketMs > 0 and horizonMs >= bucketMs (got 0 and 1000)');
  });

  it('reports the p99 of evenly spread latencies within 5 % above the exact value', () => {
    const window = new ArmWindow(60_000);
    const latencies = Array.from({ length: 10_000 }, (_, i) => 1 + (i % 1_000));
    latencies.forEach((latency, i) => window.record(i, latency, false));
    const { p99Ms } = window.summary(10_000, 60_000);
    expect(exactP99(latencies)).toBe(990);
    expect(p99Ms).toBeGreaterThanOrEqual(990);
    expect(p99Ms).toBeLessThan(990 * 1.05);
  });

  it('reports the p99 of a long-tailed (log-normal) distribution within 5 % above the exact value', () => {
    const random = seeded(3);
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const latencies = Array.from({ length: 20_000 }, () => Math.exp(Math.log(20) + 0.8 * gaussian()));
    const window = new ArmWindow(60_000);
    latencies.forEach((latency, i) => window.record(i * 2, latency, false));
    const exact = exactP99(latencies);
    const { p99Ms } = window.summary(40_000, 60_000);
    expect(p99Ms).toBeGreaterThanOrEqual(exact);
    expect(p99Ms).toBeLessThan(exact * 1.05);
  });

  it('reports a latency on a bin bound as that bound, and one just above as the next, for every bin', () => {
    const bounds = Array.from({ length: 321 }, (_, i) => 0.01 * 1.05 ** i);
    // bound·(1 + ε) is the next double up or beyond, still far inside the next bin.
    const misplaced = bounds.filter((bound, i) => at(bound) !== bound || (i < 320 && at(bound + bound * Number.EPSILON) !== bounds[i + 1]));
    expect(misplaced).toEqual([]);
  });

  it('clamps latencies below the first and beyond the last bound', () => {
    expect(at(0)).toBe(0.01);
    expect(at(Number.NaN)).toBe(0.01);
    expect(at(3_600_000)).toBeCloseTo(60_335.887, 2);
  });
});

describe('evaluateGuard', () => {
  const guard: RollbackGuard = { enabled: true, maxErrorRateIncrease: 0.01, maxP99LatencyIncrease: 0.2, evaluationWindowMs: 300_000, minRequests: 100 };
  const arm = (requests: number, errorRate: number, p99Ms: number): ArmSummary => ({ requests, errors: Math.round(requests * errorRate), errorRate, p99Ms });
  const stable = arm(10_000, 0.01, 100);

  it('is insufficient until the canary has min_requests and stable has any', () => {
    expect(evaluateGuard(guard, arm(99, 0.5, 1_000), stable)).toEqual({ verdict: 'insufficient', checks: [] });
    expect(evaluateGuard(guard, arm(100, 0.5, 1_000), arm(0, 0, 0))).toEqual({ verdict: 'insufficient', checks: [] });
    expect(evaluateGuard({ ...guard, minRequests: 0 }, arm(0, 0, 0), stable).verdict).toBe('insufficient');
    expect(evaluateGuard(guard, arm(100, 0.01, 100), stable).verdict).toBe('pass');
  });

  it('passes a canary within both limits, with every number in the checks', () => {
    const { verdict, checks } = evaluateGuard(guard, arm(500, 0.015, 110), stable);
    expect(verdict).toBe('pass');
    expect(checks).toEqual([
      { metric: 'error_rate', canaryValue: 0.015, stableValue: 0.01, limit: 0.02, passed: true },
      { metric: 'latency_p99_ms', canaryValue: 110, stableValue: 100, limit: 120, passed: true },
    ]);
  });

  it('passes a canary exactly at the limits', () => {
    expect(evaluateGuard({ ...guard, maxP99LatencyIncrease: 0.5 }, arm(500, 0.02, 150), stable).verdict).toBe('pass');
  });

  it('fails on the error rate alone', () => {
    const { verdict, checks } = evaluateGuard(guard, arm(500, 0.021, 90), stable);
    expect(verdict).toBe('fail');
    expect(checks.map((c) => [c.metric, c.passed])).toEqual([['error_rate', false], ['latency_p99_ms', true]]);
  });

  it('fails on the p99 latency alone', () => {
    const { verdict, checks } = evaluateGuard(guard, arm(500, 0, 121), stable);
    expect(verdict).toBe('fail');
    expect(checks.map((c) => [c.metric, c.passed])).toEqual([['error_rate', true], ['latency_p99_ms', false]]);
  });

  it('describes the failed checks for the rollback reason', () => {
    const { checks } = evaluateGuard(guard, arm(500, 0.05, 250), stable);
    expect(describeFailedChecks(checks)).toBe('canary error_rate 0.05 > limit 0.02 (stable 0.01); canary latency_p99_ms 250 > limit 120 (stable 100)');
    expect(describeFailedChecks(evaluateGuard(guard, arm(500, 0.05, 100), stable).checks)).toBe('canary error_rate 0.05 > limit 0.02 (stable 0.01)');
  });
});
