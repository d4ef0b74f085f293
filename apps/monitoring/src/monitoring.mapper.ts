import { DocumentError, type DocumentProblem } from '@mlops/documents';
import { type FieldViolation, RpcError } from '@mlops/grpc';
import { type commonV1, durationFromMs, monitoringV1 as pb, msFromDuration } from '@mlops/proto';
import { type AlertFilter, type StoredAlert, type StoredState } from './alerts/alert.repository';
import { type AlertRule, type Comparison, type FieldProblem, type RuleCheckOptions, type Severity, validateRules } from './domain/alerts/alert-rule';
import { parseRuleDocument } from './domain/alerts/rule-document';
import { type RetrainPolicy, retrainPolicyProblems } from './domain/policies/retrain-policy';
import { type WindowSpec } from './domain/windows/window-spec';
import { type StoredPolicy } from './policies/retrain-policy.repository';
import { type LabelCoverage } from './queries/label-coverage.query';
import { windowSpecTo } from './reports/report.mapper';
import { decodePageToken, encodePageToken, type PagePosition } from './domain/page-token';

/* Proto messages <-> domain values. Problems in a request become INVALID_ARGUMENT naming its fields as the .proto does. */

const COMPARISON: Record<Comparison, pb.Comparison> = {
  '>': pb.Comparison.COMPARISON_GREATER_THAN,
  '>=': pb.Comparison.COMPARISON_GREATER_OR_EQUAL,
  '<': pb.Comparison.COMPARISON_LESS_THAN,
  '<=': pb.Comparison.COMPARISON_LESS_OR_EQUAL,
};
const SEVERITY: Record<Severity, pb.Severity> = { info: pb.Severity.SEVERITY_INFO, warning: pb.Severity.SEVERITY_WARNING, critical: pb.Severity.SEVERITY_CRITICAL };
const ALERT_STATE: Record<StoredState, pb.AlertState> = { pending: pb.AlertState.ALERT_STATE_PENDING, firing: pb.AlertState.ALERT_STATE_FIRING, resolved: pb.AlertState.ALERT_STATE_RESOLVED };
const WINDOW_KIND: Record<WindowSpec['kind'], pb.WindowKind> = { tumbling: pb.WindowKind.WINDOW_KIND_TUMBLING, sliding: pb.WindowKind.WINDOW_KIND_SLIDING };

/** The domain value a proto enum value stands for; undefined for UNSPECIFIED and values this build does not know. */
const domainOf = <K extends string>(table: Record<K, number>, value: number): K | undefined => (Object.keys(table) as K[]).find((key) => table[key] === value);
/** "must be one of" text listing a table's proto names. */
const oneOf = (table: Record<string, number>, names: Record<number, string>) => `must be one of ${Object.values(table).map((value) => names[value]).join(', ')}`;

type Duration = { seconds: number; nanos: number };

/** Rules and policies count whole milliseconds (window keys are built from them); unset is 0. */
export const millisFrom = (duration: Duration | undefined): number => Math.round(msFromDuration(duration));

/** A time window slides by `slide`, a count window by `slide_count`; a tumbling window's unset slide is its size. */
function windowSpecFrom(window: pb.WindowSpec, at: string, violations: FieldViolation[]): WindowSpec | undefined {
  const earlier = violations.length;
  const kind = domainOf(WINDOW_KIND, window.kind);
  if (!kind) violations.push({ field: `${at}.kind`, description: oneOf(WINDOW_KIND, pb.WindowKind) });
  const size = window.size;
  if (!size) violations.push({ field: at, description: 'needs a size: duration (a time window) or count (a count window)' });
  else if (size.$case === 'count' && window.slide) violations.push({ field: `${at}.slide`, description: 'a count window slides by slide_count' });
  else if (size.$case === 'duration' && window.slideCount) violations.push({ field: `${at}.slide_count`, description: 'a time window slides by slide, a duration' });
  if (!kind || !size || violations.length > earlier) return undefined;
  if (size.$case === 'count') return { by: 'count', kind, size: size.value, slide: window.slideCount || (kind === 'tumbling' ? size.value : 0) };
  const sizeMs = millisFrom(size.value);
  return { by: 'time', kind, sizeMs, slideMs: window.slide ? millisFrom(window.slide) : kind === 'tumbling' ? sizeMs : 0 };
}

