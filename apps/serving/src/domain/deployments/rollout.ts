import { type ChangeCause, type DeploymentSpec, type RolloutStrategy } from '../deployment';
import { type GuardVerdict } from './guard';

/** A transition's outcome: the spec to store, and why (for the revision and the `deployment changed` event). */
export interface DeploymentTransition {
  spec: DeploymentSpec;
  cause: ChangeCause;
  reason: string;
}

/** The registry's `model promoted` event, as far as serving acts on it. */
export interface Promotion {
  modelName: string;
  version: number;
  /** The alias's previous version (0 if none); informational, the deployment's stable version is what serves. */
  previousVersion: number;
  alias: string;
  rollout?: RolloutStrategy;
}

/** The registry's `model rolled back` event. */
export interface Rollback {
  fromVersion: number;
  toVersion: number;
  /** When given, a rollback of another alias than the deployment's leaves it alone. */
  alias?: string;
}

/** The registry's "not set" rollout kind means immediate. */
const IMMEDIATE: RolloutStrategy = { kind: 'immediate', canaryWeight: 0, canarySteps: [], stepIntervalMs: 0 };

/** Every field of a spec; the compiler keeps this in step with DeploymentSpec. */
const SPEC_FIELDS: Record<keyof DeploymentSpec, true> = {
  modelName: true, stableVersion: true, canary: true, shadow: true, abTest: true, standbyVersion: true,
  rollout: true, progress: true, enrichment: true, nanPolicy: true, logSampleRate: true, alias: true,
};

type OptionalPart = 'canary' | 'shadow' | 'abTest' | 'standbyVersion' | 'rollout' | 'progress';

/** The spec's own fields but `parts`: a stored Deployment passed in must not carry its revision into the next spec. */
function without(current: DeploymentSpec, ...parts: OptionalPart[]): DeploymentSpec {
  const dropped = new Set<string>(parts);
  return Object.fromEntries(Object.entries(current).filter(([field, value]) => field in SPEC_FIELDS && value !== undefined && !dropped.has(field))) as DeploymentSpec;
}

/** A version plays one part: a canary, shadow or standby of what is now stable (or a shadow of the canary) goes. */
function withoutDuplicates(spec: DeploymentSpec): DeploymentSpec {
  const duplicates: OptionalPart[] = [];
  if (spec.canary?.version === spec.stableVersion) duplicates.push('canary', 'progress', 'rollout');
  if (spec.shadow && (spec.shadow.version === spec.stableVersion || spec.shadow.version === spec.canary?.version)) duplicates.push('shadow');
  if (spec.standbyVersion === spec.stableVersion) duplicates.push('standbyVersion');
  return without(spec, ...duplicates);
}

const percent = (share: number) => `${Number((share * 100).toPrecision(6))} %`;

/**
 * The deployment after the registry moved an alias to a new version. The first deployment of a model serves
 * the version outright, whatever the rollout (there is nothing to compare a canary with). Otherwise:
 * - immediate: the version serves all traffic; the previous stable is unloaded. Keeping it warm is what
 *   blue/green is for, at twice the memory; a registry rollback reloads it
 *   (warmed before it takes traffic) instead of switching instantly.
 * - blue_green: the version serves all traffic; the previous stable stays loaded as standby for an instant switch back.
 * - canary: the version takes `canaryWeight` of the traffic (the first step when that is 0), stepping on by
 *   advanceRollout; a rollout of weight 0 without steps sends it nothing, so it is only loaded as standby.
 * - shadow: requests are mirrored to the version, answers only logged; stable keeps serving.
 * A promotion supersedes the experiments of the previous one: a running canary (with its progress) and an
 * A/B test end. Enrichment, NaN policy, log sampling and alias are kept. A redelivered event changes nothing
 * (undefined), and so does a promotion of another alias than the one the deployment serves.
 */
