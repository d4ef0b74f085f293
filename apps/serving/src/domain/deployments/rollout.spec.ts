import { type Deployment, type DeploymentSpec, type RolloutKind, type RolloutStrategy } from '../deployment';
import { validateDeploymentSpec } from './deployment-rules';
import { afterPromotion, afterRollback, advanceRollout, asRequested, type Promotion, withoutCanary } from './rollout';

const now = new Date('2024-05-01T12:00:00.000Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const defaults = { nanPolicy: 'as_missing', logSampleRate: 0.5 } as const;
const enrichment = { featureService: { name: 'fraud_features', version: 2 }, fallback: 'defaults', defaults: { amount: 0 }, timeoutMs: 50 } as const;

/** Stable 3 with everything a promotion must keep. */
const deployed = (overrides: Partial<DeploymentSpec> = {}): DeploymentSpec => ({
  modelName: 'fraud-detector', stableVersion: 3, nanPolicy: 'reject', logSampleRate: 0.1, alias: 'champion', enrichment: { ...enrichment, defaults: { amount: 0 } }, ...overrides,
});
const kept = { modelName: 'fraud-detector', nanPolicy: 'reject', logSampleRate: 0.1, alias: 'champion', enrichment: { ...enrichment, defaults: { amount: 0 } } };

const guard = { enabled: true, maxErrorRateIncrease: 0.01, maxP99LatencyIncrease: 0.2, evaluationWindowMs: 300_000, minRequests: 100 };
const canaryRollout = (overrides: Partial<RolloutStrategy> = {}): RolloutStrategy => ({ kind: 'canary', canaryWeight: 0.1, canarySteps: [0.25, 0.5, 1], stepIntervalMs: 600_000, guard, ...overrides });
const plainRollout = (kind: RolloutKind): RolloutStrategy => ({ kind, canaryWeight: 0, canarySteps: [], stepIntervalMs: 0 });
const promotion = (version: number, rollout?: RolloutStrategy, alias = 'champion'): Promotion => ({ modelName: 'fraud-detector', version, previousVersion: 3, alias, rollout });
const abTest = { arms: [{ name: 'a', version: 3, weight: 1 }, { name: 'b', version: 4, weight: 1 }], salt: 'exp-1' };

/** A canary of 4 on stable 3, on its initial weight since `now`. */
const canaryRunning = (overrides: Partial<DeploymentSpec> = {}) => deployed({ canary: { version: 4, weight: 0.1 }, rollout: canaryRollout(), progress: { step: -1, stepStartedAt: now }, ...overrides });

describe('afterPromotion', () => {
  it('deploys a first version outright, with the defaults and the promoted alias', () => {
    const change = afterPromotion(undefined, promotion(1), defaults, now);
    expect(change).toStrictEqual({
      spec: { modelName: 'fraud-detector', stableVersion: 1, alias: 'champion', nanPolicy: 'as_missing', logSampleRate: 0.5 },
      cause: 'promotion',
      reason: 'first deployment of fraud-detector: version 1 promoted to champion serves all traffic',
    });
  });

  it('says why a first deployment ignores the requested rollout', () => {
    const change = afterPromotion(undefined, promotion(1, canaryRollout()), defaults, now);
    expect(change?.spec).toStrictEqual({ modelName: 'fraud-detector', stableVersion: 1, alias: 'champion', nanPolicy: 'as_missing', logSampleRate: 0.5 });
    expect(change?.reason).toBe('first deployment of fraud-detector: version 1 promoted to champion serves all traffic (a canary rollout needs a version already serving; there is none)');
  });

  it('changes nothing for the version that already serves, even under an A/B test', () => {
    expect(afterPromotion(deployed(), promotion(3), defaults, now)).toBeUndefined();
    expect(afterPromotion(deployed({ abTest }), promotion(3, canaryRollout()), defaults, now)).toBeUndefined();
  });

  it('ignores a promotion of another alias than the deployment serves', () => {
    expect(afterPromotion(deployed(), promotion(4, undefined, 'challenger'), defaults, now)).toBeUndefined();
  });

  it('switches at once without a rollout (or an immediate one), unloading the previous stable and any standby', () => {
    for (const rollout of [undefined, plainRollout('immediate')]) {
      const change = afterPromotion(deployed({ standbyVersion: 2 }), promotion(4, rollout), defaults, now);
      expect(change).toStrictEqual({ spec: { ...kept, stableVersion: 4 }, cause: 'promotion', reason: 'version 4 promoted to champion: serves all traffic at once, version 3 unloaded' });
    }
  });

  it('ends a running canary and its rollout, and says so', () => {
    const change = afterPromotion(canaryRunning(), promotion(5), defaults, now);
    expect(change?.spec).toStrictEqual({ ...kept, stableVersion: 5 });
    expect(change?.reason).toBe('version 5 promoted to champion: serves all traffic at once, version 3 unloaded; canary version 4 ended');
  });

  it('ends an A/B test, and says so', () => {
    const change = afterPromotion(deployed({ abTest }), promotion(5), defaults, now);
    expect(change?.spec).toStrictEqual({ ...kept, stableVersion: 5 });
    expect(change?.reason).toBe('version 5 promoted to champion: serves all traffic at once, version 3 unloaded; the A/B test ended');
  });

  it('clears a shadow of the new stable version and keeps a shadow of another one', () => {
    expect(afterPromotion(deployed({ shadow: { version: 4, sampleRate: 1 } }), promotion(4), defaults, now)?.spec).toStrictEqual({ ...kept, stableVersion: 4 });
    expect(afterPromotion(deployed({ shadow: { version: 5, sampleRate: 0.2 } }), promotion(4), defaults, now)?.spec).toStrictEqual({ ...kept, stableVersion: 4, shadow: { version: 5, sampleRate: 0.2 } });
  });

  it('switches blue/green, keeping the previous stable warm as standby', () => {
    const change = afterPromotion(deployed({ standbyVersion: 4 }), promotion(4, plainRollout('blue_green')), defaults, now);
    expect(change).toStrictEqual({ spec: { ...kept, stableVersion: 4, standbyVersion: 3 }, cause: 'promotion', reason: 'version 4 promoted to champion: switched blue/green, version 3 kept warm as standby' });
    expect(afterPromotion(change?.spec, promotion(4, plainRollout('blue_green')), defaults, later(1))).toBeUndefined();
  });

  it('starts a canary on its initial weight, with the rollout and its progress', () => {
    const change = afterPromotion(deployed({ standbyVersion: 2 }), promotion(4, canaryRollout()), defaults, now);
    expect(change).toStrictEqual({
      spec: { ...kept, stableVersion: 3, standbyVersion: 2, canary: { version: 4, weight: 0.1 }, rollout: canaryRollout(), progress: { step: -1, stepStartedAt: now } },
      cause: 'promotion',
      reason: 'version 4 promoted to champion: canary at 10 % of traffic, then 25 %, 50 %, 100 % every 600 s',
    });
    expect(validateDeploymentSpec(change!.spec)).toEqual([]);
  });

  it('does not restart a canary already running for the version (a redelivered event)', () => {
    const running = canaryRunning({ canary: { version: 4, weight: 0.25 }, progress: { step: 0, stepStartedAt: later(600_000) } });
    expect(afterPromotion(running, promotion(4, canaryRollout()), defaults, later(700_000))).toBeUndefined();
  });

  it('replaces a running canary of an older version', () => {
    const change = afterPromotion(canaryRunning(), promotion(5, canaryRollout({ canaryWeight: 0.05 })), defaults, later(1_000));
    expect(change?.spec).toStrictEqual({ ...kept, stableVersion: 3, canary: { version: 5, weight: 0.05 }, rollout: canaryRollout({ canaryWeight: 0.05 }), progress: { step: -1, stepStartedAt: later(1_000) } });
    expect(change?.reason).toBe('version 5 promoted to champion: canary at 5 % of traffic, then 25 %, 50 %, 100 % every 600 s; canary version 4 ended');
  });

  it('starts a canary of weight 0 on its first step', () => {
    const rollout = canaryRollout({ canaryWeight: 0 });
    const change = afterPromotion(deployed(), promotion(4, rollout), defaults, now);
    expect(change?.spec).toStrictEqual({ ...kept, stableVersion: 3, canary: { version: 4, weight: 0.25 }, rollout, progress: { step: 0, stepStartedAt: now } });
    expect(change?.reason).toBe('version 4 promoted to champion: canary at 25 % of traffic, then 50 %, 100 % every 600 s');
  });

  it('keeps a canary without steps on its weight, without progress', () => {
    const rollout = canaryRollout({ canarySteps: [] });
    const change = afterPromotion(deployed(), promotion(4, rollout), defaults, now);
    expect(change?.spec).toStrictEqual({ ...kept, stableVersion: 3, canary: { version: 4, weight: 0.1 }, rollout });
    expect(change?.reason).toBe('version 4 promoted to champion: canary at 10 % of traffic');
  });

  it('only loads as standby a canary of weight 0 without steps', () => {
    const change = afterPromotion(deployed(), promotion(4, canaryRollout({ canaryWeight: 0, canarySteps: [] })), defaults, now);
    expect(change?.spec).toStrictEqual({ ...kept, stableVersion: 3, standbyVersion: 4 });
    expect(change?.reason).toBe('version 4 promoted to champion: a canary of weight 0 without steps gets no traffic: loaded as standby');
  });

  it('turns a shadow of the version into its canary', () => {
    const change = afterPromotion(deployed({ shadow: { version: 4, sampleRate: 1 } }), promotion(4, canaryRollout()), defaults, now);
    expect(change?.spec.shadow).toBeUndefined();
    expect(change?.spec.canary).toEqual({ version: 4, weight: 0.1 });
  });

  it('mirrors a shadow promotion to the version without moving stable, ending an A/B test', () => {
    const shadowRollout = plainRollout('shadow');
    const change = afterPromotion(deployed({ abTest, shadow: { version: 2, sampleRate: 0.1 } }), promotion(4, shadowRollout), defaults, now);
    expect(change).toStrictEqual({
      spec: { ...kept, stableVersion: 3, shadow: { version: 4, sampleRate: 1 } },
      cause: 'promotion',
      reason: 'version 4 promoted to champion: mirrored as shadow (answers only logged), version 3 keeps serving; the A/B test ended',
    });
    expect(afterPromotion(change?.spec, promotion(4, shadowRollout), defaults, later(1))).toBeUndefined();
  });

  it('ends a canary when the version already serving is promoted again', () => {
    const change = afterPromotion(canaryRunning(), promotion(3, canaryRollout()), defaults, now);
    expect(change).toStrictEqual({ spec: { ...kept, stableVersion: 3 }, cause: 'promotion', reason: 'version 3 promoted to champion: version 3 already serves; canary version 4 ended' });
  });

  it('returns a bare spec when given a stored deployment', () => {
    const stored: Deployment = { ...deployed(), revision: 7, changeCause: 'api', changeReason: 'set up', updatedBy: 'ana', updatedAt: now };
    expect(afterPromotion(stored, promotion(4), defaults, now)?.spec).toStrictEqual({ ...kept, stableVersion: 4 });
  });
});

describe('afterRollback', () => {
  it('switches back to the restored version and drops the rolled-back one as standby', () => {
    const change = afterRollback(deployed({ stableVersion: 4, standbyVersion: 3 }), { fromVersion: 4, toVersion: 3 });
    expect(change).toStrictEqual({ spec: { ...kept, stableVersion: 3 }, cause: 'rollback', reason: 'champion rolled back from version 4 to 3: version 3 serves' });
  });

  it('removes a canary of the rolled-back version with its rollout and progress', () => {
    const change = afterRollback(canaryRunning(), { fromVersion: 4, toVersion: 3 });
    expect(change).toStrictEqual({ spec: { ...kept, stableVersion: 3 }, cause: 'rollback', reason: 'champion rolled back from version 4 to 3: version 3 serves; canary version 4 removed' });
  });

  it('removes a shadow, a standby and an A/B test that use the rolled-back version', () => {
    const change = afterRollback(deployed({ stableVersion: 5, shadow: { version: 4, sampleRate: 1 }, standbyVersion: 4, abTest }), { fromVersion: 4, toVersion: 3 });
    expect(change?.spec).toStrictEqual({ ...kept, stableVersion: 3 });
    expect(change?.reason).toBe('champion rolled back from version 4 to 3: version 3 serves; shadow version 4 removed, the A/B test with an arm on version 4 ended');
  });

  it('keeps what does not involve the rolled-back version, but stops a canary of another version stepping', () => {
    const change = afterRollback(canaryRunning({ canary: { version: 6, weight: 0.1 }, stableVersion: 5, shadow: { version: 2, sampleRate: 1 } }), { fromVersion: 5, toVersion: 4 });
    expect(change?.spec).toStrictEqual({ ...kept, stableVersion: 4, canary: { version: 6, weight: 0.1 }, rollout: canaryRollout(), shadow: { version: 2, sampleRate: 1 } });
  });

  it('changes nothing when the rollback is already in effect', () => {
    const once = afterRollback(canaryRunning(), { fromVersion: 4, toVersion: 3 });
    expect(afterRollback(once!.spec, { fromVersion: 4, toVersion: 3 })).toBeUndefined();
    expect(afterRollback(deployed(), { fromVersion: 4, toVersion: 3 })).toBeUndefined();
  });

  it('ignores a rollback of another alias', () => {
    expect(afterRollback(canaryRunning(), { fromVersion: 4, toVersion: 3, alias: 'challenger' })).toBeUndefined();
    expect(afterRollback(canaryRunning(), { fromVersion: 4, toVersion: 3, alias: 'champion' })).toBeDefined();
  });
});

describe('advanceRollout', () => {
  const interval = 600_000;

  it('waits until the step interval has passed', () => {
    expect(advanceRollout(canaryRunning(), later(interval - 1), 'pass')).toBeUndefined();
  });

  it('waits on insufficient data and on a failing guard', () => {
    expect(advanceRollout(canaryRunning(), later(interval), 'insufficient')).toBeUndefined();
    expect(advanceRollout(canaryRunning(), later(interval * 10), 'fail')).toBeUndefined();
  });

  it('advances on a passing guard once the interval has passed', () => {
    const change = advanceRollout(canaryRunning(), later(interval), 'pass');
    expect(change).toStrictEqual({
      spec: { ...kept, stableVersion: 3, canary: { version: 4, weight: 0.25 }, rollout: canaryRollout(), progress: { step: 0, stepStartedAt: later(interval) } },
      cause: 'rollout_step',
      reason: 'canary version 4 step 1 of 3: 10 % → 25 % of traffic (guard passed)',
    });
  });

  it('advances on time alone when the guard is disabled or absent', () => {
    for (const rollout of [canaryRollout({ guard: { ...guard, enabled: false } }), canaryRollout({ guard: undefined })]) {
      const change = advanceRollout(canaryRunning({ rollout }), later(interval), 'insufficient');
      expect(change?.spec.canary).toEqual({ version: 4, weight: 0.25 });
      expect(change?.reason).toBe('canary version 4 step 1 of 3: 10 % → 25 % of traffic');
    }
  });

  it('completes at weight 1: the canary becomes stable and the previous stable its standby', () => {
    const lastStep = canaryRunning({ canary: { version: 4, weight: 0.5 }, progress: { step: 1, stepStartedAt: now }, shadow: { version: 2, sampleRate: 1 } });
    const change = advanceRollout(lastStep, later(interval), 'pass');
    expect(change).toStrictEqual({
      spec: { ...kept, stableVersion: 4, standbyVersion: 3, shadow: { version: 2, sampleRate: 1 } },
      cause: 'rollout_step',
      reason: 'canary version 4 completed its rollout (guard passed): it serves all traffic, version 3 kept warm as standby',
    });
  });

  it('walks through every step to completion, one interval apart', () => {
    let spec = canaryRunning();
    const weights: number[] = [];
    for (let step = 1; step <= 3; step++) {
      expect(advanceRollout(spec, later(step * interval - 1), 'pass')).toBeUndefined();
      spec = advanceRollout(spec, later(step * interval), 'pass')!.spec;
      weights.push(spec.canary?.weight ?? 1);
      expect(validateDeploymentSpec(spec)).toEqual([]);
    }
    expect(weights).toEqual([0.25, 0.5, 1]);
    expect(spec).toStrictEqual({ ...kept, stableVersion: 4, standbyVersion: 3 });
    expect(advanceRollout(spec, later(10 * interval), 'pass')).toBeUndefined();
  });

  it('stays on a last step below 1, and does nothing without a canary, a rollout or progress', () => {
    const lastBelowOne = canaryRunning({ rollout: canaryRollout({ canarySteps: [0.25, 0.5] }), canary: { version: 4, weight: 0.5 }, progress: { step: 1, stepStartedAt: now } });
    expect(advanceRollout(lastBelowOne, later(interval), 'pass')).toBeUndefined();
    expect(advanceRollout(deployed(), later(interval), 'pass')).toBeUndefined();
    expect(advanceRollout(canaryRunning({ rollout: undefined }), later(interval), 'pass')).toBeUndefined();
    expect(advanceRollout(canaryRunning({ progress: undefined }), later(interval), 'pass')).toBeUndefined();
  });
});

describe('withoutCanary', () => {
  it('removes the canary with its rollout and progress, keeping stable and the rest', () => {
    const change = withoutCanary(canaryRunning({ standbyVersion: 2, shadow: { version: 5, sampleRate: 1 } }), 'error_rate 0.05 > limit 0.02');
    expect(change).toStrictEqual({
      spec: { ...kept, stableVersion: 3, standbyVersion: 2, shadow: { version: 5, sampleRate: 1 } },
      cause: 'auto_rollback',
      reason: 'canary version 4 rolled back, version 3 serves all traffic: error_rate 0.05 > limit 0.02',
    });
  });

  it('records a rollback requested by monitoring as such', () => {
    expect(withoutCanary(canaryRunning(), 'roc_auc dropped', 'canary_rollback_request')?.cause).toBe('canary_rollback_request');
  });

  it('changes nothing without a canary', () => {
    expect(withoutCanary(deployed(), 'whatever')).toBeUndefined();
  });
});

describe('asRequested', () => {
  it('starts a requested canary with steps on its first weight now, so the rollout worker steps it', () => {
    const requested = deployed({ canary: { version: 4, weight: 0.1 }, rollout: canaryRollout() });
    expect(asRequested(requested, now)).toStrictEqual({ ...requested, progress: { step: -1, stepStartedAt: now } });
    expect(advanceRollout(asRequested(requested, now), later(600_000), 'pass')?.spec.canary).toEqual({ version: 4, weight: 0.25 });
  });

  it('stores anything else as given, without progress the caller may have sent', () => {
    const fixed = deployed({ canary: { version: 4, weight: 0.1 }, rollout: canaryRollout({ canarySteps: [] }), progress: { step: 2, stepStartedAt: now } });
    expect(asRequested(fixed, now)).toStrictEqual(deployed({ canary: { version: 4, weight: 0.1 }, rollout: canaryRollout({ canarySteps: [] }) }));
    expect(asRequested(deployed(), now)).toStrictEqual(deployed());
  });
});
