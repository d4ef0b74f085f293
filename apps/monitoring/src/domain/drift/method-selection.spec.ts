import { chooseMethod, methodRule } from './method-selection';

describe('drift method selection (Evidently defaults)', () => {
  it.each([
    ['numeric', 1000, 6, 'ks', 0.05],
    ['numeric', 1001, 6, 'wasserstein', 0.1],
    ['numeric', 1000, 5, 'chi_squared', 0.05],
    ['numeric', 1001, 5, 'jensen_shannon', 0.1],
    ['numeric', 1000, 2, 'z_test', 0.05],
    ['numeric', 1001, 2, 'jensen_shannon', 0.1],
    ['categorical', 1000, 3, 'chi_squared', 0.05],
    ['categorical', 1000, 2, 'z_test', 0.05],
    ['categorical', 1000, 1, 'z_test', 0.05],
    ['categorical', 1001, 2, 'jensen_shannon', 0.1],
    ['categorical', 1001, 50, 'jensen_shannon', 0.1],
    ['categorical', 30, 500, 'chi_squared', 0.05],
  ] as const)('%s, %d rows, %d unique values -> %s at %d', (kind, referenceSize, uniqueValues, method, threshold) => {
    const choice = chooseMethod({ kind, referenceSize, uniqueValues });
    expect([choice.method, choice.threshold]).toEqual([method, threshold]);
  });

  it('p-value tests drift below the threshold, distances at or above it', () => {
    const ks = chooseMethod({ kind: 'numeric', referenceSize: 500, uniqueValues: 100 });
    expect([ks.drifted(0.049), ks.drifted(0.05), ks.drifted(0.5)]).toEqual([true, false, false]);
    const wd = chooseMethod({ kind: 'numeric', referenceSize: 5000, uniqueValues: 100 });
    expect([wd.drifted(0.099), wd.drifted(0.1), wd.drifted(2)]).toEqual([false, true, true]);
  });

  it('keeps PSI as an explicit choice with threshold 0.1, and takes a custom threshold', () => {
    const rule = methodRule('psi');
    expect([rule.method, rule.threshold, rule.drifted(0.1), rule.drifted(0.09)]).toEqual(['psi', 0.1, true, false]);
    expect(methodRule('ks', 0.01).drifted(0.02)).toBe(false);
  });
});
