import reference from './fixtures/drift-reference.json';
import { kolmogorovSf, smirnovSf } from './kolmogorov';

describe('Kolmogorov distribution tail', () => {
  it.each(reference.kstwo_sf.map((c) => [c.n, c.d, c.sf]))('kstwo.sf for n=%p, d=%p matches SciPy', (n, d, sf) => {
    // 1e-10: the exact Smirnov sum over 150 000 terms (n = 150 000) drifts ~1e-11 from SciPy's C code.
    expect(Math.abs(kolmogorovSf(n, d) - sf)).toBeLessThan(1e-10);
  });

  it('is 1 at d <= 1/2n and 0 at d >= 1, and NaN for a non-integral n', () => {
    expect([kolmogorovSf(10, 0.05), kolmogorovSf(10, 0), kolmogorovSf(10, 1), kolmogorovSf(10, 1.5)]).toEqual([1, 1, 0, 0]);
    expect(kolmogorovSf(2.5, 0.3)).toBeNaN();
  });

  it('has the textbook one-sided tail for n = 1: P(D+ >= d) = 1 - d', () => {
    expect(smirnovSf(1, 0.3)).toBeCloseTo(0.7, 15);
  });
});