/** Undefined when an enum or the window cannot be read; the reasons are added to `violations`. */
function alertRuleFrom(rule: pb.AlertRule, standardWindow: WindowSpec, at: string, violations: FieldViolation[]): AlertRule | undefined {
  const comparison = domainOf(COMPARISON, rule.comparison);
  if (!comparison) violations.push({ field: `${at}.comparison`, description: oneOf(COMPARISON, pb.Comparison) });
  const severity = rule.severity === pb.Severity.SEVERITY_UNSPECIFIED ? 'warning' : domainOf(SEVERITY, rule.severity);
  if (!severity) violations.push({ field: `${at}.severity`, description: `${oneOf(SEVERITY, pb.Severity)}, or unset for warning` });
  const window = rule.window ? windowSpecFrom(rule.window, `${at}.window`, violations) : standardWindow;
  if (!comparison || !severity || !window) return undefined;
  return {
    name: rule.name, metric: rule.metric, comparison, threshold: rule.threshold, window, forMs: millisFrom(rule.forDuration), severity,
    modelVersion: rule.modelVersion, arm: rule.arm, labels: rule.labels,
  };
}

const PROTO_NAMES: Readonly<Record<string, string>> = { forMs: 'for_duration', cooldownMs: 'cooldown', ratePeriodMs: 'rate_period' };
/** A domain field path (`canary.minRequests`) as the request names it (`canary.min_requests`). */
const protoPath = (path: string) => path.replace(/[A-Za-z]\w*/g, (name) => PROTO_NAMES[name] ?? name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));

const WINDOW_FIELDS = { time: { size: 'duration', slide: 'slide' }, count: { size: 'count', slide: 'slide_count' } } as const;

/** validateRules calls a window's size and slide by their domain names; the request by its time or count fields. */
function ruleViolation({ field, message }: FieldProblem, rules: readonly AlertRule[]): FieldViolation {
  const windowField = /^rules\[(\d+)\]\.window\.(size|slide)$/.exec(field);
  const path = windowField ? `rules[${windowField[1]}].window.${WINDOW_FIELDS[rules[Number(windowField[1])].window.by][windowField[2] as 'size' | 'slide']}` : field;
  return { field: `rules.${protoPath(path)}`, description: message };
}

const rejected = (what: string, violations: FieldViolation[]) =>
  RpcError.invalidArgument(`${what} rejected: ${violations.map((v) => `${v.field}: ${v.description}`).join('; ')}`, violations);

/**
 * The rules of a SetAlertRules request, checked as validateRules checks them. Rules whose enums or
 * window cannot be read are reported alone: their other checks need those values.
 */
export function structuredRulesFrom(set: pb.AlertRuleSet, standardWindow: WindowSpec, options: RuleCheckOptions): AlertRule[] {
  const violations: FieldViolation[] = [];
  const rules = set.rules.map((rule, i) => alertRuleFrom(rule, standardWindow, `rules.rules[${i}]`, violations)).filter((rule) => rule !== undefined);
  if (violations.length === 0) violations.push(...validateRules(rules, options).map((problem) => ruleViolation(problem, rules)));
  if (violations.length > 0) throw rejected('alert rules', violations);
  return rules;
}

const located = (problem: DocumentProblem) => [problem.line && `line ${problem.line}`, problem.path, problem.message].filter(Boolean).join(': ');

/** The rules of a SetAlertRules document; each problem is a violation of `document` telling its line and path. */
export function documentRulesFrom(text: string, defaultWindow: WindowSpec, options: RuleCheckOptions): AlertRule[] {
  try {
    return parseRuleDocument(text, defaultWindow, options);
  } catch (error) {
    if (!(error instanceof DocumentError)) throw error;
    throw rejected('alert rule document', error.problems.map((problem) => ({ field: 'document', description: located(problem) })));
  }
}

export const alertRuleTo = (rule: AlertRule): pb.AlertRule => ({
  name: rule.name, metric: rule.metric, comparison: COMPARISON[rule.comparison], threshold: rule.threshold, window: windowSpecTo(rule.window),
  forDuration: durationFromMs(rule.forMs), severity: SEVERITY[rule.severity], modelVersion: rule.modelVersion, arm: rule.arm, labels: rule.labels,
});

