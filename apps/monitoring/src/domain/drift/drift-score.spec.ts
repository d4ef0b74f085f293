import { featureDrift, type ReferenceColumn } from './drift-score';
import reference from './fixtures/drift-reference.json';
import { binInto, chiSquared, jensenShannonDistance, psi, zTestProportions } from './statistics';

const sampleCase = (name: string) => {
  const found = reference.samples.find((c) => c.name === name);
  if (!found) throw new Error(`no fixture ${name}`);
  return found;
};

function numericColumn(values: number[]): ReferenceColumn {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const binEdges = Array.from({ length: 11 }, (_, i) => min + ((max - min) * i) / 10);
  return { kind: 'numeric', sampleValues: values, binEdges, binCounts: binInto(binEdges, values) };
}

const repeat = (value: string, times: number) => Array.from({ length: times }, () => value);

describe('featureDrift', () => {
  it('runs KS on a small numeric reference and reports the SciPy p-value', () => {
    const c = sampleCase('normal_vs_shifted');
    const result = featureDrift(numericColumn(c.reference), c.current);
    expect(result).toMatchObject({ status: 'ok', method: 'ks', threshold: 0.05, referenceSize: 200, currentSize: 150 });
    if (result.status !== 'ok') throw new Error('expected a score');
    expect(Math.abs(result.score - c.ks_pvalue)).toBeLessThan(1e-9);
    expect(result.pValue).toBe(result.score);
    expect(Math.abs(result.statistic - c.ks_statistic)).toBeLessThan(1e-9);
    expect(result.drifted).toBe(c.ks_pvalue < 0.05);
  });

  it('runs normed Wasserstein on a large numeric reference', () => {
    const c = sampleCase('large_5000_vs_4000');
    const result = featureDrift(numericColumn(c.reference), c.current);
    expect(result).toMatchObject({ status: 'ok', method: 'wasserstein', threshold: 0.1, referenceSize: 5000 });
    if (result.status !== 'ok') throw new Error('expected a score');
    expect(Math.abs(result.score - c.normed_wasserstein)).toBeLessThan(1e-9);
    expect(result.statistic).toBe(result.score);
    expect(result).toHaveProperty('pValue', undefined);
  });

  it('treats a numeric column with few distinct values as categories (chi-squared)', () => {
    const c = sampleCase('discrete_few_values');
    const result = featureDrift(numericColumn(c.reference), c.current);
    expect(result).toMatchObject({ status: 'ok', method: 'chi_squared' });
  });

  it('uses chi-squared on a small categorical reference, Jensen-Shannon on a large one', () => {
    const small: ReferenceColumn = { kind: 'categorical', categories: [{ value: 'a', count: 50 }, { value: 'b', count: 30 }, { value: 'c', count: 20 }], otherCount: 0 };
    const current = [...repeat('a', 40), ...repeat('b', 35), ...repeat('c', 25)];
    const chi = featureDrift(small, current);
    expect(chi).toMatchObject({ status: 'ok', method: 'chi_squared', score: chiSquared([50, 30, 20], [40, 35, 25]).pValue, drifted: false });

    const large: ReferenceColumn = { kind: 'categorical', categories: [{ value: 'a', count: 5000 }, { value: 'b', count: 3000 }, { value: 'c', count: 2000 }], otherCount: 0 };
    expect(featureDrift(large, current)).toMatchObject({ status: 'ok', method: 'jensen_shannon', score: jensenShannonDistance([50, 30, 20], [40, 35, 25]) });
  });

  it('uses the Z-test on a small binary column', () => {
    const binary: ReferenceColumn = { kind: 'categorical', categories: [{ value: 'false', count: 700 }, { value: 'true', count: 300 }], otherCount: 0 };
    const result = featureDrift(binary, [...repeat('false', 40), ...repeat('true', 60)]);
    expect(result).toMatchObject({ status: 'ok', method: 'z_test', drifted: true });
  });

  it('a category never seen in the reference is drift; unlisted values fold into the long tail when there is one', () => {
    const closed: ReferenceColumn = { kind: 'categorical', categories: [{ value: 'a', count: 60 }, { value: 'b', count: 40 }], otherCount: 0 };
    const withNew = [...repeat('a', 30), ...repeat('b', 20), ...repeat('zz', 5)];
    expect(featureDrift(closed, withNew, { method: 'chi_squared' })).toMatchObject({ status: 'ok', score: 0, drifted: true });

    const tail: ReferenceColumn = { kind: 'categorical', categories: [{ value: 'a', count: 50 }, { value: 'b', count: 30 }], otherCount: 20 };
    const folded = featureDrift(tail, [...repeat('a', 50), ...repeat('b', 30), ...repeat('x', 10), ...repeat('y', 10)]);
    expect(folded).toMatchObject({ status: 'ok', method: 'chi_squared', score: 1, drifted: false });
  });

  it('computes PSI over the reference histogram when asked', () => {
    const c = sampleCase('large_5000_vs_4000');
    const column = numericColumn(c.reference);
    if (column.kind !== 'numeric') throw new Error('numeric');
    const result = featureDrift(column, c.current, { method: 'psi' });
    expect(result).toMatchObject({ status: 'ok', method: 'psi', threshold: 0.1, score: psi([...column.binCounts], binInto(column.binEdges, c.current)) });
  });

  it('honours a custom threshold', () => {
    const c = sampleCase('normal_vs_shifted');
    expect(featureDrift(numericColumn(c.reference), c.current, { threshold: 1e-12 })).toMatchObject({ method: 'ks', threshold: 1e-12, drifted: false });
  });

  describe('statistic and p-value against SciPy (fixtures/drift-reference.json)', () => {
    // Forced methods and minimum sizes of 1, so every fixture case runs through featureDrift.
    const anySize = { minCurrentSize: 1, minReferenceSize: 1 };
    const ok = (result: ReturnType<typeof featureDrift>) => {
      if (result.status !== 'ok') throw new Error(`expected a score, got ${result.reason}`);
      return result;
    };
    const close = (actual: number | undefined, expected: number, tolerance: number) => {
      expect(actual).toBeDefined();
      expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(tolerance);
    };
    /** A categorical reference with one category per count, named so that sorting keeps their order. */
    const categorical = (counts: readonly number[]): ReferenceColumn => ({
      kind: 'categorical', categories: counts.map((count, i) => ({ value: `c${String(i).padStart(2, '0')}`, count })), otherCount: 0,
    });
    const window = (counts: readonly number[]) => counts.flatMap((count, i) => repeat(`c${String(i).padStart(2, '0')}`, count));

    it.each(reference.samples.map((c) => [c.name, c]))('KS: %s — statistic is D, pValue and score the p-value', (_name, c) => {
      const result = ok(featureDrift(numericColumn(c.reference), c.current, { ...anySize, method: 'ks' }));
      close(result.statistic, c.ks_statistic, 1e-9);
      close(result.pValue, c.ks_pvalue, 1e-9);
      expect(result.score).toBe(result.pValue);
      expect(result.drifted).toBe(c.ks_pvalue < 0.05);
    });

    it.each(reference.samples.map((c) => [c.name, c]))('Wasserstein: %s — statistic and score are the normed distance, no p-value', (_name, c) => {
      const result = ok(featureDrift(numericColumn(c.reference), c.current, { ...anySize, method: 'wasserstein' }));
      close(result.statistic, c.normed_wasserstein, 1e-9);
      expect(result.pValue).toBeUndefined();
      expect(result.score).toBe(result.statistic);
    });

    it.each(reference.chi_squared.map((c) => [c.name, c]))('chi-squared: %s — statistic and p-value', (_name, c) => {
      const result = ok(featureDrift(categorical(c.reference), window(c.current), { ...anySize, method: 'chi_squared' }));
      close(result.statistic, c.statistic, 1e-9 * Math.max(1, c.statistic));
      close(result.pValue, c.pvalue, 1e-9);
      expect(result.score).toBe(result.pValue);
    });

    it.each(reference.z_test.map((c) => [c.name, c]))('Z-test: %s — signed z (reference share minus current share) and p-value', (_name, c) => {
      const column = categorical([c.reference_hits, c.reference_total - c.reference_hits]);
      const current = window([c.current_hits, c.current_total - c.current_hits]);
      const result = ok(featureDrift(column, current, { ...anySize, method: 'z_test' }));
      close(result.statistic, c.statistic, 1e-9);
      close(result.pValue, c.pvalue, 1e-9);
      expect(result.score).toBe(result.pValue);
    });

    it.each(reference.jensen_shannon.map((c) => [c.name, c]))('Jensen-Shannon: %s — statistic and score are the distance, no p-value', (_name, c) => {
      const result = ok(featureDrift(categorical(c.p), window(c.q), { ...anySize, method: 'jensen_shannon' }));
      close(result.statistic, c.distance, 1e-9);
      expect(result.pValue).toBeUndefined();
      expect(result.score).toBe(result.statistic);
    });

    it('PSI: statistic and score are the index, no p-value', () => {
      const result = ok(featureDrift(categorical([50, 30, 20]), window([30, 30, 40]), { ...anySize, method: 'psi' }));
      close(result.statistic, 0.2 * Math.log(5 / 3) + 0.2 * Math.log(2), 1e-15);
      expect(result.pValue).toBeUndefined();
      expect(result.score).toBe(result.statistic);
    });

    it('a numeric column of few values gets the chi-squared statistic of its values as categories', () => {
      const values = (counts: number[]) => counts.flatMap((count, value) => Array.from({ length: count }, () => value));
      const result = ok(featureDrift(numericColumn(values([40, 30, 30])), values([30, 30, 40])));
      expect(result.method).toBe('chi_squared');
      // Expected 40/30/30, observed 30/30/40: 10²/40 + 0 + 10²/30 = 35/6.
      close(result.statistic, 35 / 6, 1e-12);
      expect(result.pValue).toBe(chiSquared([40, 30, 30], [30, 30, 40]).pValue);
    });

    it('a category the reference lacks: chi-squared statistic +Infinity, p-value 0, drifted', () => {
      const result = ok(featureDrift(categorical([60, 40]), [...window([30, 20]), ...repeat('zz', 5)], { method: 'chi_squared' }));
      expect(result).toMatchObject({ statistic: Number.POSITIVE_INFINITY, pValue: 0, score: 0, drifted: true });
    });

    it('the automatically chosen Z-test carries its z as well', () => {
      const binary: ReferenceColumn = { kind: 'categorical', categories: [{ value: 'false', count: 700 }, { value: 'true', count: 300 }], otherCount: 0 };
      const result = ok(featureDrift(binary, [...repeat('false', 40), ...repeat('true', 60)]));
      const expected = zTestProportions(700, 1000, 40, 100);
      expect(result).toMatchObject({ method: 'z_test', statistic: expected.statistic, pValue: expected.pValue, score: expected.pValue });
      expect(result.statistic).toBeGreaterThan(0);
    });
  });

  describe('insufficient data, never a zero score', () => {
    const column = numericColumn(sampleCase('normal_vs_shifted').reference);

    it.each([[[]], [[1, 2, 3]], [Array.from({ length: 29 }, (_, i) => i)]])('current window of %#', (current) => {
      const result = featureDrift(column, current);
      expect(result.status).toBe('insufficient_data');
      expect(result).not.toHaveProperty('score');
      expect(result).not.toHaveProperty('statistic');
      expect(result).not.toHaveProperty('pValue');
    });

    it('an empty categorical window', () => {
      const cat: ReferenceColumn = { kind: 'categorical', categories: [{ value: 'a', count: 100 }], otherCount: 0 };
      expect(featureDrift(cat, [])).toMatchObject({ status: 'insufficient_data', currentSize: 0 });
    });

    it('a reference that is too small, and a configurable minimum', () => {
      const tiny = numericColumn([1, 2, 3, 4, 5, 6, 7]);
      expect(featureDrift(tiny, Array.from({ length: 50 }, (_, i) => i))).toMatchObject({ status: 'insufficient_data', referenceSize: 7 });
      expect(featureDrift(tiny, [1, 2, 3, 4, 5, 6, 7, 8, 9], { minReferenceSize: 5, minCurrentSize: 5 })).toMatchObject({ status: 'ok', method: 'ks' });
    });

    it('a reference whose reservoir is too small for a sample test', () => {
      const thin: ReferenceColumn = { kind: 'numeric', sampleValues: [1, 2, 3, 4, 5, 6, 7], binEdges: [0, 10], binCounts: [5000] };
      expect(featureDrift(thin, Array.from({ length: 50 }, (_, i) => i))).toMatchObject({ status: 'insufficient_data' });
    });
  });
});
