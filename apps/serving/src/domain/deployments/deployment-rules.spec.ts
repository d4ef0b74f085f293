import { type DeploymentSpec, type RollbackGuard, type RolloutStrategy } from '../deployment';
import { armsOf, validateDeploymentSpec, versionsOf } from './deployment-rules';

const valid = (overrides: Partial<DeploymentSpec> = {}): DeploymentSpec => ({ modelName: 'fraud-detector', stableVersion: 3, nanPolicy: 'reject', logSampleRate: 1, alias: 'champion', ...overrides });
const guard = (overrides: Partial<RollbackGuard> = {}): RollbackGuard => ({ enabled: true, maxErrorRateIncrease: 0.01, maxP99LatencyIncrease: 0.2, evaluationWindowMs: 300_000, minRequests: 100, ...overrides });
const rollout = (overrides: Partial<RolloutStrategy> = {}): RolloutStrategy => ({ kind: 'canary', canaryWeight: 0.1, canarySteps: [0.25, 0.5, 1], stepIntervalMs: 600_000, guard: guard(), ...overrides });
const abTest = (arms: { name: string; version: number; weight: number }[]) => ({ arms, salt: 'exp-1' });
const fieldsOf = (spec: DeploymentSpec) => validateDeploymentSpec(spec).map((v) => v.field);

