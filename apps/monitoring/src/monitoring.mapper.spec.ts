import { status } from '@grpc/grpc-js';
import { type FieldViolation, RpcError } from '@mlops/grpc';
import { monitoringV1 as pb } from '@mlops/proto';
import { type StoredAlert } from './alerts/alert.repository';
import { type RetrainPolicy } from './domain/policies/retrain-policy';
import { type WindowSpec } from './domain/windows/window-spec';
import {
  alertFilterFrom, alertRuleTo, alertTo, documentRulesFrom, labelCoverageTo, millisFrom, pageCursorFrom, pageTokenTo, retrainPolicyFrom, retrainPolicyTo, structuredRulesFrom,
} from './monitoring.mapper';

const HOUR = { seconds: 3600, nanos: 0 };
const STANDARD: WindowSpec = { by: 'time', kind: 'tumbling', sizeMs: 3_600_000, slideMs: 3_600_000 };

const rule = (overrides: Partial<pb.AlertRule> = {}): pb.AlertRule =>
  pb.AlertRule.fromPartial({ name: 'error_rate', metric: 'operations.error_rate', comparison: pb.Comparison.COMPARISON_GREATER_THAN, threshold: 0.05, ...overrides });

const rulesFrom = (rules: pb.AlertRule[], features?: ReadonlySet<string>) => structuredRulesFrom({ rules }, STANDARD, { features });

