import { z } from 'zod';
import { DocumentError, type DocumentProblem, parseLocatedDocument } from '@mlops/documents';
import { type Violation } from './registered-model';

export type Direction = 'higher_is_better' | 'lower_is_better';

/** A metric check: not worse than the champion by more than `maxRegression`, and past an absolute bound. */
export interface MetricGate {
  metric: string;
  direction: Direction;
  maxRegression?: number;
  /** A floor when higher is better, a ceiling when lower is better. */
  absoluteThreshold?: number;
}

export type RolloutKind = 'immediate' | 'canary' | 'blue_green' | 'shadow';

export interface RollbackGuard {
  enabled: boolean;
  maxErrorRateIncrease: number;
  maxP99LatencyIncrease: number;
  evaluationWindowSeconds: number;
  minRequests: number;
}

export interface Rollout {
  kind: RolloutKind;
  canaryWeight: number;
  canarySteps: number[];
  stepIntervalSeconds: number;
  rollbackGuard?: RollbackGuard;
}

export interface PromotionPolicy {
  targetAlias: string;
  metricGates: MetricGate[];
  maxP99LatencyMs?: number;
  requiredApprovals: number;
  /** New versions from training are put up for promotion by the registry, and promoted without a person when no approval is required. */
  allowAutomaticPromotion: boolean;
  rollout: Rollout;
}

export const DEFAULT_ALIAS = 'champion';
export const LATENCY_METRIC = 'latency_p99_ms';
const MAX_APPROVALS = 10;

/** Without a policy a model is still governed: four eyes, no gates, switched at once. */
export const DEFAULT_POLICY: PromotionPolicy = {
  targetAlias: DEFAULT_ALIAS,
  metricGates: [],
  requiredApprovals: 1,
  allowAutomaticPromotion: false,
  rollout: { kind: 'immediate', canaryWeight: 0, canarySteps: [], stepIntervalSeconds: 0 },
};

/** Metrics whose direction is known, so a policy need not spell it out. */
const KNOWN_DIRECTIONS: Record<string, Direction> = {
  roc_auc: 'higher_is_better', pr_auc: 'higher_is_better', accuracy: 'higher_is_better', f1: 'higher_is_better',
  precision: 'higher_is_better', recall: 'higher_is_better', r2: 'higher_is_better',
  log_loss: 'lower_is_better', brier: 'lower_is_better', rmse: 'lower_is_better', mae: 'lower_is_better', [LATENCY_METRIC]: 'lower_is_better',
};

export const directionOf = (metric: string): Direction | undefined => KNOWN_DIRECTIONS[metric];

export const ALIAS_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** Every problem with a policy at once, by field path (as in the structured request). */
export function validatePolicy(policy: PromotionPolicy, prefix = 'policy'): Violation[] {
  const violations: Violation[] = [];
  const at = (field: string, description: string) => violations.push({ field: `${prefix}.${field}`, description });
  if (!ALIAS_NAME.test(policy.targetAlias)) at('target_alias', 'lower-case letters, digits, "_" or "-", starting with a letter (at most 64)');
  const seen = new Set<string>();
  policy.metricGates.forEach((gate, i) => {
    const field = `metric_gates[${i}]`;
    if (!gate.metric) at(`${field}.metric`, 'is required');
    else if (seen.has(gate.metric)) at(`${field}.metric`, `"${gate.metric}" is gated twice; one gate per metric`);
    seen.add(gate.metric);
    if (gate.maxRegression === undefined && gate.absoluteThreshold === undefined) at(field, 'set max_regression, an absolute threshold, or both');
    if (gate.maxRegression !== undefined && !(Number.isFinite(gate.maxRegression) && gate.maxRegression >= 0)) at(`${field}.max_regression`, 'must be a finite number >= 0');
    if (gate.absoluteThreshold !== undefined && !Number.isFinite(gate.absoluteThreshold)) at(`${field}.absolute_threshold`, 'must be a finite number');
  });
  if (policy.maxP99LatencyMs !== undefined && !(policy.maxP99LatencyMs > 0)) at('max_p99_latency', 'must be positive');
  if (!Number.isInteger(policy.requiredApprovals) || policy.requiredApprovals < 0 || policy.requiredApprovals > MAX_APPROVALS) at('required_approvals', `an integer from 0 to ${MAX_APPROVALS}`);
  if (policy.requiredApprovals === 0 && !policy.allowAutomaticPromotion) {
    at('required_approvals', 'is 0, which promotes without a person: set allow_automatic_promotion to true, or require at least one approval');
  }
  violations.push(...validateRollout(policy.rollout, `${prefix}.rollout`));
  return violations;
}

