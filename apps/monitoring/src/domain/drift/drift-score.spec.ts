import { featureDrift, type ReferenceColumn } from './drift-score';
import reference from './fixtures/drift-reference.json';
import { binInto, chiSquared, jensenShannonDistance, psi } from './statistics';

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
    expect(result.drifted).toBe(c.ks_pvalue < 0.05);
  });

  it('runs normed Wasserstein on a large numeric reference', () => {
    const c = sampleCase('large_5000_vs_4000');
    const result = featureDrift(numericColumn(c.reference), c.current);
    expect(result).toMatchObject({ status: 'ok', method: 'wasserstein', threshold: 0.1, referenceSize: 5000 });
    if (result.status !== 'ok') throw new Error('expected a score');
    expect(Math.abs(result.score - c.normed_wasserstein)).toBeLessThan(1e-9);
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

  describe('insufficient data, never a zero score', () => {
    const column = numericColumn(sampleCase('normal_vs_shifted').reference);

    it.each([[[]], [[1, 2, 3]], [Array.from({ length: 29 }, (_, i) => i)]])('current window of %#', (current) => {
      const result = featureDrift(column, current);
      expect(result.status).toBe('insufficient_data');
      expect(result).not.toHaveProperty('score');
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