export function afterPromotion(
  current: DeploymentSpec | undefined,
  promoted: Promotion,
  defaults: Pick<DeploymentSpec, 'nanPolicy' | 'logSampleRate'>,
  now: Date,
): DeploymentTransition | undefined {
  const { modelName, version, alias } = promoted;
  const rollout = promoted.rollout ?? IMMEDIATE;
  const promotedTo = `version ${version} promoted to ${alias}`;
  if (!current) {
    const note = rollout.kind === 'immediate' ? '' : ` (a ${rollout.kind} rollout needs a version already serving; there is none)`;
    return { spec: { modelName, stableVersion: version, alias, ...defaults }, cause: 'promotion', reason: `first deployment of ${modelName}: ${promotedTo} serves all traffic${note}` };
  }
  if (alias !== current.alias) return undefined;
  const previous = current.stableVersion;
  const base = without(current, 'canary', 'progress', 'rollout', 'abTest');
  const ended = [current.canary && `canary version ${current.canary.version}`, current.abTest && 'the A/B test'].filter(Boolean);
  const endedNote = ended.length > 0 ? `; ${ended.join(' and ')} ended` : '';
  const change = (spec: DeploymentSpec, what: string): DeploymentTransition => ({ spec: withoutDuplicates(spec), cause: 'promotion', reason: `${promotedTo}: ${what}${endedNote}` });

  if (version === previous) {
    // Already serving: a redelivery, or the alias moved back to stable while a canary of another version ran.
    return current.canary ? change(base, `version ${version} already serves`) : undefined;
  }
  switch (rollout.kind) {
    case 'immediate':
      return change({ ...without(base, 'standbyVersion'), stableVersion: version }, `serves all traffic at once, version ${previous} unloaded`);
    case 'blue_green':
      return change({ ...base, stableVersion: version, standbyVersion: previous }, `switched blue/green, version ${previous} kept warm as standby`);
    case 'shadow':
      if (current.shadow?.version === version) return undefined;
      return change({ ...base, shadow: { version, sampleRate: 1 } }, `mirrored as shadow (answers only logged), version ${previous} keeps serving`);
    case 'canary': {
      if (current.canary?.version === version) return undefined; // a redelivery must not restart the rollout
      const [firstStep] = rollout.canarySteps;
      if (rollout.canaryWeight === 0 && firstStep === undefined) {
        return change({ ...base, standbyVersion: version }, 'a canary of weight 0 without steps gets no traffic: loaded as standby');
      }
      const startsAtFirstStep = rollout.canaryWeight === 0;
      const weight = startsAtFirstStep ? firstStep : rollout.canaryWeight;
      const spec: DeploymentSpec = { ...base, canary: { version, weight }, rollout };
      if (rollout.canarySteps.length > 0) spec.progress = { step: startsAtFirstStep ? 0 : -1, stepStartedAt: now };
      const later = rollout.canarySteps.slice(startsAtFirstStep ? 1 : 0);
      const plan = later.length > 0 ? `, then ${later.map(percent).join(', ')} every ${rollout.stepIntervalMs / 1000} s` : '';
      return change(spec, `canary at ${percent(weight)} of traffic${plan}`);
    }
  }
}

/**
 * The deployment after the registry moved an alias back: `toVersion` serves all traffic and `fromVersion` none,
 * not as canary, shadow, A/B arm (the test ends) or standby either, since a rolled-back version is not to be
 * switched to. Rollout progress stops: a canary of yet another version stays at its weight until a person
 * decides. Undefined when the deployment is already so.
 */
