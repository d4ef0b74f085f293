import { formatPath } from '@mlops/documents';
import { type WindowSpec, windowProblems } from '../windows/window-spec';
import { formatDuration } from './duration';
import { parseMetric } from './metric-name';

export type Comparison = '>' | '>=' | '<' | '<=';
export type Severity = 'info' | 'warning' | 'critical';

/** An alert rule (proto mlops.monitoring.v1.AlertRule): a series compared with a threshold, held for `forMs`. */
export interface AlertRule {
  /** Unique within the model. */
  name: string;
  /** A series name, see parseMetric. */
  metric: string;
  comparison: Comparison;
  threshold: number;
  window: WindowSpec;
  /** How long the condition must hold before the alert fires; 0 fires on the first breach. */
  forMs: number;
  severity: Severity;
  /** 0 = any version. */
  modelVersion: number;
  /** '' = any arm. */
  arm: string;
  /** Copied to the rule's alerts. */
  labels: Record<string, string>;
}

/** A problem in structured input, e.g. `{ field: 'rules[2].metric', message }`. */
export interface FieldProblem {
  field: string;
  message: string;
}

export interface RuleCheckOptions {
  /** The model's features: drift and quality series must name one of them. Unchecked when absent. */
  features?: ReadonlySet<string>;
}

const COMPARE: Readonly<Record<Comparison, (value: number, threshold: number) => boolean>> = {
  '>': (value, threshold) => value > threshold,
  '>=': (value, threshold) => value >= threshold,
  '<': (value, threshold) => value < threshold,
  '<=': (value, threshold) => value <= threshold,
};

/** Whether `value` breaches the rule's condition. */
export function compare(value: number, comparison: Comparison, threshold: number): boolean {
  return COMPARE[comparison](value, threshold);
}

// The checks below judge one field each and are shared by structured rules (validateRules) and
// rule documents (parseRuleDocument), which report them at different paths. Undefined means fine.

export function nameProblem(name: string): string | undefined {
  return name.trim() === '' ? 'must not be empty' : undefined;
}

export function metricProblem(metric: string, features?: ReadonlySet<string>): string | undefined {
  const parsed = parseMetric(metric);
  if ('problem' in parsed) return parsed.problem;
  if (features && parsed.feature !== undefined && !features.has(parsed.feature)) return `unknown feature "${parsed.feature}": the model has no such feature`;
  return undefined;
}

export function thresholdProblem(threshold: number): string | undefined {
  return Number.isFinite(threshold) ? undefined : `must be a finite number, got ${threshold}`;
}

export function forProblem(forMs: number): string | undefined {
  return Number.isFinite(forMs) && forMs >= 0 ? undefined : `must be zero or more, got ${formatDuration(forMs)}`;
}

export function modelVersionProblem(version: number): string | undefined {
  return Number.isInteger(version) && version >= 0 ? undefined : `must be a version number, or 0 for any version; got ${version}`;
}

/** Every repeat of an earlier name, at the repeat's index. */
export function duplicateNames(names: readonly string[]): { index: number; message: string }[] {
  const seen = new Set<string>();
  return names.flatMap((name, index) => {
    const repeat = seen.has(name);
    seen.add(name);
    return repeat ? [{ index, message: `duplicate rule name "${name}"` }] : [];
  });
}

/** Every problem of a rule set given as structured data (the gRPC path), each at its field. */
export function validateRules(rules: readonly AlertRule[], options: RuleCheckOptions = {}): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const report = (path: PropertyKey[], message: string | undefined) => {
    if (message !== undefined) problems.push({ field: formatPath(['rules', ...path]), message });
  };
  rules.forEach((rule, i) => {
    report([i, 'name'], nameProblem(rule.name));
    report([i, 'metric'], metricProblem(rule.metric, options.features));
    report([i, 'threshold'], thresholdProblem(rule.threshold));
    for (const problem of windowProblems(rule.window)) report([i, 'window', problem.field], problem.message);
    report([i, 'forMs'], forProblem(rule.forMs));
    report([i, 'modelVersion'], modelVersionProblem(rule.modelVersion));
  });
  for (const { index, message } of duplicateNames(rules.map((rule) => rule.name))) report([index, 'name'], message);
  return problems;
}
