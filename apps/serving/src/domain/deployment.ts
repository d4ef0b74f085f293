import { type Violation } from './signature';

/** How a newly promoted version reaches traffic (the registry's rollout strategy). */
export type RolloutKind = 'immediate' | 'canary' | 'blue_green' | 'shadow';

/** When serving rolls a canary back by itself. */
export interface RollbackGuard {
  enabled: boolean;
  /** Allowed canary error rate minus stable error rate (absolute, 0.01 = one point). */
  maxErrorRateIncrease: number;
  /** Allowed relative p99 increase over stable (0.2 = +20 %). */
  maxP99LatencyIncrease: number;
  evaluationWindowMs: number;
  /** Canary requests in the window before the guard may judge (and before a step may advance). */
  minRequests: number;
}

export interface RolloutStrategy {
  kind: RolloutKind;
  /** First canary weight in [0, 1]. */
  canaryWeight: number;
  /** Later weights, increasing, the last 1 for a full rollout; empty = stay at canaryWeight. */
  canarySteps: number[];
  stepIntervalMs: number;
  guard?: RollbackGuard;
}

/** Progress of a canary rollout: which step it is on and since when. */
export interface RolloutProgress {
  /** -1 while on the initial canaryWeight, then an index into canarySteps. */
  step: number;
  stepStartedAt: Date;
}

export type FeatureFallback = 'error' | 'defaults';
export type NanPolicy = 'reject' | 'as_missing';

/** A feature value as the domain sees it (proto FeatureValue mapped; timestamps as Date). */
export type Scalar = number | string | boolean | Date | null;

export interface Enrichment {
  featureService: { name: string; version: number };
  fallback: FeatureFallback;
  defaults: Record<string, Scalar>;
  timeoutMs: number;
}

export interface AbArm {
  name: string;
  version: number;
  weight: number;
}

/** What a model's traffic goes to. Stored per model; every replica routes by the same revision. */
export interface DeploymentSpec {
  modelName: string;
  stableVersion: number;
  canary?: { version: number; weight: number };
  shadow?: { version: number; sampleRate: number };
  abTest?: { arms: AbArm[]; salt: string };
  /** Loaded and warmed without traffic, for an instant switch. */
  standbyVersion?: number;
  rollout?: RolloutStrategy;
  /** Set while a canary is stepping through rollout.canarySteps. */
  progress?: RolloutProgress;
  enrichment?: Enrichment;
  nanPolicy: NanPolicy;
  /** Share of predictions logged, in [0, 1]. */
  logSampleRate: number;
  /** The registry alias this deployment serves (`champion`). */
  alias: string;
}

export type ChangeCause = 'api' | 'promotion' | 'rollback' | 'auto_rollback' | 'rollout_step' | 'canary_rollback_request';

/** A stored deployment: the spec plus its revision and the last change. */
export interface Deployment extends DeploymentSpec {
  revision: number;
  changeCause: ChangeCause;
  changeReason: string;
  updatedBy: string;
  updatedAt: Date;
}

/** Arms a request can be served by. `ab:<name>` for A/B arms. */
export type ArmName = 'stable' | 'canary' | 'shadow' | 'standby' | `ab:${string}`;

/** One version a deployment needs loaded, and the arm it plays. */
export interface ArmVersion {
  arm: ArmName;
  version: number;
  /** Traffic share (shadow: sample rate; standby: 0). */
  weight: number;
}

export type { Violation };