/** The field violations of the INVALID_ARGUMENT `act` throws. */
function violationsOf(act: () => unknown): FieldViolation[] {
  try {
    act();
  } catch (error) {
    if (!(error instanceof RpcError) || error.code !== status.INVALID_ARGUMENT) throw error;
    return error.fieldViolations;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

const fieldsOf = (act: () => unknown) => violationsOf(act).map((v) => v.field);

describe('durations', () => {
  it('are whole milliseconds, unset being 0', () => {
    expect([millisFrom(undefined), millisFrom({ seconds: 90, nanos: 0 }), millisFrom({ seconds: 1, nanos: 250_400_000 })]).toEqual([0, 90_000, 1_250]);
  });
});

describe('alert rule windows', () => {
  const windowOf = (window: pb.WindowSpec | undefined) => rulesFrom([rule({ window })])[0].window;

  it.each<[string, pb.WindowSpec | undefined, WindowSpec]>([
    ['unset: the standard window', undefined, STANDARD],
    ['tumbling by time, sliding by its size', { kind: pb.WindowKind.WINDOW_KIND_TUMBLING, size: { $case: 'duration', value: HOUR }, slide: undefined, slideCount: 0 }, STANDARD],
    ['sliding by time', { kind: pb.WindowKind.WINDOW_KIND_SLIDING, size: { $case: 'duration', value: HOUR }, slide: { seconds: 600, nanos: 0 }, slideCount: 0 }, { by: 'time', kind: 'sliding', sizeMs: 3_600_000, slideMs: 600_000 }],
    ['tumbling by count', { kind: pb.WindowKind.WINDOW_KIND_TUMBLING, size: { $case: 'count', value: 5000 }, slide: undefined, slideCount: 0 }, { by: 'count', kind: 'tumbling', size: 5000, slide: 5000 }],
    ['sliding by count', { kind: pb.WindowKind.WINDOW_KIND_SLIDING, size: { $case: 'count', value: 5000 }, slide: undefined, slideCount: 1000 }, { by: 'count', kind: 'sliding', size: 5000, slide: 1000 }],
  ])('%s', (_case, window, expected) => {
    expect(windowOf(window)).toEqual(expected);
  });

  it.each<WindowSpec>([STANDARD, { by: 'time', kind: 'sliding', sizeMs: 3_600_000, slideMs: 600_000 }, { by: 'count', kind: 'tumbling', size: 500, slide: 500 }, { by: 'count', kind: 'sliding', size: 500, slide: 100 }])(
    'round-trip %j',
    (window) => {
      const [stored] = rulesFrom([rule()]);
      expect(rulesFrom([alertRuleTo({ ...stored, window })])[0].window).toEqual(window);
    },
  );

  it.each<[string, pb.WindowSpec, string[]]>([
    ['no kind', { kind: pb.WindowKind.WINDOW_KIND_UNSPECIFIED, size: { $case: 'duration', value: HOUR }, slide: undefined, slideCount: 0 }, ['rules.rules[0].window.kind']],
    ['no size', { kind: pb.WindowKind.WINDOW_KIND_TUMBLING, size: undefined, slide: undefined, slideCount: 0 }, ['rules.rules[0].window']],
    ['a count window slid by a duration', { kind: pb.WindowKind.WINDOW_KIND_SLIDING, size: { $case: 'count', value: 500 }, slide: HOUR, slideCount: 0 }, ['rules.rules[0].window.slide']],
    ['a time window slid by a count', { kind: pb.WindowKind.WINDOW_KIND_SLIDING, size: { $case: 'duration', value: HOUR }, slide: undefined, slideCount: 10 }, ['rules.rules[0].window.slide_count']],
    ['a zero duration', { kind: pb.WindowKind.WINDOW_KIND_TUMBLING, size: { $case: 'duration', value: { seconds: 0, nanos: 0 } }, slide: undefined, slideCount: 0 }, ['rules.rules[0].window.duration', 'rules.rules[0].window.slide']],
    ['a zero count', { kind: pb.WindowKind.WINDOW_KIND_TUMBLING, size: { $case: 'count', value: 0 }, slide: undefined, slideCount: 0 }, ['rules.rules[0].window.count', 'rules.rules[0].window.slide_count']],
    ['a sliding time window without a slide', { kind: pb.WindowKind.WINDOW_KIND_SLIDING, size: { $case: 'duration', value: HOUR }, slide: undefined, slideCount: 0 }, ['rules.rules[0].window.slide']],
    ['a sliding count window without a slide', { kind: pb.WindowKind.WINDOW_KIND_SLIDING, size: { $case: 'count', value: 500 }, slide: undefined, slideCount: 0 }, ['rules.rules[0].window.slide_count']],
    ['a tumbling window with another slide', { kind: pb.WindowKind.WINDOW_KIND_TUMBLING, size: { $case: 'duration', value: HOUR }, slide: { seconds: 60, nanos: 0 }, slideCount: 0 }, ['rules.rules[0].window.slide']],
  ])('reject %s at its fields', (_case, window, fields) => {
    // A tumbling window's slide is its size, so a bad size is reported for the slide too (as in rule documents).
    expect(fieldsOf(() => rulesFrom([rule({ window })]))).toEqual(fields);
  });
});

describe('alert rules', () => {
  it.each([
    [pb.Comparison.COMPARISON_GREATER_THAN, '>'],
    [pb.Comparison.COMPARISON_GREATER_OR_EQUAL, '>='],
    [pb.Comparison.COMPARISON_LESS_THAN, '<'],
    [pb.Comparison.COMPARISON_LESS_OR_EQUAL, '<='],
  ] as const)('map comparison %s to %s and back', (comparison, domain) => {
    const [mapped] = rulesFrom([rule({ comparison })]);
    expect(mapped.comparison).toBe(domain);
    expect(alertRuleTo(mapped).comparison).toBe(comparison);
  });

  it.each([
    [pb.Severity.SEVERITY_INFO, 'info'],
    [pb.Severity.SEVERITY_WARNING, 'warning'],
    [pb.Severity.SEVERITY_CRITICAL, 'critical'],
  ] as const)('map severity %s to %s and back', (severity, domain) => {
    const [mapped] = rulesFrom([rule({ severity })]);
    expect(mapped.severity).toBe(domain);
    expect(alertRuleTo(mapped).severity).toBe(severity);
  });

  it('take an unset severity as warning', () => {
    expect(rulesFrom([rule({ severity: pb.Severity.SEVERITY_UNSPECIFIED })])[0].severity).toBe('warning');
  });

  it('carry every other field both ways', () => {
    const window: pb.WindowSpec = { kind: pb.WindowKind.WINDOW_KIND_TUMBLING, size: { $case: 'duration', value: HOUR }, slide: HOUR, slideCount: 0 };
    const request = rule({ window, forDuration: { seconds: 900, nanos: 0 }, modelVersion: 3, arm: 'canary', labels: { team: 'risk' } });
    const [mapped] = rulesFrom([request]);
    expect(mapped).toEqual({
      name: 'error_rate', metric: 'operations.error_rate', comparison: '>', threshold: 0.05, window: STANDARD, forMs: 900_000, severity: 'warning', modelVersion: 3, arm: 'canary', labels: { team: 'risk' },
    });
    expect(alertRuleTo(mapped)).toEqual({ ...request, severity: pb.Severity.SEVERITY_WARNING });
  });

  it('reject unreadable enums at their fields, before checking the rules further', () => {
    const violations = violationsOf(() => rulesFrom([rule({ comparison: pb.Comparison.COMPARISON_UNSPECIFIED, name: ' ' }), rule({ name: 'b', severity: 99 as pb.Severity })]));
    expect(violations.map((v) => v.field)).toEqual(['rules.rules[0].comparison', 'rules.rules[1].severity']);
    expect(violations[0].description).toBe('must be one of COMPARISON_GREATER_THAN, COMPARISON_GREATER_OR_EQUAL, COMPARISON_LESS_THAN, COMPARISON_LESS_OR_EQUAL');
  });

  it("report validateRules' problems at the request's field names", () => {
    const violations = violationsOf(() =>
      rulesFrom(
        [
          rule({ name: '', threshold: Number.NaN }),
          rule({ name: 'drift', metric: 'drift.colour.statistic', forDuration: { seconds: -60, nanos: 0 }, modelVersion: -1 }),
          rule({ name: 'drift', window: { kind: pb.WindowKind.WINDOW_KIND_SLIDING, size: { $case: 'count', value: 100 }, slide: undefined, slideCount: 200 } }),
        ],
        new Set(['distance']),
      ),
    );
    expect(violations.map((v) => v.field)).toEqual([
      'rules.rules[0].name',
      'rules.rules[0].threshold',
      'rules.rules[1].metric',
      'rules.rules[1].for_duration',
      'rules.rules[1].model_version',
      'rules.rules[2].window.slide_count',
      'rules.rules[2].name',
    ]);
    expect(violations[2].description).toBe('unknown feature "colour": the model has no such feature');
  });

  it('accept an empty rule set, which removes every rule', () => {
    expect(rulesFrom([])).toEqual([]);
  });
});

describe('alert rule documents', () => {
  it('read a valid document', () => {
    const rules = documentRulesFrom('rules:\n  - name: slow\n    metric: operations.latency_p99_ms\n    comparison: ">"\n    threshold: 250\n    window: { kind: tumbling, duration: 1h }\n', STANDARD, {});
    expect(rules.map((r) => [r.name, r.comparison, r.window])).toEqual([['slow', '>', STANDARD]]);
  });

  it('report each problem as a violation of `document` with its line and path', () => {
    const text = 'rules:\n  - name: slow\n    metric: drift.colour.statistic\n    comparison: above\n    threshold: 250\n    window: { kind: tumbling, duration: 1h }\n';
    const violations = violationsOf(() => documentRulesFrom(text, STANDARD, { features: new Set(['distance']) }));
    expect(violations).toEqual([
      { field: 'document', description: 'line 3: rules[0].metric: unknown feature "colour": the model has no such feature' },
      { field: 'document', description: expect.stringMatching(/^line 4: rules\[0\]\.comparison: /) as string },
    ]);
  });

  it('report a syntax error by its line alone', () => {
    expect(violationsOf(() => documentRulesFrom('rules: [\n', STANDARD, {}))).toEqual([{ field: 'document', description: expect.stringMatching(/^line \d+: \w/) as string }]);
  });
});

describe('retraining policies', () => {
  const policy = (overrides: Partial<pb.RetrainPolicy> = {}): pb.RetrainPolicy =>
    pb.RetrainPolicy.fromPartial({
      modelName: 'churn', enabled: true, triggerRules: ['drift'], cooldown: { seconds: 3600, nanos: 0 }, maxRequests: 2, ratePeriod: { seconds: 86_400, nanos: 0 }, baseRunId: 'run-1',
      canary: { enabled: true, maxErrorRateIncrease: 0.01, maxP99LatencyIncrease: 0.5, maxMetricRegression: 0.02, metric: 'roc_auc', minRequests: 500 },
      ...overrides,
    });
  const RULES = new Set(['drift']);

  it('map durations to milliseconds and back', () => {
    const domain = retrainPolicyFrom(policy(), RULES);
    expect(domain).toEqual<RetrainPolicy>({
      enabled: true, triggerRules: ['drift'], cooldownMs: 3_600_000, maxRequests: 2, ratePeriodMs: 86_400_000, baseRunId: 'run-1',
      canary: { enabled: true, maxErrorRateIncrease: 0.01, maxP99LatencyIncrease: 0.5, maxMetricRegression: 0.02, metric: 'roc_auc', minRequests: 500 },
    });
    const updatedAt = new Date('2026-11-23T10:00:00Z');
    expect(retrainPolicyTo('churn', { policy: domain, revision: 4, updatedAt })).toEqual(policy({ revision: 4, updatedAt }));
  });

  it('take an unset canary policy as disabled', () => {
    expect(retrainPolicyFrom(policy({ canary: undefined }), RULES).canary).toEqual({ enabled: false, maxErrorRateIncrease: 0, maxP99LatencyIncrease: 0, maxMetricRegression: 0, metric: '', minRequests: 0 });
  });

  it("report retrainPolicyProblems' problems at the request's field names", () => {
    const violations = violationsOf(() =>
      retrainPolicyFrom(
        policy({
          triggerRules: ['drift', 'latency'], cooldown: { seconds: -1, nanos: 0 }, maxRequests: 0, ratePeriod: undefined,
          canary: { enabled: true, maxErrorRateIncrease: -0.1, maxP99LatencyIncrease: -1, maxMetricRegression: 0, metric: 'auc', minRequests: -5 },
        }),
        RULES,
      ),
    );
    expect(violations.map((v) => v.field)).toEqual([
      'policy.cooldown',
      'policy.max_requests',
      'policy.rate_period',
      'policy.trigger_rules[1]',
      'policy.canary.max_error_rate_increase',
      'policy.canary.max_p99_latency_increase',
      'policy.canary.min_requests',
      'policy.canary.metric',
    ]);
    expect(violations[3].description).toBe('the model has no alert rule "latency"');
  });
});

describe('alerts', () => {
  const request = (overrides: Partial<pb.ListAlertsRequest>) => pb.ListAlertsRequest.fromPartial({ modelName: 'churn', ...overrides });

  it('filter by every state and severity', () => {
    const range = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-02T00:00:00Z') };
    expect(
      alertFilterFrom(request({ states: [pb.AlertState.ALERT_STATE_PENDING, pb.AlertState.ALERT_STATE_FIRING, pb.AlertState.ALERT_STATE_RESOLVED], minSeverity: pb.Severity.SEVERITY_CRITICAL, timeRange: range })),
    ).toEqual({ modelName: 'churn', states: ['pending', 'firing', 'resolved'], minSeverity: 'critical', activeFrom: range.start, activeTo: range.end });
    expect(alertFilterFrom(request({}))).toEqual({ modelName: 'churn', states: [], minSeverity: undefined, activeFrom: undefined, activeTo: undefined });
  });

  it('reject an unset state and an unknown severity at their fields', () => {
    expect(fieldsOf(() => alertFilterFrom(request({ states: [pb.AlertState.ALERT_STATE_FIRING, pb.AlertState.ALERT_STATE_UNSPECIFIED], minSeverity: 7 as pb.Severity })))).toEqual(['states[1]', 'min_severity']);
  });

  it('map a stored alert with its enums', () => {
    const at = new Date('2026-11-23T10:00:00Z');
    const stored: StoredAlert = {
      alertId: 'a1', modelName: 'churn', ruleName: 'slow', version: 3, arm: 'canary', state: 'firing', severity: 'critical', metric: 'operations.latency_p99_ms',
      comparison: '>=', threshold: 250, value: 300, labels: { team: 'risk' }, message: 'p99 300 >= 250', pendingSince: at, firedAt: at, resolvedAt: undefined, updatedAt: at,
    };
    expect(alertTo(stored)).toEqual<pb.Alert>({
      alertId: 'a1', ruleName: 'slow', modelName: 'churn', modelVersion: 3, arm: 'canary', state: pb.AlertState.ALERT_STATE_FIRING, severity: pb.Severity.SEVERITY_CRITICAL,
      metric: 'operations.latency_p99_ms', value: 300, threshold: 250, comparison: pb.Comparison.COMPARISON_GREATER_OR_EQUAL, pendingSince: at, firedAt: at, resolvedAt: undefined,
      labels: { team: 'risk' }, message: 'p99 300 >= 250',
    });
  });
});

describe('label coverage', () => {
  const counts = { predictions: 200, labelled: 50, pending: 120, expired: 30, unmatchedLabels: 4 };

  it('compute the coverage and carry durations', () => {
    expect(labelCoverageTo({ ...counts, medianLabelDelayMs: 90_500 }, 86_400_000)).toEqual({
      ...counts, coverage: 0.25, joinWindow: { seconds: 86_400, nanos: 0 }, medianLabelDelay: { seconds: 90, nanos: 500_000_000 },
    });
  });

  it('leave the median unset and coverage 0 without predictions', () => {
    const empty = labelCoverageTo({ predictions: 0, labelled: 0, pending: 0, expired: 0, unmatchedLabels: 2, medianLabelDelayMs: undefined }, 1000);
    expect([empty.coverage, empty.medianLabelDelay, empty.unmatchedLabels]).toEqual([0, undefined, 2]);
  });
});

describe('page cursors', () => {
  const cursor = { at: '2026-11-23T10:00:00.000Z', id: '0b6f3c1e-9a4d-4c1b-8f5e-2d7a9c3b1e40' };

  it('round-trip a position; no token is the first page and no position no next page', () => {
    expect(pageCursorFrom({ pageSize: 10, pageToken: pageTokenTo(cursor).nextPageToken })).toEqual(cursor);
    expect([pageCursorFrom(undefined), pageCursorFrom({ pageSize: 0, pageToken: '' }), pageTokenTo(undefined).nextPageToken]).toEqual([undefined, undefined, '']);
  });

  it.each([
    ['not base64 JSON', 'not a token'],
    ['another shape', Buffer.from('{"at":1}').toString('base64url')],
    ['a bad time', Buffer.from(JSON.stringify(['yesterday', cursor.id])).toString('base64url')],
    ['an id that is no uuid', Buffer.from(JSON.stringify([cursor.at, "x' OR 1=1"])).toString('base64url')],
  ])('reject %s at page.page_token', (_case, pageToken) => {
    expect(fieldsOf(() => pageCursorFrom({ pageSize: 0, pageToken }))).toEqual(['page.page_token']);
  });
});
