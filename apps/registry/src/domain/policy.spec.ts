import { DocumentError, type DocumentProblem } from '@mlops/documents';
import { DEFAULT_POLICY, directionOf, parsePolicyDocument, type PromotionPolicy, validatePolicy } from './policy';

function problemsOf(text: string): DocumentProblem[] {
  try {
    parsePolicyDocument(text);
  } catch (error) {
    if (error instanceof DocumentError) return error.problems;
    throw error;
  }
  throw new Error('expected a DocumentError');
}

const lines = (...rows: string[]) => `${rows.join('\n')}\n`;
const located = (problems: DocumentProblem[]) => problems.map((p) => [p.path, p.line]);

describe('directionOf', () => {
  it.each([
    ['roc_auc', 'higher_is_better'],
    ['recall', 'higher_is_better'],
    ['log_loss', 'lower_is_better'],
    ['rmse', 'lower_is_better'],
    ['latency_p99_ms', 'lower_is_better'],
    ['churn_lift', undefined],
  ])('knows %s as %s', (metric, direction) => {
    expect(directionOf(metric)).toBe(direction);
  });
});

describe('parsePolicyDocument', () => {
  it('reads a full YAML policy, filling directions of known metrics and rollback guard defaults', () => {
    const policy = parsePolicyDocument(
      lines(
        '# flight-delay promotion policy',
        'target_alias: production',
        'gates:',
        '  - metric: roc_auc',
        '    max_regression: 0.01',
        '    floor: 0.8',
        '  - metric: log_loss',
        '    max_regression: 0.02',
        '    ceiling: 0.45',
        '  - metric: calibration_error',
        '    direction: lower_is_better',
        '    ceiling: 0.05',
        'max_p99_latency_ms: 40',
        'required_approvals: 2',
        'rollout:',
        '  kind: canary',
        '  canary_weight: 0.05',
        '  canary_steps: [0.25, 0.5, 1]',
        '  step_interval_seconds: 600',
        '  rollback_guard:',
        '    max_error_rate_increase: 0.02',
      ),
    );
    expect(policy).toEqual<PromotionPolicy>({
      targetAlias: 'production',
      metricGates: [
        { metric: 'roc_auc', direction: 'higher_is_better', maxRegression: 0.01, absoluteThreshold: 0.8 },
        { metric: 'log_loss', direction: 'lower_is_better', maxRegression: 0.02, absoluteThreshold: 0.45 },
        { metric: 'calibration_error', direction: 'lower_is_better', absoluteThreshold: 0.05 },
      ],
      maxP99LatencyMs: 40,
      requiredApprovals: 2,
      allowAutomaticPromotion: false,
      rollout: {
        kind: 'canary',
        canaryWeight: 0.05,
        canarySteps: [0.25, 0.5, 1],
        stepIntervalSeconds: 600,
        rollbackGuard: { enabled: true, maxErrorRateIncrease: 0.02, maxP99LatencyIncrease: 0.2, evaluationWindowSeconds: 300, minRequests: 100 },
      },
    });
    expect(policy.metricGates[2].maxRegression).toBeUndefined();
  });

  it('reads an empty object as the default policy', () => {
    const policy = parsePolicyDocument('{}');
    expect(policy).toEqual(DEFAULT_POLICY);
    expect(policy.rollout.rollbackGuard).toBeUndefined();
    expect(policy.maxP99LatencyMs).toBeUndefined();
  });

  it('reads JSON', () => {
    const policy = parsePolicyDocument(
      JSON.stringify({ gates: [{ metric: 'accuracy', floor: 0.9 }, { metric: 'rmse', max_regression: 0.5 }], required_approvals: 0, allow_automatic_promotion: true, rollout: { kind: 'shadow' } }),
    );
    expect(policy).toEqual<PromotionPolicy>({
      targetAlias: 'champion',
      metricGates: [
        { metric: 'accuracy', direction: 'higher_is_better', absoluteThreshold: 0.9 },
        { metric: 'rmse', direction: 'lower_is_better', maxRegression: 0.5 },
      ],
      requiredApprovals: 0,
      allowAutomaticPromotion: true,
      rollout: { kind: 'shadow', canaryWeight: 0, canarySteps: [], stepIntervalSeconds: 0 },
    });
  });

  it('takes an explicit direction for a metric it does not know', () => {
    const policy = parsePolicyDocument(lines('gates:', '  - metric: uplift', '    direction: higher_is_better', '    floor: 0.1'));
    expect(policy.metricGates).toEqual([{ metric: 'uplift', direction: 'higher_is_better', absoluteThreshold: 0.1 }]);
  });

  it('keeps a disabled rollback guard without checking its numbers', () => {
    const policy = parsePolicyDocument(lines('rollout:', '  rollback_guard:', '    enabled: false', '    max_error_rate_increase: 5'));
    expect(policy.rollout.rollbackGuard).toEqual({ enabled: false, maxErrorRateIncrease: 5, maxP99LatencyIncrease: 0.2, evaluationWindowSeconds: 300, minRequests: 100 });
  });

  describe('errors, located by path and line', () => {
    it('an unknown key, at the object holding it, naming the key', () => {
      const problems = problemsOf(lines('required_approvals: 1', 'gates:', '  - metric: roc_auc', '    max_regresion: 0.01'));
      expect(located(problems)).toEqual([['gates[0]', 3]]);
      expect(problems[0].message).toContain('max_regresion');
    });

    it('a value of the wrong type', () => {
      const problems = problemsOf(lines('target_alias: production', 'required_approvals: two'));
      expect(located(problems)).toEqual([['required_approvals', 2]]);
    });

    it('a syntax error (a repeated key)', () => {
      const [problem] = problemsOf(lines('target_alias: a', 'required_approvals: 1', 'target_alias: b'));
      expect(problem.line).toBe(3);
    });

    it('a metric of unknown direction without `direction`, quoting it', () => {
      const problems = problemsOf(lines('gates:', '  - metric: roc_auc', '    floor: 0.8', '  - metric: churn_lift', '    floor: 0.1'));
      expect(located(problems)).toEqual([['gates[1].direction', 4]]);
      expect(problems[0].message).toBe('the direction of "churn_lift" is not known: set higher_is_better or lower_is_better');
    });

    it('a floor on a lower-is-better metric', () => {
      const problems = problemsOf(lines('gates:', '  - metric: log_loss', '    max_regression: 0.01', '    floor: 0.2'));
      expect(problems).toEqual([expect.objectContaining({ path: 'gates[0].floor', line: 4, message: 'log_loss is lower_is_better: bound it with ceiling' })]);
    });

    it('a ceiling on a higher-is-better metric', () => {
      const problems = problemsOf(lines('gates:', '  - metric: roc_auc', '    max_regression: 0.01', '    ceiling: 0.99'));
      expect(problems).toEqual([expect.objectContaining({ path: 'gates[0].ceiling', line: 4, message: 'roc_auc is higher_is_better: bound it with floor' })]);
    });

    it('a gate with no bound at all', () => {
      const problems = problemsOf(lines('target_alias: champion', 'gates:', '  - metric: roc_auc'));
      expect(problems).toEqual([expect.objectContaining({ path: 'gates[0]', line: 3, message: 'set max_regression, an absolute threshold, or both' })]);
    });

    it('the same metric gated twice', () => {
      const problems = problemsOf(lines('gates:', '  - metric: roc_auc', '    floor: 0.8', '  - metric: roc_auc', '    max_regression: 0.01'));
      expect(problems).toEqual([expect.objectContaining({ path: 'gates[1].metric', line: 4, message: '"roc_auc" is gated twice; one gate per metric' })]);
    });

    it('required_approvals 0 without allow_automatic_promotion', () => {
      const problems = problemsOf(lines('target_alias: champion', 'required_approvals: 0'));
      expect(located(problems)).toEqual([['required_approvals', 2]]);
      expect(problems[0].message).toContain('set allow_automatic_promotion to true');
      expect(parsePolicyDocument(lines('required_approvals: 0', 'allow_automatic_promotion: true')).requiredApprovals).toBe(0);
    });

    it('required_approvals above the maximum', () => {
      expect(located(problemsOf('required_approvals: 11'))).toEqual([['required_approvals', 1]]);
    });

    it.each([
      ['decreasing', '[0.5, 0.3, 1]'],
      ['repeating', '[0.5, 0.5, 1]'],
      ['below the canary weight', '[0.05, 0.5, 1]'],
    ])('canary steps %s', (_case, steps) => {
      const problems = problemsOf(lines('rollout:', '  kind: canary', '  canary_weight: 0.1', `  canary_steps: ${steps}`));
      expect(problems).toEqual([expect.objectContaining({ path: 'rollout.canary_steps', line: 4, message: 'each step must exceed the one before (and canary_weight), up to 1' })]);
    });

    it('canary steps not ending with 1', () => {
      const problems = problemsOf(lines('rollout:', '  kind: canary', '  canary_weight: 0.1', '  canary_steps: [0.25, 0.5]'));
      expect(problems).toEqual([expect.objectContaining({ path: 'rollout.canary_steps', line: 4, message: 'must end with 1 (full rollout)' })]);
    });

    it('canary steps past 1 break both rules', () => {
      const problems = problemsOf(lines('rollout:', '  kind: canary', '  canary_weight: 0.1', '  canary_steps: [0.5, 1.5]'));
      expect(problems.map((p) => p.message)).toEqual(['each step must exceed the one before (and canary_weight), up to 1', 'must end with 1 (full rollout)']);
    });

    it('a canary without a starting weight, at the rollout that lacks it', () => {
      const problems = problemsOf(lines('rollout:', '  kind: canary', '  canary_steps: [0.5, 1]'));
      expect(located(problems)).toEqual([['rollout.canary_weight', 2]]);
    });

    it('weights on a rollout that is not a canary', () => {
      const problems = problemsOf(lines('rollout:', '  kind: blue_green', '  canary_weight: 0.1'));
      expect(problems).toEqual([expect.objectContaining({ path: 'rollout.canary_weight', line: 3, message: 'only a canary rollout takes weights (kind is blue_green)' })]);
    });

    it('rollback guard values, under their document names', () => {
      const problems = problemsOf(lines('rollout:', '  rollback_guard:', '    max_error_rate_increase: 1.5', '    evaluation_window_seconds: 0', '    max_p99_latency_increase: -0.1'));
      expect(located(problems)).toEqual([
        ['rollout.rollback_guard.max_error_rate_increase', 3],
        ['rollout.rollback_guard.max_p99_latency_increase', 5],
        ['rollout.rollback_guard.evaluation_window_seconds', 4],
      ]);
    });

    it('several consistency problems at once, each with its line', () => {
      const error = (() => {
        try {
          parsePolicyDocument(
            lines(
              'target_alias: Production',
              'gates:',
              '  - metric: churn_lift',
              '    floor: 0.1',
              '  - metric: roc_auc',
              '    floor: 0.8',
              '  - metric: roc_auc',
              '    max_regression: 0.01',
              'required_approvals: 0',
              'rollout:',
              '  kind: canary',
              '  canary_weight: 0.2',
              '  canary_steps: [0.1, 0.5]',
            ),
          );
        } catch (e) {
          return e as DocumentError;
        }
        throw new Error('expected a DocumentError');
      })();
      expect(error).toBeInstanceOf(DocumentError);
      expect(located(error.problems)).toEqual([
        ['gates[0].direction', 3],
        ['target_alias', 1],
        ['gates[2].metric', 7],
        ['required_approvals', 9],
        ['rollout.canary_steps', 13],
        ['rollout.canary_steps', 13],
      ]);
      expect(error.message).toContain('line 7: gates[2].metric: "roc_auc" is gated twice');
      expect(error.message).toContain('line 1: target_alias: ');
    });

    it('several schema problems at once', () => {
      const problems = problemsOf(lines('required_approvals: -1', 'max_p99_latency_ms: 0', 'rollout:', '  kind: gradual', '  step_interval_seconds: -5'));
      expect(located(problems)).toEqual([
        ['max_p99_latency_ms', 2],
        ['required_approvals', 1],
        ['rollout.kind', 4],
        ['rollout.step_interval_seconds', 5],
      ]);
    });
  });
});

