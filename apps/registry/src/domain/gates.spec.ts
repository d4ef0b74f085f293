import { evaluateGates, type GateCheck, type VersionMetrics } from './gates';
import { DEFAULT_POLICY, type MetricGate, type PromotionPolicy } from './policy';

const now = new Date('2024-05-01T12:00:00.000Z');
const policyWith = (metricGates: MetricGate[], maxP99LatencyMs?: number): PromotionPolicy => ({ ...DEFAULT_POLICY, metricGates, maxP99LatencyMs });
const candidate = (metrics: Record<string, number>): VersionMetrics => ({ version: 7, metrics });
const champion = (metrics: Record<string, number>): VersionMetrics => ({ version: 3, metrics });

const rocAuc: MetricGate = { metric: 'roc_auc', direction: 'higher_is_better', maxRegression: 0.02 };
const logLoss: MetricGate = { metric: 'log_loss', direction: 'lower_is_better', maxRegression: 0.02 };

/** The one check a single-gate policy produces. */
function onlyCheck(gate: MetricGate, candidateMetrics: Record<string, number>, championMetrics?: Record<string, number>): GateCheck {
  const result = evaluateGates(policyWith([gate]), 1, candidate(candidateMetrics), championMetrics && champion(championMetrics), now);
  expect(result.checks).toHaveLength(1);
  return result.checks[0];
}

describe('evaluateGates: relative check, higher is better', () => {
  it('passes a candidate exactly at champion - max_regression, with the numbers in the message', () => {
    const check = onlyCheck(rocAuc, { roc_auc: 0.88 }, { roc_auc: 0.9 });
    expect(check).toMatchObject({ name: 'roc_auc.max_regression', metric: 'roc_auc', candidateValue: 0.88, championValue: 0.9, passed: true });
    expect(check.threshold).toBeCloseTo(0.88, 12);
    expect(check.message).toBe('roc_auc 0.88 >= champion 0.9 - 0.02 = 0.88');
  });

  it('fails a candidate a hair below the threshold', () => {
    const check = onlyCheck(rocAuc, { roc_auc: 0.88 - 1e-9 }, { roc_auc: 0.9 });
    expect(check.passed).toBe(false);
    expect(check.message).toBe('roc_auc 0.88 < champion 0.9 - 0.02 = 0.88');
  });

  it('fails a candidate clearly below, and passes one above the champion', () => {
    expect(onlyCheck(rocAuc, { roc_auc: 0.87 }, { roc_auc: 0.9 })).toMatchObject({ passed: false, message: 'roc_auc 0.87 < champion 0.9 - 0.02 = 0.88' });
    expect(onlyCheck(rocAuc, { roc_auc: 0.95 }, { roc_auc: 0.9 })).toMatchObject({ passed: true, message: 'roc_auc 0.95 >= champion 0.9 - 0.02 = 0.88' });
  });

  // In binary 0.13 - 0.01 is 0.12000000000000001 and 0.05 - 0.02 is 0.030000000000000002: a candidate
  // at the threshold as a person writes it must still pass.
  it.each([
    [0.13, 0.01, 0.12],
    [0.05, 0.02, 0.03],
    [0.1, 0.01, 0.09],
  ])('passes at the boundary despite binary rounding: champion %p - %p = %p', (championValue, maxRegression, value) => {
    const check = onlyCheck({ ...rocAuc, maxRegression }, { roc_auc: value }, { roc_auc: championValue });
    expect(check.passed).toBe(true);
    expect(check.message).toBe(`roc_auc ${value} >= champion ${championValue} - ${maxRegression} = ${value}`);
    expect(onlyCheck({ ...rocAuc, maxRegression }, { roc_auc: value - 1e-9 }, { roc_auc: championValue }).passed).toBe(false);
  });

  it('with max_regression 0 requires at least the champion value', () => {
    const gate = { ...rocAuc, maxRegression: 0 };
    expect(onlyCheck(gate, { roc_auc: 0.9 }, { roc_auc: 0.9 }).passed).toBe(true);
    expect(onlyCheck(gate, { roc_auc: 0.8999 }, { roc_auc: 0.9 })).toMatchObject({ passed: false, message: 'roc_auc 0.8999 < champion 0.9 - 0 = 0.9' });
  });
});

