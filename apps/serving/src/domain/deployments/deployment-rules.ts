import { type AbArm, type ArmVersion, type DeploymentSpec, type Enrichment, type RolloutStrategy, type Violation } from '../deployment';

/** As the registry names models: names travel into URLs, metric labels and Kafka keys. */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** A/B arm names become arm labels (`ab:<name>`) in responses, prediction logs and metrics. */
const ARM_NAME = /^[a-z0-9_-]{1,32}$/;
/** As the registry names aliases; PredictRequest.alias must match it. */
const ALIAS_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
export const MAX_ENRICHMENT_TIMEOUT_MS = 60_000;

const VERSION = 'a version number >= 1';
const SHARE = 'a share of traffic in (0, 1]';
const isVersion = (version: number) => Number.isInteger(version) && version >= 1;
// Written as a positive comparison so that NaN fails too.
const isShare = (share: number) => share > 0 && share <= 1;
const isFiniteNonNegative = (value: number) => Number.isFinite(value) && value >= 0;

/** Every problem with a deployment at once, by field path as in the proto JSON (`deployment.canary.weight`). */
export function validateDeploymentSpec(spec: DeploymentSpec, prefix = 'deployment'): Violation[] {
  const violations: Violation[] = [];
  const at = (field: string, description: string) => violations.push({ field: `${prefix}.${field}`, description });
  if (!spec.modelName) at('model_name', 'is required');
  else if (!MODEL_NAME.test(spec.modelName)) at('model_name', 'must start with a letter or digit and use only letters, digits, ".", "_" or "-" (at most 128)');
  if (!isVersion(spec.stableVersion)) at('stable_version', VERSION);
  const { canary, abTest, shadow, standbyVersion } = spec;
  if (canary && abTest) at('ab_test', 'a canary and an A/B test cannot run together: both decide who gets which version');
  if (canary) {
    if (!isVersion(canary.version)) at('canary.version', VERSION);
    else if (canary.version === spec.stableVersion) at('canary.version', `is the stable version ${spec.stableVersion}: a canary tries another version`);
    if (!isShare(canary.weight)) at('canary.weight', SHARE);
  }
  if (abTest) violations.push(...validateAbArms(abTest.arms, `${prefix}.ab_test.arms`));
  if (shadow) {
    if (!isVersion(shadow.version)) at('shadow.version', VERSION);
    else if (shadow.version === spec.stableVersion) at('shadow.version', `is the stable version ${spec.stableVersion}: a shadow mirrors traffic to another version`);
    else if (shadow.version === canary?.version) at('shadow.version', `is the canary version ${canary.version}: it already receives traffic`);
    if (!isShare(shadow.sampleRate)) at('shadow.sample_rate', 'a share of requests in (0, 1]');
  }
  if (standbyVersion !== undefined) {
    if (!isVersion(standbyVersion)) at('blue_green.standby_version', VERSION);
    else if (standbyVersion === spec.stableVersion) at('blue_green.standby_version', `is the stable version ${spec.stableVersion}: a standby is the version to switch to`);
  }
  if (!(spec.logSampleRate >= 0 && spec.logSampleRate <= 1)) at('log_sample_rate', 'a share of predictions in [0, 1]');
  if (!ALIAS_NAME.test(spec.alias)) at('alias', 'lower-case letters, digits, "_" or "-", starting with a letter (at most 64)');
  if (spec.enrichment) violations.push(...validateEnrichment(spec.enrichment, `${prefix}.enrichment`));
  if (spec.rollout) violations.push(...validateRollout(spec.rollout, `${prefix}.rollout`));
  return violations;
}

function validateAbArms(arms: AbArm[], prefix: string): Violation[] {
  const violations: Violation[] = [];
  const at = (field: string, description: string) => violations.push({ field: `${prefix}${field}`, description });
  if (arms.length < 2) at('', 'an A/B test needs at least two arms');
  const seen = new Set<string>();
  arms.forEach((arm, i) => {
    if (!ARM_NAME.test(arm.name)) at(`[${i}].name`, arm.name ? 'lower-case letters, digits, "_" or "-" (at most 32)' : 'is required');
    else if (seen.has(arm.name)) at(`[${i}].name`, `"${arm.name}" names two arms`);
    seen.add(arm.name);
    if (!isVersion(arm.version)) at(`[${i}].version`, VERSION);
    if (!(Number.isFinite(arm.weight) && arm.weight > 0)) at(`[${i}].weight`, 'a finite relative weight > 0');
  });
  return violations;
}