export function validateRollout(rollout: Rollout, prefix: string): Violation[] {
  const violations: Violation[] = [];
  const at = (field: string, description: string) => violations.push({ field: `${prefix}.${field}`, description });
  if (rollout.kind === 'canary') {
    if (!(rollout.canaryWeight > 0 && rollout.canaryWeight < 1)) at('canary_weight', 'a canary starts on a share of traffic strictly between 0 and 1');
    const steps = rollout.canarySteps;
    if (steps.some((s, i) => !(s > (i === 0 ? rollout.canaryWeight : steps[i - 1]) && s <= 1))) at('canary_steps', 'each step must exceed the one before (and canary_weight), up to 1');
    if (steps.length > 0 && steps.at(-1) !== 1) at('canary_steps', 'must end with 1 (full rollout)');
  } else if (rollout.canaryWeight !== 0 || rollout.canarySteps.length > 0) {
    at('canary_weight', `only a canary rollout takes weights (kind is ${rollout.kind})`);
  }
  if (!(rollout.stepIntervalSeconds >= 0)) at('step_interval', 'must not be negative');
  const guard = rollout.rollbackGuard;
  if (guard?.enabled) {
    if (!(guard.maxErrorRateIncrease >= 0 && guard.maxErrorRateIncrease <= 1)) at('rollback_guard.max_error_rate_increase', 'an absolute share between 0 and 1');
    if (!(guard.maxP99LatencyIncrease >= 0)) at('rollback_guard.max_p99_latency_increase', 'a relative increase >= 0');
    if (!(guard.evaluationWindowSeconds > 0)) at('rollback_guard.evaluation_window', 'must be positive');
    if (!(Number.isInteger(guard.minRequests) && guard.minRequests >= 0)) at('rollback_guard.min_requests', 'an integer >= 0');
  }
  return violations;
}

const finite = z.number().finite();
const gateSchema = z.strictObject({
  metric: z.string().min(1),
  direction: z.enum(['higher_is_better', 'lower_is_better']).optional(),
  max_regression: finite.min(0).optional(),
  floor: finite.optional(),
  ceiling: finite.optional(),
});
const documentSchema = z.strictObject({
  target_alias: z.string().default(DEFAULT_ALIAS),
  gates: z.array(gateSchema).default([]),
  max_p99_latency_ms: finite.positive().optional(),
  required_approvals: z.number().int().min(0).max(MAX_APPROVALS).default(DEFAULT_POLICY.requiredApprovals),
  allow_automatic_promotion: z.boolean().default(false),
  rollout: z
    .strictObject({
      kind: z.enum(['immediate', 'canary', 'blue_green', 'shadow']).default('immediate'),
      canary_weight: finite.default(0),
      canary_steps: z.array(finite).default([]),
      step_interval_seconds: finite.min(0).default(0),
      rollback_guard: z
        .strictObject({
          enabled: z.boolean().default(true),
          max_error_rate_increase: finite.default(0.01),
          max_p99_latency_increase: finite.default(0.2),
          evaluation_window_seconds: finite.default(300),
          min_requests: z.number().int().min(0).default(100),
        })
        .optional(),
    })
    .prefault({}),
});

/**
 * Reads a policy written as YAML or JSON (the format is in the README). Every syntax, schema and
 * consistency problem is reported at once with its path and line (DocumentError).
 */
export function parsePolicyDocument(text: string): PromotionPolicy {
  const { data, locate } = parseLocatedDocument(text, documentSchema);
  const problems: DocumentProblem[] = [];
  const metricGates = data.gates.map((gate, i): MetricGate => {
    const direction = gate.direction ?? directionOf(gate.metric);
    if (!direction) problems.push(locate(['gates', i, 'direction'], `the direction of "${gate.metric}" is not known: set higher_is_better or lower_is_better`));
    const bound = direction === 'lower_is_better' ? gate.ceiling : gate.floor;
    const wrongBound = direction === 'lower_is_better' ? 'floor' : 'ceiling';
    if (gate[wrongBound] !== undefined) problems.push(locate(['gates', i, wrongBound], `${gate.metric} is ${direction ?? 'of unknown direction'}: bound it with ${wrongBound === 'floor' ? 'ceiling' : 'floor'}`));
    return { metric: gate.metric, direction: direction ?? 'higher_is_better', maxRegression: gate.max_regression, absoluteThreshold: bound };
  });
  const { rollout } = data;
  const guard = rollout.rollback_guard;
  const policy: PromotionPolicy = {
    targetAlias: data.target_alias,
    metricGates,
    maxP99LatencyMs: data.max_p99_latency_ms,
    requiredApprovals: data.required_approvals,
    allowAutomaticPromotion: data.allow_automatic_promotion,
    rollout: {
      kind: rollout.kind, canaryWeight: rollout.canary_weight, canarySteps: rollout.canary_steps, stepIntervalSeconds: rollout.step_interval_seconds,
      rollbackGuard: guard && {
        enabled: guard.enabled, maxErrorRateIncrease: guard.max_error_rate_increase, maxP99LatencyIncrease: guard.max_p99_latency_increase,
        evaluationWindowSeconds: guard.evaluation_window_seconds, minRequests: guard.min_requests,
      },
    },
  };
  // The structured rules speak in proto field names; point them back at the document's keys.
  for (const violation of validatePolicy(policy, '')) problems.push(locate(documentPath(violation.field), violation.description));
  if (problems.length > 0) throw new DocumentError(problems);
  return policy;
}

const DOCUMENT_KEYS: Record<string, string> = { metric_gates: 'gates', max_p99_latency: 'max_p99_latency_ms', absolute_threshold: 'floor', step_interval: 'step_interval_seconds', evaluation_window: 'evaluation_window_seconds' };

function documentPath(field: string): PropertyKey[] {
  return field
    .replace(/^\./, '')
    .split(/\.|\[(\d+)\]/)
    .filter((part) => part !== undefined && part !== '')
    .map((part) => (/^\d+$/.test(part) ? Number(part) : (DOCUMENT_KEYS[part] ?? part)));
}