describe('evaluateGates: relative check, lower is better', () => {
  it('passes a candidate exactly at champion + max_regression', () => {
    const check = onlyCheck(logLoss, { log_loss: 0.32 }, { log_loss: 0.3 });
    expect(check).toMatchObject({ name: 'log_loss.max_regression', candidateValue: 0.32, championValue: 0.3, passed: true, message: 'log_loss 0.32 <= champion 0.3 + 0.02 = 0.32' });
    expect(check.threshold).toBeCloseTo(0.32, 12);
  });

  it('fails a candidate a hair above the threshold', () => {
    expect(onlyCheck(logLoss, { log_loss: 0.32 + 1e-9 }, { log_loss: 0.3 })).toMatchObject({ passed: false, message: 'log_loss 0.32 > champion 0.3 + 0.02 = 0.32' });
    expect(onlyCheck(logLoss, { log_loss: 0.4 }, { log_loss: 0.3 })).toMatchObject({ passed: false, message: 'log_loss 0.4 > champion 0.3 + 0.02 = 0.32' });
  });

  it('passes a lower (better) candidate', () => {
    expect(onlyCheck(logLoss, { log_loss: 0.1 }, { log_loss: 0.3 }).passed).toBe(true);
  });

  // 0.09 + 0.01 is 0.09999999999999999 and 0.06 + 0.01 is 0.06999999999999999 in binary.
  it.each([
    [0.09, 0.01, 0.1],
    [0.06, 0.01, 0.07],
  ])('passes at the boundary despite binary rounding: champion %p + %p = %p', (championValue, maxRegression, value) => {
    const gate = { ...logLoss, maxRegression };
    expect(onlyCheck(gate, { log_loss: value }, { log_loss: championValue })).toMatchObject({ passed: true, message: `log_loss ${value} <= champion ${championValue} + ${maxRegression} = ${value}` });
    expect(onlyCheck(gate, { log_loss: value + 1e-9 }, { log_loss: championValue }).passed).toBe(false);
  });
});

describe('evaluateGates: absolute bounds', () => {
  it('checks a floor when higher is better, inclusive', () => {
    const gate: MetricGate = { metric: 'roc_auc', direction: 'higher_is_better', absoluteThreshold: 0.8 };
    expect(onlyCheck(gate, { roc_auc: 0.8 })).toMatchObject({ name: 'roc_auc.floor', threshold: 0.8, candidateValue: 0.8, passed: true, message: 'roc_auc 0.8 >= floor 0.8' });
    expect(onlyCheck(gate, { roc_auc: 0.79 })).toMatchObject({ name: 'roc_auc.floor', passed: false, message: 'roc_auc 0.79 < floor 0.8' });
  });

  it('checks a ceiling when lower is better, inclusive', () => {
    const gate: MetricGate = { metric: 'log_loss', direction: 'lower_is_better', absoluteThreshold: 0.5 };
    expect(onlyCheck(gate, { log_loss: 0.5 })).toMatchObject({ name: 'log_loss.ceiling', threshold: 0.5, passed: true, message: 'log_loss 0.5 <= ceiling 0.5' });
    expect(onlyCheck(gate, { log_loss: 0.51 })).toMatchObject({ name: 'log_loss.ceiling', passed: false, message: 'log_loss 0.51 > ceiling 0.5' });
  });

  it('has no champion value on an absolute check', () => {
    const check = onlyCheck({ metric: 'roc_auc', direction: 'higher_is_better', absoluteThreshold: 0.8 }, { roc_auc: 0.85 }, { roc_auc: 0.9 });
    expect(check.championValue).toBeUndefined();
  });

  it('rounds long numbers in messages to six significant digits', () => {
    const check = onlyCheck({ metric: 'roc_auc', direction: 'higher_is_better', absoluteThreshold: 0.8 }, { roc_auc: 0.912345678 });
    expect(check.message).toBe('roc_auc 0.912346 >= floor 0.8');
    expect(check.candidateValue).toBe(0.912345678);
  });
});

describe('evaluateGates: a metric the candidate lacks', () => {
  it.each([
    ['missing', {}],
    ['NaN', { roc_auc: Number.NaN }],
    ['infinite', { roc_auc: Number.POSITIVE_INFINITY }],
  ])('fails the gate when the metric is %s, naming it, and runs no other check of that gate', (_case, metrics) => {
    const gate: MetricGate = { ...rocAuc, absoluteThreshold: 0.8 };
    expect(onlyCheck(gate, metrics, { roc_auc: 0.9 })).toEqual({ name: 'roc_auc.present', metric: 'roc_auc', passed: false, message: 'version 7 has no roc_auc metric' });
  });
});

describe('evaluateGates: no champion to compare with', () => {
  it('skips the relative check and passes it, saying so', () => {
    const result = evaluateGates(policyWith([rocAuc]), 4, candidate({ roc_auc: 0.5 }), undefined, now);
    expect(result.championVersion).toBe(0);
    expect(result.passed).toBe(true);
    expect(result.checks).toEqual([{ name: 'roc_auc.max_regression', metric: 'roc_auc', candidateValue: 0.5, passed: true, message: 'no champion yet: relative check skipped' }]);
  });

  it('still applies the absolute bound', () => {
    const result = evaluateGates(policyWith([{ ...rocAuc, absoluteThreshold: 0.8 }]), 4, candidate({ roc_auc: 0.5 }), undefined, now);
    expect(result.checks.map((c) => [c.name, c.passed])).toEqual([
      ['roc_auc.max_regression', true],
      ['roc_auc.floor', false],
    ]);
    expect(result.passed).toBe(false);
  });

  it('skips the relative check when the champion lacks the metric, naming the champion', () => {
    const check = onlyCheck(rocAuc, { roc_auc: 0.5 }, { accuracy: 0.9 });
    expect(check).toMatchObject({ passed: true, message: 'champion version 3 has no roc_auc: relative check skipped' });
    expect(check.threshold).toBeUndefined();
  });
});

