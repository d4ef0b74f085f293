import { type AlertRule, compare, validateRules } from './alert-rule';

const rule = (overrides: Partial<AlertRule> = {}): AlertRule => ({
  name: 'distance_drift',
  metric: 'drift.distance.statistic',
  comparison: '>',
  threshold: 0.1,
  window: { by: 'time', kind: 'tumbling', sizeMs: 86_400_000, slideMs: 86_400_000 },
  forMs: 0,
  severity: 'warning',
  modelVersion: 0,
  arm: '',
  labels: {},
  ...overrides,
});

describe('compare', () => {
  it.each([
    ['>', [false, false, true]],
    ['>=', [false, true, true]],
    ['<', [true, false, false]],
    ['<=', [true, true, false]],
  ] as const)('%s: below, at and above the threshold', (comparison, expected) => {
    expect([0.09, 0.1, 0.11].map((value) => compare(value, comparison, 0.1))).toEqual(expected);
  });
});

describe('validateRules', () => {
  it('accepts well-formed rules, time and count windows alike', () => {
    expect(
      validateRules([
        rule(),
        rule({ name: 'error_rate', metric: 'operations.error_rate', window: { by: 'count', kind: 'sliding', size: 5000, slide: 1000 }, forMs: 900_000, modelVersion: 3, arm: 'canary' }),
      ]),
    ).toEqual([]);
  });

  it('reports every problem at once, each at its field', () => {
    const problems = validateRules([
      rule(),
      rule({ name: ' ', metric: 'drift.distance', threshold: Number.NaN }),
      rule({ name: 'latency', metric: 'operations.latency_p99_ms', forMs: -1, modelVersion: -2 }),
      rule({ name: 'latency', metric: 'label_coverage', modelVersion: 1.5 }),
      rule({ name: 'distance_drift', threshold: Number.POSITIVE_INFINITY }),
    ]);
    expect(problems.map((p) => p.field)).toEqual([
      'rules[1].name',
      'rules[1].metric',
      'rules[1].threshold',
      'rules[2].forMs',
      'rules[2].modelVersion',
      'rules[3].modelVersion',
      'rules[4].threshold',
      'rules[3].name',
      'rules[4].name',
    ]);
    expect(problems[1].message).toContain('unknown metric "drift.distance"');
    expect(problems[2].message).toBe('must be a finite number, got NaN');
    expect(problems[3].message).toBe('must be zero or more, got -1ms');
    expect(problems.slice(-2).map((p) => p.message)).toEqual(['duplicate rule name "latency"', 'duplicate rule name "distance_drift"']);
  });

  it('checks windows with the window rules, at the window field', () => {
    const problems = validateRules([
      rule({ window: { by: 'time', kind: 'sliding', sizeMs: 3_600_000, slideMs: 7_200_000 } }),
      rule({ name: 'b', window: { by: 'count', kind: 'tumbling', size: 5000, slide: 1000 } }),
      rule({ name: 'c', window: { by: 'count', kind: 'sliding', size: 0, slide: -1 } }),
    ]);
    expect(problems.map((p) => p.field)).toEqual(['rules[0].window.slide', 'rules[1].window.slide', 'rules[2].window.size', 'rules[2].window.slide']);
    expect(problems[1].message).toContain('tumbling');
  });

  it('names unknown features of drift and quality series only when the features are given', () => {
    const rules = [
      rule({ metric: 'drift.distance.statistic' }),
      rule({ name: 'b', metric: 'quality.carrier.null_rate' }),
      rule({ name: 'c', metric: 'drift.address.city.p_value' }),
      rule({ name: 'd', metric: 'performance.roc_auc' }),
    ];
    expect(validateRules(rules)).toEqual([]);
    expect(validateRules(rules, { features: new Set(['distance', 'address.city']) })).toEqual([
      { field: 'rules[1].metric', message: 'unknown feature "carrier": the model has no such feature' },
    ]);
  });
});
