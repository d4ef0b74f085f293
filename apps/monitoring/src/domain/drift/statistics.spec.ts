import reference from './fixtures/drift-reference.json';
import { binInto, chiSquared, jensenShannonDistance, ksTwoSample, normedWasserstein, psi, wasserstein, zTestProportions } from './statistics';

// Figures from fixtures/generate.py (SciPy version recorded in the JSON). Exact statistics to 1e-9;
// p-values to 1e-9 absolute as well (observed error is ~1e-11 at worst, see the kolmogorov spec).
const EXACT = 1e-9;
const P_VALUE = 1e-9;

const close = (actual: number, expected: number, tolerance: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance);

describe('drift statistics against SciPy', () => {
  it('records which SciPy produced the figures', () => {
    expect(reference.scipy_version).toMatch(/^\d+\.\d+/);
  });

  describe.each(reference.samples.map((c) => [c.name, c]))('%s', (_name, c) => {
    it('Kolmogorov-Smirnov D and asymptotic p-value', () => {
      const result = ksTwoSample(c.reference, c.current);
      close(result.statistic, c.ks_statistic, EXACT);
      close(result.pValue, c.ks_pvalue, P_VALUE);
    });

    it('Wasserstein distance and its Evidently normalisation', () => {
      close(wasserstein(c.reference, c.current), c.wasserstein, EXACT * Math.max(1, c.wasserstein));
      close(normedWasserstein(c.reference, c.current), c.normed_wasserstein, EXACT);
    });
  });

  it.each(reference.jensen_shannon.map((c) => [c.name, c]))('Jensen-Shannon distance: %s', (_name, c) => {
    close(jensenShannonDistance(c.p, c.q), c.distance, EXACT);
  });

  it.each(reference.chi_squared.map((c) => [c.name, c]))('chi-squared: %s', (_name, c) => {
    const result = chiSquared(c.reference, c.current);
    close(result.statistic, c.statistic, EXACT * Math.max(1, c.statistic));
    close(result.pValue, c.pvalue, P_VALUE);
  });

  it.each(reference.z_test.map((c) => [c.name, c]))('two-proportion Z-test: %s', (_name, c) => {
    const result = zTestProportions(c.reference_hits, c.reference_total, c.current_hits, c.current_total);
    close(result.statistic, c.statistic, EXACT);
    close(result.pValue, c.pvalue, P_VALUE);
  });
});

describe('textbook values', () => {
  const sample = [0.3, 1.2, -0.7, 2.2, 0.1, 0.9, 1.5];

  it('identical samples: no distance, p = 1', () => {
    expect(ksTwoSample(sample, sample)).toEqual({ statistic: 0, pValue: 1 });
    expect(wasserstein(sample, sample)).toBe(0);
    expect(jensenShannonDistance([3, 5, 2], [3, 5, 2])).toBe(0);
    expect(psi([3, 5, 2], [6, 10, 4])).toBe(0);
    expect(chiSquared([3, 5, 2], [6, 10, 4])).toEqual({ statistic: 0, pValue: 1 });
    expect(zTestProportions(30, 100, 60, 200)).toEqual({ statistic: 0, pValue: 1 });
  });

  it('disjoint supports: KS D = 1, Jensen-Shannon distance = sqrt(ln 2)', () => {
    expect(ksTwoSample([1, 2, 3], [4, 5, 6]).statistic).toBe(1);
    expect(ksTwoSample([4, 5, 6], [1, 2, 3]).statistic).toBe(1);
    close(jensenShannonDistance([1, 0], [0, 1]), Math.sqrt(Math.LN2), 1e-15);
  });

  it('Wasserstein of two point masses is their gap; a shift by c moves it by c', () => {
    expect(wasserstein([0], [5])).toBe(5);
    close(wasserstein(sample, sample.map((v) => v + 0.25)), 0.25, 1e-15);
  });

  it('normalises Wasserstein by the population std, floored at 0.001 for a constant reference', () => {
    // std([0, 2]) = 1 (population), so normed = wd.
    close(normedWasserstein([0, 2], [1, 3]), wasserstein([0, 2], [1, 3]), 1e-15);
    close(normedWasserstein([4, 4, 4], [5, 5]), 1 / 0.001, 1e-9);
  });

  it('PSI matches a hand computation', () => {
    // shares r = [.5, .3, .2], c = [.3, .3, .4]:
    // (.5 − .3)·ln(.5/.3) + 0 + (.2 − .4)·ln(.2/.4) = .2·ln(5/3) + .2·ln 2
    close(psi([50, 30, 20], [30, 30, 40]), 0.2 * Math.log(5 / 3) + 0.2 * Math.log(2), 1e-15);
  });

  it('PSI fills an empty bin with a share of 0.0001, as Evidently does', () => {
    // r = [.5, .5, 0 → .0001], c = [.5, .25, .25]
    const expected = 0 + 0.25 * Math.log(0.5 / 0.25) + (0.0001 - 0.25) * Math.log(0.0001 / 0.25);
    close(psi([10, 10, 0], [2, 1, 1]), expected, 1e-12);
    expect(Number.isFinite(psi([10, 10, 0], [2, 1, 1]))).toBe(true);
  });

  it('chi-squared: a category new in the current window is certain drift; one absent from both is dropped', () => {
    expect(chiSquared([10, 20, 0], [10, 20, 5])).toEqual({ statistic: Infinity, pValue: 0 });
    expect(chiSquared([10, 20, 0], [10, 20, 0])).toEqual(chiSquared([10, 20], [10, 20]));
  });

  it('bins current values into the reference edges like numpy.histogram, clamping out-of-range values to the end bins', () => {
    expect(binInto([0, 1, 2, 3], [0, 0.5, 1, 1.99, 2, 3])).toEqual([2, 2, 2]);
    expect(binInto([0, 1, 2, 3], [-10, 3.5, 1e9])).toEqual([1, 0, 2]);
  });

  it('refuses empty inputs rather than returning a fake zero', () => {
    expect(() => ksTwoSample([], [1])).toThrow();
    expect(() => wasserstein([1], [])).toThrow();
    expect(() => jensenShannonDistance([0, 0], [1, 1])).toThrow();
    expect(() => chiSquared([1, 2], [0, 0])).toThrow();
    expect(() => zTestProportions(0, 0, 1, 2)).toThrow();
  });
});