describe('validateDeploymentSpec', () => {
  it('accepts a deployment using every feature that can go together', () => {
    const spec = valid({
      canary: { version: 4, weight: 0.1 }, shadow: { version: 5, sampleRate: 0.5 }, standbyVersion: 2, rollout: rollout(), logSampleRate: 0,
      enrichment: { featureService: { name: 'fraud_features', version: 0 }, fallback: 'defaults', defaults: { amount: 0 }, timeoutMs: 60_000 },
    });
    expect(validateDeploymentSpec(spec)).toEqual([]);
    expect(validateDeploymentSpec(valid({ abTest: abTest([{ name: 'a', version: 3, weight: 1 }, { name: 'b-2', version: 4, weight: 3 }]) }))).toEqual([]);
  });

  it('reports every problem at once, under the given prefix', () => {
    const violations = validateDeploymentSpec(valid({ modelName: '', stableVersion: 0, logSampleRate: 2 }), 'spec');
    expect(violations.map((v) => v.field)).toEqual(['spec.model_name', 'spec.stable_version', 'spec.log_sample_rate']);
    expect(violations[0].description).toBe('is required');
  });

  it.each(['-fraud', 'fraud detector', 'fraud/v2', 'a'.repeat(129)])('rejects the model name %j', (modelName) => {
    expect(fieldsOf(valid({ modelName }))).toEqual(['deployment.model_name']);
  });

  it('accepts a model name of 128 letters, digits, ".", "_" and "-"', () => {
    expect(fieldsOf(valid({ modelName: `Fraud_v2.1-${'x'.repeat(117)}` }))).toEqual([]);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects stable version %p', (stableVersion) => {
    expect(fieldsOf(valid({ stableVersion }))).toEqual(['deployment.stable_version']);
  });

  it('rejects a canary together with an A/B test', () => {
    const spec = valid({ canary: { version: 4, weight: 0.1 }, abTest: abTest([{ name: 'a', version: 3, weight: 1 }, { name: 'b', version: 4, weight: 1 }]) });
    expect(fieldsOf(spec)).toEqual(['deployment.ab_test']);
  });

  it('rejects a canary version that is missing or the stable one', () => {
    expect(fieldsOf(valid({ canary: { version: 0, weight: 0.1 } }))).toEqual(['deployment.canary.version']);
    const [violation] = validateDeploymentSpec(valid({ canary: { version: 3, weight: 0.1 } }));
    expect(violation).toEqual({ field: 'deployment.canary.version', description: 'is the stable version 3: a canary tries another version' });
  });

  it.each([0, -0.1, 1.01, Number.NaN])('rejects canary weight %p and accepts 1', (weight) => {
    expect(fieldsOf(valid({ canary: { version: 4, weight } }))).toEqual(['deployment.canary.weight']);
    expect(fieldsOf(valid({ canary: { version: 4, weight: 1 } }))).toEqual([]);
  });

  it('rejects an A/B test with fewer than two arms', () => {
    expect(fieldsOf(valid({ abTest: abTest([{ name: 'a', version: 3, weight: 1 }]) }))).toEqual(['deployment.ab_test.arms']);
  });

  it('rejects A/B arm names that are empty, malformed, too long or repeated, by index', () => {
    const arms = [
      { name: 'a', version: 3, weight: 1 }, { name: '', version: 4, weight: 1 }, { name: 'B', version: 4, weight: 1 },
      { name: 'x'.repeat(33), version: 4, weight: 1 }, { name: 'a', version: 4, weight: 1 }, { name: 'arm_2-b', version: 4, weight: 1 },
    ];
    const violations = validateDeploymentSpec(valid({ abTest: abTest(arms) }));
    expect(violations.map((v) => v.field)).toEqual(['deployment.ab_test.arms[1].name', 'deployment.ab_test.arms[2].name', 'deployment.ab_test.arms[3].name', 'deployment.ab_test.arms[4].name']);
    expect(violations[0].description).toBe('is required');
    expect(violations[3].description).toBe('"a" names two arms');
  });

  it('rejects A/B arm versions below 1 and weights that are not finite and positive', () => {
    const arms = [{ name: 'a', version: 0, weight: 1 }, { name: 'b', version: 4, weight: 0 }, { name: 'c', version: 4, weight: Number.POSITIVE_INFINITY }, { name: 'd', version: 4, weight: -1 }];
    expect(fieldsOf(valid({ abTest: abTest(arms) }))).toEqual(['deployment.ab_test.arms[0].version', 'deployment.ab_test.arms[1].weight', 'deployment.ab_test.arms[2].weight', 'deployment.ab_test.arms[3].weight']);
  });

  it('rejects a shadow of no version, of the stable version or of the canary version', () => {
    expect(fieldsOf(valid({ shadow: { version: 0, sampleRate: 1 } }))).toEqual(['deployment.shadow.version']);
    expect(fieldsOf(valid({ shadow: { version: 3, sampleRate: 1 } }))).toEqual(['deployment.shadow.version']);
    const [violation] = validateDeploymentSpec(valid({ canary: { version: 4, weight: 0.1 }, shadow: { version: 4, sampleRate: 1 } }));
    expect(violation).toEqual({ field: 'deployment.shadow.version', description: 'is the canary version 4: it already receives traffic' });
  });

  it.each([0, 1.5, Number.NaN])('rejects shadow sample rate %p', (sampleRate) => {
    expect(fieldsOf(valid({ shadow: { version: 5, sampleRate } }))).toEqual(['deployment.shadow.sample_rate']);
  });

  it('rejects a standby of no version or of the stable version', () => {
    expect(fieldsOf(valid({ standbyVersion: 0 }))).toEqual(['deployment.blue_green.standby_version']);
    expect(fieldsOf(valid({ standbyVersion: 3 }))).toEqual(['deployment.blue_green.standby_version']);
  });

  it.each([-0.01, 1.01, Number.NaN])('rejects log sample rate %p', (logSampleRate) => {
    expect(fieldsOf(valid({ logSampleRate }))).toEqual(['deployment.log_sample_rate']);
  });

  it.each(['', 'Champion', '1st', 'a'.repeat(65)])('rejects the alias %j', (alias) => {
    expect(fieldsOf(valid({ alias }))).toEqual(['deployment.alias']);
  });

  it('rejects enrichment without a feature service name, with a negative version or an out-of-range timeout', () => {
    const enrichment = (name: string, version: number, timeoutMs: number) => valid({ enrichment: { featureService: { name, version }, fallback: 'error', defaults: {}, timeoutMs } });
    expect(fieldsOf(enrichment('', 1, 50))).toEqual(['deployment.enrichment.feature_service.name']);
    expect(fieldsOf(enrichment('fraud_features', -1, 50))).toEqual(['deployment.enrichment.feature_service.version']);
    expect(fieldsOf(enrichment('fraud_features', 1, 0))).toEqual(['deployment.enrichment.timeout_ms']);
    expect(fieldsOf(enrichment('fraud_features', 1, 60_001))).toEqual(['deployment.enrichment.timeout_ms']);
    expect(fieldsOf(enrichment('fraud_features', 1, 1))).toEqual([]);
  });

  it.each([-0.1, 1.1, Number.NaN])('rejects rollout canary weight %p', (canaryWeight) => {
    expect(fieldsOf(valid({ rollout: rollout({ canaryWeight, canarySteps: [] }) }))).toEqual(['deployment.rollout.canary_weight']);
  });

  it('accepts rollout canary weights 0 and 1 without steps', () => {
    expect(fieldsOf(valid({ rollout: rollout({ canaryWeight: 0, canarySteps: [] }) }))).toEqual([]);
    expect(fieldsOf(valid({ rollout: rollout({ canaryWeight: 1, canarySteps: [] }) }))).toEqual([]);
  });

  it('rejects canary steps out of (0, 1], not above the initial weight, or not increasing, by index', () => {
    const violations = validateDeploymentSpec(valid({ rollout: rollout({ canaryWeight: 0.2, canarySteps: [0.1, 0.5, 0.5, 1.5, 0.8] }) }));
    expect(violations).toEqual([
      { field: 'deployment.rollout.canary_steps[0]', description: 'must exceed the initial canary_weight 0.2' },
      { field: 'deployment.rollout.canary_steps[2]', description: 'must exceed the step before (0.5): steps only increase' },
      { field: 'deployment.rollout.canary_steps[3]', description: 'a share of traffic in (0, 1]' },
      { field: 'deployment.rollout.canary_steps[4]', description: 'must exceed the step before (1.5): steps only increase' },
    ]);
    expect(fieldsOf(valid({ rollout: rollout({ canaryWeight: 0, canarySteps: [0, 1] }) }))).toEqual(['deployment.rollout.canary_steps[0]']);
  });

  it('rejects a negative step interval, and a zero one when there are steps', () => {
    expect(fieldsOf(valid({ rollout: rollout({ stepIntervalMs: -1 }) }))).toEqual(['deployment.rollout.step_interval']);
    expect(fieldsOf(valid({ rollout: rollout({ stepIntervalMs: 0 }) }))).toEqual(['deployment.rollout.step_interval']);
    expect(fieldsOf(valid({ rollout: rollout({ stepIntervalMs: 0, canarySteps: [] }) }))).toEqual([]);
  });

  it.each([
    ['max_error_rate_increase', { maxErrorRateIncrease: -0.01 }],
    ['max_error_rate_increase', { maxErrorRateIncrease: Number.POSITIVE_INFINITY }],
    ['max_p99_latency_increase', { maxP99LatencyIncrease: Number.NaN }],
    ['evaluation_window', { evaluationWindowMs: -1 }],
    ['min_requests', { minRequests: -1 }],
    ['min_requests', { minRequests: 1.5 }],
  ] as const)('rejects a guard with a bad %s, enabled or not', (field, overrides) => {
    for (const enabled of [true, false]) {
      expect(fieldsOf(valid({ rollout: rollout({ guard: guard({ enabled, ...overrides }) }) }))).toEqual([`deployment.rollout.rollback_guard.${field}`]);
    }
  });

  it('requires an evaluation window and at least one request of an enabled guard only', () => {
    const zeroes = { evaluationWindowMs: 0, minRequests: 0 };
    expect(fieldsOf(valid({ rollout: rollout({ guard: guard({ enabled: true, ...zeroes }) }) }))).toEqual(['deployment.rollout.rollback_guard.evaluation_window', 'deployment.rollout.rollback_guard.min_requests']);
    expect(fieldsOf(valid({ rollout: rollout({ guard: guard({ enabled: false, ...zeroes }) }) }))).toEqual([]);
  });
});