/** The policy of a SetRetrainPolicy request, checked against the model's alert rules by name. */
export function retrainPolicyFrom(policy: pb.RetrainPolicy, ruleNames: ReadonlySet<string>): RetrainPolicy {
  const { enabled, maxErrorRateIncrease, maxP99LatencyIncrease, maxMetricRegression, metric, minRequests } = policy.canary ?? pb.CanaryPolicy.fromPartial({});
  const domain: RetrainPolicy = {
    enabled: policy.enabled, triggerRules: policy.triggerRules, cooldownMs: millisFrom(policy.cooldown), maxRequests: policy.maxRequests,
    ratePeriodMs: millisFrom(policy.ratePeriod), baseRunId: policy.baseRunId,
    canary: { enabled, maxErrorRateIncrease, maxP99LatencyIncrease, maxMetricRegression, metric, minRequests },
  };
  const problems = retrainPolicyProblems(domain, ruleNames);
  if (problems.length > 0) throw rejected('retraining policy', problems.map(({ field, message }) => ({ field: `policy.${protoPath(field)}`, description: message })));
  return domain;
}

export const retrainPolicyTo = (modelName: string, { policy, revision, updatedAt }: StoredPolicy): pb.RetrainPolicy => ({
  modelName, enabled: policy.enabled, triggerRules: policy.triggerRules, cooldown: durationFromMs(policy.cooldownMs), maxRequests: policy.maxRequests,
  ratePeriod: durationFromMs(policy.ratePeriodMs), baseRunId: policy.baseRunId, canary: { ...policy.canary }, revision, updatedAt,
});

/** ListAlerts' filter; UNSPECIFIED minimum severity means every severity. */
export function alertFilterFrom(request: pb.ListAlertsRequest): AlertFilter {
  const violations: FieldViolation[] = [];
  const states = request.states.flatMap((state, i) => {
    const stored = domainOf(ALERT_STATE, state);
    if (!stored) violations.push({ field: `states[${i}]`, description: oneOf(ALERT_STATE, pb.AlertState) });
    return stored ?? [];
  });
  const minSeverity = domainOf(SEVERITY, request.minSeverity);
  if (!minSeverity && request.minSeverity !== pb.Severity.SEVERITY_UNSPECIFIED) violations.push({ field: 'min_severity', description: `${oneOf(SEVERITY, pb.Severity)}, or unset for any` });
  if (violations.length > 0) throw rejected('alert filter', violations);
  return { modelName: request.modelName, states, minSeverity, activeFrom: request.timeRange?.start, activeTo: request.timeRange?.end };
}

export const alertTo = (alert: StoredAlert): pb.Alert => ({
  alertId: alert.alertId, ruleName: alert.ruleName, modelName: alert.modelName, modelVersion: alert.version, arm: alert.arm,
  state: ALERT_STATE[alert.state], severity: SEVERITY[alert.severity], metric: alert.metric, value: alert.value, threshold: alert.threshold,
  comparison: COMPARISON[alert.comparison], pendingSince: alert.pendingSince, firedAt: alert.firedAt, resolvedAt: alert.resolvedAt,
  labels: alert.labels, message: alert.message,
});

export const labelCoverageTo = (coverage: LabelCoverage, joinWindowMs: number): pb.GetLabelCoverageResponse => ({
  predictions: coverage.predictions, labelled: coverage.labelled, coverage: coverage.predictions === 0 ? 0 : coverage.labelled / coverage.predictions,
  pending: coverage.pending, expired: coverage.expired, unmatchedLabels: coverage.unmatchedLabels, joinWindow: durationFromMs(joinWindowMs),
  medianLabelDelay: coverage.medianLabelDelayMs === undefined ? undefined : durationFromMs(coverage.medianLabelDelayMs),
});

/** Keyset position of a page ordered by a time and an id (domain/page-token's position, as the queries name it). */
export interface PageCursor {
  at: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const pageTokenTo = (next: PageCursor | undefined): commonV1.PageResponse => ({ nextPageToken: next ? encodePageToken({ at: next.at, key: next.id }) : '' });

/**
 * Undefined for the first page; INVALID_ARGUMENT for a token this service did not issue (a forged one
 * must not reach SQL). `uuidKeys`: the key must be a uuid (alerts, drift history) rather than a name.
 */
export function pageCursorFrom(page: commonV1.PageRequest | undefined, { uuidKeys = true } = {}): PageCursor | undefined {
  let position: PagePosition | undefined | null;
  try {
    position = decodePageToken(page?.pageToken ?? '');
  } catch {
    position = null;
  }
  if (position === undefined) return undefined;
  if (!position || (uuidKeys && !UUID.test(position.key))) {
    throw RpcError.invalidArgument('page_token is not a token this service issued', [{ field: 'page.page_token', description: 'pass next_page_token from the previous page' }]);
  }
  return { at: position.at, id: position.key };
}