function validateEnrichment(enrichment: Enrichment, prefix: string): Violation[] {
  const violations: Violation[] = [];
  const at = (field: string, description: string) => violations.push({ field: `${prefix}.${field}`, description });
  const { featureService, timeoutMs } = enrichment;
  if (!featureService.name) at('feature_service.name', 'is required');
  if (!(Number.isInteger(featureService.version) && featureService.version >= 0)) at('feature_service.version', 'a version number >= 0 (0 = the latest)');
  if (!(Number.isInteger(timeoutMs) && timeoutMs >= 1 && timeoutMs <= MAX_ENRICHMENT_TIMEOUT_MS)) at('timeout_ms', `whole milliseconds from 1 to ${MAX_ENRICHMENT_TIMEOUT_MS}`);
  return violations;
}

function validateRollout(rollout: RolloutStrategy, prefix: string): Violation[] {
  const violations: Violation[] = [];
  const at = (field: string, description: string) => violations.push({ field: `${prefix}.${field}`, description });
  const { canaryWeight, canarySteps, stepIntervalMs, guard } = rollout;
  if (!(canaryWeight >= 0 && canaryWeight <= 1)) at('canary_weight', 'a share of traffic in [0, 1]');
  canarySteps.forEach((step, i) => {
    const field = `canary_steps[${i}]`;
    if (!isShare(step)) at(field, SHARE);
    else if (!(step > canaryWeight)) at(field, `must exceed the initial canary_weight ${canaryWeight}`);
    else if (i > 0 && !(step > canarySteps[i - 1])) at(field, `must exceed the step before (${canarySteps[i - 1]}): steps only increase`);
  });
  if (!isFiniteNonNegative(stepIntervalMs)) at('step_interval', 'must be a finite duration >= 0');
  else if (canarySteps.length > 0 && stepIntervalMs === 0) at('step_interval', 'must be positive when there are canary steps: each step is observed before the next');
  if (guard) {
    const guardAt = (field: string, description: string) => at(`rollback_guard.${field}`, description);
    if (!isFiniteNonNegative(guard.maxErrorRateIncrease)) guardAt('max_error_rate_increase', 'a finite number >= 0');
    if (!isFiniteNonNegative(guard.maxP99LatencyIncrease)) guardAt('max_p99_latency_increase', 'a finite number >= 0');
    if (!isFiniteNonNegative(guard.evaluationWindowMs)) guardAt('evaluation_window', 'a finite duration >= 0');
    else if (guard.enabled && guard.evaluationWindowMs === 0) guardAt('evaluation_window', 'must be positive when the guard is enabled');
    if (!(isFiniteNonNegative(guard.minRequests) && Number.isInteger(guard.minRequests))) guardAt('min_requests', 'a whole number >= 0');
    else if (guard.enabled && guard.minRequests === 0) guardAt('min_requests', 'must be at least 1 when the guard is enabled: it never judges a canary without requests');
  }
  return violations;
}

/**
 * Every version the deployment needs loaded, with the arm it plays and its share of traffic: stable takes
 * what the canary leaves (nothing under an A/B test, which replaces stable routing), A/B weights are
 * normalized to sum to 1, a shadow carries its sample rate and a standby 0. Assumes a valid spec.
 */
export function armsOf(spec: DeploymentSpec): ArmVersion[] {
  const arms: ArmVersion[] = [];
  if (spec.abTest) {
    arms.push({ arm: 'stable', version: spec.stableVersion, weight: 0 });
    const total = spec.abTest.arms.reduce((sum, arm) => sum + arm.weight, 0);
    for (const arm of spec.abTest.arms) arms.push({ arm: `ab:${arm.name}`, version: arm.version, weight: arm.weight / total });
  } else {
    arms.push({ arm: 'stable', version: spec.stableVersion, weight: 1 - (spec.canary?.weight ?? 0) });
    if (spec.canary) arms.push({ arm: 'canary', version: spec.canary.version, weight: spec.canary.weight });
  }
  if (spec.shadow) arms.push({ arm: 'shadow', version: spec.shadow.version, weight: spec.shadow.sampleRate });
  if (spec.standbyVersion !== undefined) arms.push({ arm: 'standby', version: spec.standbyVersion, weight: 0 });
  return arms;
}

/** The distinct versions to keep loaded, in arm order. */
export function versionsOf(spec: DeploymentSpec): number[] {
  return [...new Set(armsOf(spec).map((arm) => arm.version))];
}
