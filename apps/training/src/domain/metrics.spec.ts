import { classificationMetrics, rocAuc, regressionMetrics } from './metrics';

/** ROC-AUC counted pair by pair: the definition the fast version must equal. */
function pairwiseAuc(p: number[], y: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) for (let j = 0; j < y.length; j++) if (y[i] === 1 && y[j] === 0) {
    pairs++;
    wins += p[i] > p[j] ? 1 : p[i] === p[j] ? 0.5 : 0;
  }
  return wins / pairs;
}

describe('rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 when every score ties', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
  });

  it('equals the pairwise definition on random scores with ties', () => {
    let seed = 7;
    const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const p = Array.from({ length: 300 }, () => Math.round(next() * 20) / 20);
    const y = p.map((v) => (next() < v ? 1 : 0));
    expect(rocAuc(p, y)).toBeCloseTo(pairwiseAuc(p, y), 12);
  });

  it('is undefined (NaN) with one class only', () => {
    expect(rocAuc([0.1, 0.9], [1, 1])).toBeNaN();
  });
});

describe('classificationMetrics', () => {
  it('counts the confusion matrix at the threshold', () => {
    const m = classificationMetrics([0.9, 0.6, 0.4, 0.2], [1, 0, 1, 0]);
    expect([m.accuracy, m.precision, m.recall, m.f1]).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(m.logLoss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.4) + Math.log(0.4) + Math.log(0.8)) / 4, 12);
  });
});

describe('regressionMetrics', () => {
  it('matches the scikit-learn documentation examples', () => {
    // mean_squared_error, mean_absolute_error and r2_score of y_true [3, -0.5, 2, 7], y_pred [2.5, 0.0, 2, 8].
    const m = regressionMetrics([2.5, 0, 2, 8], [3, -0.5, 2, 7]);
    expect(m.rmse).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(m.mae).toBeCloseTo(0.5, 12);
    expect(m.r2).toBeCloseTo(0.9486081370449679, 12);
    expect(regressionMetrics([1, 2], [4, 4]).r2).toBeNaN();
  });
});
