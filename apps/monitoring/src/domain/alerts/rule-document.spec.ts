import { DocumentError, type DocumentProblem } from '@mlops/documents';
import { type WindowSpec } from '../windows/window-spec';
import { parseRuleDocument } from './rule-document';

const HOURLY: WindowSpec = { by: 'time', kind: 'tumbling', sizeMs: 3_600_000, slideMs: 3_600_000 };

function problemsOf(text: string, features?: ReadonlySet<string>): DocumentProblem[] {
  try {
    parseRuleDocument(text, HOURLY, { features });
  } catch (error) {
    if (error instanceof DocumentError) return error.problems;
    throw error;
  }
  throw new Error('expected a DocumentError');
}

const located = (problems: DocumentProblem[]) => problems.map((p) => [p.path, p.line]);

describe('parseRuleDocument', () => {
  it('reads a YAML document, with aliases and defaults', () => {
    const rules = parseRuleDocument(`
rules:
  - name: distance_drift
    metric: drift.distance.statistic
    comparison: ">"
    threshold: 0.1
    window: { kind: tumbling, duration: 1d }
    for: 2d
    severity: critical
    version: 3
    arm: canary
    labels: { team: risk }
  - name: few_labels
    metric: label_coverage
    comparison: lt
    threshold: 0.5
    window: { kind: sliding, duration: 6h, slide: 1h }
  - name: no_window
    metric: drift_share
    comparison: ">"
    threshold: 0.5
`, HOURLY);
    expect(rules).toEqual([
      {
        name: 'distance_drift',
        metric: 'drift.distance.statistic',
        comparison: '>',
        threshold: 0.1,
        window: { by: 'time', kind: 'tumbling', sizeMs: 86_400_000, slideMs: 86_400_000 },
        forMs: 172_800_000,
        severity: 'critical',
        modelVersion: 3,
        arm: 'canary',
        labels: { team: 'risk' },
      },
      {
        name: 'few_labels',
        metric: 'label_coverage',
        comparison: '<',
        threshold: 0.5,
        window: { by: 'time', kind: 'sliding', sizeMs: 21_600_000, slideMs: 3_600_000 },
        forMs: 0,
        severity: 'warning',
        modelVersion: 0,
        arm: '',
        labels: {},
      },
      // Without a window, the standard report window.
      { name: 'no_window', metric: 'drift_share', comparison: '>', threshold: 0.5, window: HOURLY, forMs: 0, severity: 'warning', modelVersion: 0, arm: '', labels: {} },
    ]);
  });

  it('reads JSON, count windows, every comparison alias and `for: 0`', () => {
    const rule = (comparison: string, window: string) => `{"name": "${comparison}", "metric": "operations.error_rate", "comparison": "${comparison}", "threshold": 0.02, "window": ${window}, "for": 0}`;
    const rules = parseRuleDocument(
      `{"rules": [${[
        rule('gt', '{"kind": "tumbling", "count": 5000}'),
        rule('ge', '{"kind": "sliding", "count": 5000, "slide": 1000}'),
        rule('lt', '{"kind": "tumbling", "count": 5000, "slide": 5000}'),
        rule('le', '{"kind": "tumbling", "duration": "1h30m", "slide": "90m"}'),
      ].join(', ')}]}`,
      HOURLY,
    );
    expect(rules.map((r) => [r.comparison, r.window, r.forMs])).toEqual([
      ['>', { by: 'count', kind: 'tumbling', size: 5000, slide: 5000 }, 0],
      ['>=', { by: 'count', kind: 'sliding', size: 5000, slide: 1000 }, 0],
      ['<', { by: 'count', kind: 'tumbling', size: 5000, slide: 5000 }, 0],
      ['<=', { by: 'time', kind: 'tumbling', sizeMs: 5_400_000, slideMs: 5_400_000 }, 0],
    ]);
  });

  it('reports every problem at once, each at its line', () => {
    const problems = problemsOf(`rules:
  - name: distance_drift
    metric: drift.distance.mean
    comparison: ">"
    threshold: .nan
    window: { kind: tumbling, duration: 1d, slide: 1h }
    for: -2d
    colour: red
  - name: latency
    metric: operations.latency_p99_ms
    comparison: above
    threshold: 250
    window:
      kind: sliding
      count: 1000
      slide: 5000
    for: 15m
    version: -1
  - name: distance_drift
    metric: drift_share
    comparison: ">="
    threshold: 0.5
    window: { kind: sliding, duration: 0s, slide: 1h }
`);
    expect(located(problems)).toEqual([
      ['rules[0].metric', 3],
      ['rules[0].threshold', 5],
      ['rules[0].window.slide', 6],
      ['rules[0].for', 7],
      ['rules[0]', 2],
      ['rules[1].comparison', 11],
      ['rules[1].window.slide', 16],
      ['rules[1].version', 18],
      ['rules[2].window.duration', 23],
      ['rules[2].window.slide', 23],
    ]);
    const messages = problems.map((p) => p.message);
    expect(messages[0]).toContain('unknown metric "drift.distance.mean"');
    expect(messages[1]).toBe('must be a finite number, got NaN');
    expect(messages[2]).toContain('tumbling');
    expect(messages[3]).toBe('must be zero or more, got -2d');
    expect(messages[4]).toContain('colour');
    expect(messages[5]).toContain('"gt"');
    expect(messages[6]).toContain('must not exceed the size');
    expect(messages[7]).toContain('must be a version number');
    expect(messages[8]).toContain('greater than zero');
  });

  it('locates a duplicate rule name at the duplicate', () => {
    const problems = problemsOf(`rules:
  - { name: a, metric: drift_share, comparison: ">", threshold: 0.5, window: { kind: tumbling, count: 100 } }
  - { name: b, metric: drift_share, comparison: ">", threshold: 0.5, window: { kind: tumbling, count: 100 } }
  - { name: a, metric: drift_share, comparison: ">", threshold: 0.5, window: { kind: tumbling, count: 100 } }
`);
    expect(problems).toEqual([expect.objectContaining({ path: 'rules[2].name', line: 4, message: 'duplicate rule name "a"' })]);
  });

  it('explains windows it cannot read', () => {
    const window = (spec: string) => `rules:\n  - name: a\n    metric: drift_share\n    comparison: ">"\n    threshold: 0.5\n    window: ${spec}\n`;
    const problem = (spec: string) => problemsOf(window(spec)).map((p) => [p.path, p.line, p.message]);
    expect(problem('{ kind: tumbling }')).toEqual([['rules[0].window', 6, 'needs either a duration (a time window) or a count (a count window)']]);
    expect(problem('{ kind: tumbling, duration: 1h, count: 10 }')).toEqual([['rules[0].window', 6, 'needs either a duration (a time window) or a count (a count window)']]);
    expect(problem('{ kind: sliding, duration: 1h }')).toEqual([['rules[0].window', 6, 'a sliding window needs a slide']]);
    expect(problem('{ kind: sliding, duration: 1 hour, slide: 10 }')).toEqual([
      ['rules[0].window.duration', 6, 'must be a duration such as 500ms, 90s, 15m, 1h30m or 1d'],
      ['rules[0].window.slide', 6, 'must be a duration such as 500ms, 90s, 15m, 1h30m or 1d'],
    ]);
    expect(problem('{ kind: sliding, count: 100, slide: 10m }')).toEqual([['rules[0].window.slide', 6, 'must be a number of predictions, as the window is a count']]);
    expect(problem('{ kind: hopping, count: 100 }')).toEqual([['rules[0].window.kind', 6, expect.stringContaining('"tumbling"|"sliding"')]]);
  });

  it('needs a unit on every duration except 0', () => {
    const problems = problemsOf(`rules:
  - { name: a, metric: drift_share, comparison: ">", threshold: 0.5, window: { kind: tumbling, duration: 1h }, for: 300 }
`);
    expect(problems).toEqual([expect.objectContaining({ path: 'rules[0].for', line: 2, message: 'must be a duration such as 500ms, 90s, 15m, 1h30m or 1d, or 0' })]);
  });

  it('names unknown features when the model features are given', () => {
    const text = `rules:
  - { name: a, metric: drift.distance.statistic, comparison: ">", threshold: 0.1, window: { kind: tumbling, duration: 1d } }
  - { name: b, metric: quality.carrier.null_rate, comparison: ">", threshold: 0.1, window: { kind: tumbling, duration: 1d } }
`;
    expect(parseRuleDocument(text, HOURLY)).toHaveLength(2);
    expect(problemsOf(text, new Set(['distance']))).toEqual([
      expect.objectContaining({ path: 'rules[1].metric', line: 3, message: 'unknown feature "carrier": the model has no such feature' }),
    ]);
  });

  it('reports syntax errors and a missing rules list with their lines', () => {
    expect(located(problemsOf('rules:\n  - name: a\n    name: b\n'))).toEqual([['', 3]]);
    expect(located(problemsOf('alerts: []\n'))).toEqual([['rules', 1], ['', 1]]);
  });
});
