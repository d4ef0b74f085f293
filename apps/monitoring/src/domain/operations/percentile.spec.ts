import { percentile } from './percentile';

describe('percentile', () => {
  it('interpolates linearly between the closest ranks, as numpy.percentile', () => {
    // numpy.percentile([1, 2, 3, 4], [0, 25, 50, 90, 100]) = [1, 1.75, 2.5, 3.7, 4]
    const values = [1, 2, 3, 4];
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 25)).toBe(1.75);
    expect(percentile(values, 50)).toBe(2.5);
    expect(percentile(values, 90)).toBeCloseTo(3.7, 15);
    expect(percentile(values, 100)).toBe(4);
  });

  it('is the value itself for a single value', () => {
    expect(percentile([42], 99)).toBe(42);
  });
});