describe('armsOf and versionsOf', () => {
  it('gives stable all traffic when it is alone', () => {
    expect(armsOf(valid())).toEqual([{ arm: 'stable', version: 3, weight: 1 }]);
  });

  it('gives stable what the canary leaves, the shadow its sample rate and the standby nothing', () => {
    const spec = valid({ canary: { version: 4, weight: 0.25 }, shadow: { version: 5, sampleRate: 0.5 }, standbyVersion: 2 });
    expect(armsOf(spec)).toEqual([
      { arm: 'stable', version: 3, weight: 0.75 },
      { arm: 'canary', version: 4, weight: 0.25 },
      { arm: 'shadow', version: 5, weight: 0.5 },
      { arm: 'standby', version: 2, weight: 0 },
    ]);
    expect(versionsOf(spec)).toEqual([3, 4, 5, 2]);
  });

  it('normalizes A/B weights and keeps stable loaded without traffic', () => {
    const spec = valid({ abTest: abTest([{ name: 'a', version: 3, weight: 1 }, { name: 'b', version: 4, weight: 3 }]) });
    expect(armsOf(spec)).toEqual([
      { arm: 'stable', version: 3, weight: 0 },
      { arm: 'ab:a', version: 3, weight: 0.25 },
      { arm: 'ab:b', version: 4, weight: 0.75 },
    ]);
    expect(versionsOf(spec)).toEqual([3, 4]);
  });

  it('lists a version once when two A/B arms share it (an A/A test)', () => {
    expect(versionsOf(valid({ abTest: abTest([{ name: 'a', version: 4, weight: 1 }, { name: 'b', version: 4, weight: 1 }]) }))).toEqual([3, 4]);
  });
});