describe('evaluateGates: latency budget', () => {
  const evaluate = (metrics: Record<string, number>) => evaluateGates(policyWith([], 50), 1, candidate(metrics), undefined, now);

  it('passes at the budget', () => {
    const result = evaluate({ latency_p99_ms: 50 });
    expect(result.checks).toEqual([{ name: 'latency_p99', metric: 'latency_p99_ms', candidateValue: 50, threshold: 50, passed: true, message: 'p99 latency 50 ms <= budget 50 ms' }]);
    expect(result.passed).toBe(true);
  });

  it('fails over the budget', () => {
    const result = evaluate({ latency_p99_ms: 50.5 });
    expect(result.checks[0]).toMatchObject({ passed: false, message: 'p99 latency 50.5 ms > budget 50 ms' });
    expect(result.passed).toBe(false);
  });

  it('fails when the latency was not measured', () => {
    const result = evaluate({ roc_auc: 0.9 });
    expect(result.checks).toEqual([{ name: 'latency_p99', metric: 'latency_p99_ms', threshold: 50, passed: false, message: 'version 7 has no latency_p99_ms measurement' }]);
    expect(result.passed).toBe(false);
  });

  it('is not checked without a budget', () => {
    expect(evaluateGates(policyWith([]), 1, candidate({ latency_p99_ms: 10_000 }), undefined, now).checks).toEqual([]);
  });
});

describe('evaluateGates: the result', () => {
  const policy = policyWith([{ ...rocAuc, absoluteThreshold: 0.8 }, { ...logLoss, absoluteThreshold: 0.3 }], 50);
  const championMetrics = champion({ roc_auc: 0.9, log_loss: 0.3 });

  it('keeps every check in order: gates as listed, relative before absolute, latency last', () => {
    const result = evaluateGates(policy, 9, candidate({ roc_auc: 0.91, log_loss: 0.29, latency_p99_ms: 20 }), championMetrics, now);
    expect(result.checks.map((c) => c.name)).toEqual(['roc_auc.max_regression', 'roc_auc.floor', 'log_loss.max_regression', 'log_loss.ceiling', 'latency_p99']);
    expect(result).toMatchObject({ passed: true, championVersion: 3, policyRevision: 9, evaluatedAt: now });
  });

  it.each([
    ['the relative roc_auc check', { roc_auc: 0.85, log_loss: 0.29, latency_p99_ms: 20 }, 'roc_auc.max_regression'],
    ['the log_loss ceiling', { roc_auc: 0.91, log_loss: 0.31, latency_p99_ms: 20 }, 'log_loss.ceiling'],
    ['the latency budget', { roc_auc: 0.91, log_loss: 0.29, latency_p99_ms: 51 }, 'latency_p99'],
  ])('fails overall when only %s fails', (_case, metrics, failing) => {
    const result = evaluateGates(policy, 9, candidate(metrics), championMetrics, now);
    expect(result.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual([failing]);
    expect(result.passed).toBe(false);
  });

  it('passes with no gates at all, against no champion', () => {
    expect(evaluateGates(DEFAULT_POLICY, 0, candidate({}), undefined, now)).toEqual({ passed: true, checks: [], championVersion: 0, policyRevision: 0, evaluatedAt: now });
  });
});

describe('evaluateGates: the champion scored on the candidate\'s test rows', () => {
  const retrained = (baselineRunId: string): VersionMetrics => ({ version: 2, metrics: { roc_auc: 0.6, 'baseline.roc_auc': 0.63 }, lineage: { trainingRunId: 'run-2', baselineRunId } });
  const champ: VersionMetrics = { version: 1, metrics: { roc_auc: 0.55 }, lineage: { trainingRunId: 'run-1' } };

  it('compares with the champion on the same rows when the candidate scored the champion\'s run', () => {
    const [check] = evaluateGates(policyWith([rocAuc]), 1, retrained('run-1'), champ, now).checks;
    // Against the champion's own test period (0.55) it would pass; on the same rows the champion does better.
    expect(check).toMatchObject({ championValue: 0.63, passed: false, message: 'roc_auc 0.6 < champion 0.63 on the same test rows - 0.02 = 0.61' });
  });

  it('falls back to the champion\'s own metric when the baseline was another run', () => {
    const [check] = evaluateGates(policyWith([rocAuc]), 1, retrained('run-0'), champ, now).checks;
    expect(check).toMatchObject({ championValue: 0.55, passed: true, message: 'roc_auc 0.6 >= champion 0.55 - 0.02 = 0.53' });
  });
});