describe('validatePolicy', () => {
  const valid: PromotionPolicy = {
    targetAlias: 'production',
    metricGates: [
      { metric: 'roc_auc', direction: 'higher_is_better', maxRegression: 0.01, absoluteThreshold: 0.8 },
      { metric: 'log_loss', direction: 'lower_is_better', maxRegression: 0 },
    ],
    maxP99LatencyMs: 40,
    requiredApprovals: 2,
    allowAutomaticPromotion: false,
    rollout: {
      kind: 'canary', canaryWeight: 0.1, canarySteps: [0.5, 1], stepIntervalSeconds: 60,
      rollbackGuard: { enabled: true, maxErrorRateIncrease: 0.01, maxP99LatencyIncrease: 0.2, evaluationWindowSeconds: 300, minRequests: 100 },
    },
  };
  const fields = (policy: PromotionPolicy, prefix?: string) => validatePolicy(policy, prefix).map((v) => v.field);

  it('accepts a valid policy and the default one', () => {
    expect(validatePolicy(valid)).toEqual([]);
    expect(validatePolicy(DEFAULT_POLICY)).toEqual([]);
  });

  it('reports gate problems by field path', () => {
    const policy: PromotionPolicy = {
      ...valid,
      metricGates: [
        { metric: '', direction: 'higher_is_better', maxRegression: 0.1 },
        { metric: 'roc_auc', direction: 'higher_is_better', maxRegression: -0.01 },
        { metric: 'f1', direction: 'higher_is_better' },
        { metric: 'roc_auc', direction: 'higher_is_better', maxRegression: Number.NaN, absoluteThreshold: Number.POSITIVE_INFINITY },
      ],
    };
    expect(validatePolicy(policy)).toEqual([
      { field: 'policy.metric_gates[0].metric', description: 'is required' },
      { field: 'policy.metric_gates[1].max_regression', description: 'must be a finite number >= 0' },
      { field: 'policy.metric_gates[2]', description: 'set max_regression, an absolute threshold, or both' },
      { field: 'policy.metric_gates[3].metric', description: '"roc_auc" is gated twice; one gate per metric' },
      { field: 'policy.metric_gates[3].max_regression', description: 'must be a finite number >= 0' },
      { field: 'policy.metric_gates[3].absolute_threshold', description: 'must be a finite number' },
    ]);
  });

  it.each([
    ['Production'],
    ['1st'],
    ['a'.repeat(65)],
    [''],
  ])('refuses the alias %j', (targetAlias) => {
    expect(fields({ ...valid, targetAlias })).toEqual(['policy.target_alias']);
  });

  it('accepts a 64-character alias', () => {
    expect(validatePolicy({ ...valid, targetAlias: 'a'.repeat(64) })).toEqual([]);
  });

  it.each([[-1], [1.5], [11]])('refuses %p required approvals, naming the range', (requiredApprovals) => {
    expect(validatePolicy({ ...valid, requiredApprovals })).toEqual([{ field: 'policy.required_approvals', description: 'an integer from 0 to 10' }]);
  });

  it('allows 10 approvals, and 0 only with automatic promotion', () => {
    expect(validatePolicy({ ...valid, requiredApprovals: 10 })).toEqual([]);
    expect(validatePolicy({ ...valid, requiredApprovals: 0, allowAutomaticPromotion: true })).toEqual([]);
    const [violation] = validatePolicy({ ...valid, requiredApprovals: 0 });
    expect(violation.field).toBe('policy.required_approvals');
    expect(violation.description).toContain('promotes without a person');
  });

  it.each([[0], [-5], [Number.NaN]])('refuses a latency budget of %p', (maxP99LatencyMs) => {
    expect(fields({ ...valid, maxP99LatencyMs })).toEqual(['policy.max_p99_latency']);
  });

  it('reports rollout problems by field path, under the given prefix', () => {
    const policy: PromotionPolicy = {
      ...valid,
      rollout: {
        kind: 'canary', canaryWeight: 1, canarySteps: [0.5, 0.9], stepIntervalSeconds: -1,
        rollbackGuard: { enabled: true, maxErrorRateIncrease: -0.1, maxP99LatencyIncrease: Number.NaN, evaluationWindowSeconds: 0, minRequests: 2.5 },
      },
    };
    expect(fields(policy, 'request.policy')).toEqual([
      'request.policy.rollout.canary_weight',
      'request.policy.rollout.canary_steps',
      'request.policy.rollout.canary_steps',
      'request.policy.rollout.step_interval',
      'request.policy.rollout.rollback_guard.max_error_rate_increase',
      'request.policy.rollout.rollback_guard.max_p99_latency_increase',
      'request.policy.rollout.rollback_guard.evaluation_window',
      'request.policy.rollout.rollback_guard.min_requests',
    ]);
  });

  it('accepts a canary without intermediate steps', () => {
    expect(validatePolicy({ ...valid, rollout: { ...valid.rollout, canarySteps: [] } })).toEqual([]);
  });

  it('refuses weights on an immediate rollout, naming its kind', () => {
    expect(validatePolicy({ ...valid, rollout: { kind: 'immediate', canaryWeight: 0, canarySteps: [1], stepIntervalSeconds: 0 } })).toEqual([
      { field: 'policy.rollout.canary_weight', description: 'only a canary rollout takes weights (kind is immediate)' },
    ]);
  });
});
