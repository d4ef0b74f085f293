import { classificationMetrics, rocAuc } from './classification-metrics';
import reference from './fixtures/performance-reference.json';

// Figures from fixtures/generate.py (scikit-learn version recorded in the JSON).
const TOLERANCE = 1e-9;

/** ROC-AUC counted pair by pair, ties a half: the definition the rank-based version must equal. */
function pairwiseAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    for (let j = 0; j < labels.length; j++) {
      if (labels[i] !== 1 || labels[j] !== 0) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

describe('classificationMetrics against scikit-learn', () => {
  it('records which scikit-learn produced the figures', () => {
    expect(reference.sklearn_version).toMatch(/^\d+\.\d+/);
  });

  it.each(reference.classification.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const actual = classificationMetrics(c.scores, c.labels, c.threshold);
    // Same metrics present (an undefined one is absent on both sides), each to 1e-9.
    expect(Object.keys(actual).sort()).toEqual(Object.keys(c.metrics).sort());
    for (const [name, expected] of Object.entries(c.metrics)) expect(Math.abs(actual[name] - expected)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 when every score ties', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
  });

  it('equals the pairwise definition on the tied scores of the reference', () => {
    const c = reference.classification[0];
    expect(Math.abs(rocAuc(c.scores, c.labels)! - pairwiseAuc(c.scores, c.labels))).toBeLessThanOrEqual(1e-15);
  });

  it('is undefined with one class only', () => {
    expect(rocAuc([0.1, 0.9], [1, 1])).toBeUndefined();
    expect(rocAuc([0.1, 0.9], [0, 0])).toBeUndefined();
  });
});

describe('classificationMetrics', () => {
  it('calls a score equal to the threshold positive', () => {
    expect(classificationMetrics([0.5, 0.2], [1, 0])).toMatchObject({ accuracy: 1, precision: 1, recall: 1, f1: 1 });
    expect(classificationMetrics([0.7, 0.2], [1, 0], 0.7).accuracy).toBe(1);
  });

  it('clips log loss at machine epsilon: a confidently wrong 0 or 1 costs −ln(2⁻⁵²)', () => {
    expect(classificationMetrics([0, 1], [1, 0]).log_loss).toBeCloseTo(52 * Math.LN2, 12);
    expect(classificationMetrics([1, 0], [1, 0]).log_loss).toBe(-Math.log(1 - Number.EPSILON));
  });

  it('omits precision when nothing is called positive, and recall when no label is positive', () => {
    const noCalls = classificationMetrics([0.1, 0.2, 0.3], [1, 0, 0]);
    expect(noCalls).not.toHaveProperty('precision');
    expect(noCalls).toMatchObject({ recall: 0, f1: 0 });
    const noPositives = classificationMetrics([0.1, 0.2, 0.3], [0, 0, 0]);
    expect(noPositives).not.toHaveProperty('recall');
    expect(noPositives).not.toHaveProperty('precision');
    expect(noPositives).not.toHaveProperty('f1');
    expect(noPositives).not.toHaveProperty('roc_auc');
    expect(noPositives.accuracy).toBe(1);
  });
});
