import reference from './fixtures/performance-reference.json';
import { regressionMetrics } from './regression-metrics';

describe('regressionMetrics', () => {
  it.each(reference.regression.map((c) => [c.name, c] as const))('matches scikit-learn: %s', (_name, c) => {
    const actual = regressionMetrics(c.predictions, c.labels);
    // Relative: the large-scale case has errors in the hundreds.
    expect(Math.abs(actual.rmse - c.metrics.rmse)).toBeLessThanOrEqual(1e-9 * Math.max(1, c.metrics.rmse));
    expect(Math.abs(actual.mae - c.metrics.mae)).toBeLessThanOrEqual(1e-9 * Math.max(1, c.metrics.mae));
  });

  it('matches the scikit-learn documentation example', () => {
    // mean_squared_error and mean_absolute_error of y_true [3, -0.5, 2, 7], y_pred [2.5, 0.0, 2, 8].
    const m = regressionMetrics([2.5, 0, 2, 8], [3, -0.5, 2, 7]);
    expect(m.rmse).toBeCloseTo(Math.sqrt(0.375), 15);
    expect(m.mae).toBe(0.5);
  });
});