export function afterRollback(current: DeploymentSpec, rolledBack: Rollback): DeploymentTransition | undefined {
  const { fromVersion, toVersion } = rolledBack;
  if (rolledBack.alias !== undefined && rolledBack.alias !== current.alias) return undefined;
  const removed: OptionalPart[] = [];
  const notes: string[] = [];
  if (current.canary?.version === fromVersion) {
    removed.push('canary', 'rollout');
    notes.push(`canary version ${fromVersion} removed`);
  }
  if (current.progress) removed.push('progress');
  if (current.shadow?.version === fromVersion) {
    removed.push('shadow');
    notes.push(`shadow version ${fromVersion} removed`);
  }
  if (current.abTest?.arms.some((arm) => arm.version === fromVersion)) {
    removed.push('abTest');
    notes.push(`the A/B test with an arm on version ${fromVersion} ended`);
  }
  if (current.standbyVersion === fromVersion) removed.push('standbyVersion');
  if (current.stableVersion === toVersion && removed.length === 0) return undefined;
  const spec = withoutDuplicates({ ...without(current, ...removed), stableVersion: toVersion });
  const noteText = notes.length > 0 ? `; ${notes.join(', ')}` : '';
  return { spec, cause: 'rollback', reason: `${current.alias} rolled back from version ${fromVersion} to ${toVersion}: version ${toVersion} serves${noteText}` };
}

/**
 * The next step of a canary rollout, or undefined while there is none to take: each step is observed for
 * `stepIntervalMs`, and with the guard enabled it moves on only on a `pass` verdict. `insufficient` waits
 * too, so a canary without traffic does not progress. The last step (weight 1) makes the canary stable and
 * keeps the previous stable warm as standby. A `fail` is acted on by the caller (withoutCanary), not here.
 */
export function advanceRollout(current: DeploymentSpec, now: Date, verdict: GuardVerdict): DeploymentTransition | undefined {
  const { canary, rollout, progress } = current;
  if (!canary || !rollout || !progress) return undefined;
  const nextStep = progress.step + 1;
  if (nextStep >= rollout.canarySteps.length) return undefined;
  if (now.getTime() - progress.stepStartedAt.getTime() < rollout.stepIntervalMs) return undefined;
  const guarded = rollout.guard?.enabled === true;
  if (guarded && verdict !== 'pass') return undefined;
  const weight = rollout.canarySteps[nextStep];
  const guardNote = guarded ? ' (guard passed)' : '';
  if (weight >= 1) {
    const spec = withoutDuplicates({ ...without(current, 'canary', 'progress', 'rollout'), stableVersion: canary.version, standbyVersion: current.stableVersion });
    return { spec, cause: 'rollout_step', reason: `canary version ${canary.version} completed its rollout${guardNote}: it serves all traffic, version ${current.stableVersion} kept warm as standby` };
  }
  const spec: DeploymentSpec = { ...without(current), canary: { version: canary.version, weight }, progress: { step: nextStep, stepStartedAt: now } };
  return { spec, cause: 'rollout_step', reason: `canary version ${canary.version} step ${nextStep + 1} of ${rollout.canarySteps.length}: ${percent(canary.weight)} → ${percent(weight)} of traffic${guardNote}` };
}

/**
 * The deployment without its canary (and its rollout), for an automatic rollback or a monitoring request;
 * stable keeps serving. Undefined when there is no canary.
 */
export function withoutCanary(current: DeploymentSpec, why: string, cause: Extract<ChangeCause, 'auto_rollback' | 'canary_rollback_request'> = 'auto_rollback'): DeploymentTransition | undefined {
  if (!current.canary) return undefined;
  return {
    spec: without(current, 'canary', 'progress', 'rollout'),
    cause,
    reason: `canary version ${current.canary.version} rolled back, version ${current.stableVersion} serves all traffic: ${why}`,
  };
}

/**
 * A deployment set by a person, ready to be stepped: a canary with rollout steps starts on its first
 * weight now (the progress a promotion would have set); anything else is stored as given.
 */
export function asRequested(spec: DeploymentSpec, now: Date): DeploymentSpec {
  const requested = without(spec, 'progress');
  if (!requested.canary || !requested.rollout || requested.rollout.canarySteps.length === 0) return requested;
  return { ...requested, progress: { step: -1, stepStartedAt: now } };
}
