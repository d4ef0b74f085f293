import { profileFeatures, SAMPLE_SIZE } from './profile';

describe('profileFeatures', () => {
  it('profiles numbers: null rate, range, mean, quantiles and a histogram that counts every value', () => {
    const values = [...Array.from({ length: 100 }, (_, i) => i + 1), null, Number.NaN];
    const [p] = profileFeatures([{ name: 'delay', kind: 'numeric', values }]);
    expect(p).toMatchObject({ kind: 'numeric', count: 102, min: 1, max: 100, mean: 50.5 });
    if (p.kind !== 'numeric') throw new Error('numeric expected');
    expect(p.nullRate).toBeCloseTo(2 / 102, 12);
    expect(p.quantiles[5]).toBe(50);
    expect(p.histogram.counts.reduce((s, n) => s + n, 0)).toBe(100);
  });

  it('keeps every present number as its sample while there are few, and a uniform sample of SAMPLE_SIZE distinct draws beyond', () => {
    const [few] = profileFeatures([{ name: 'delay', kind: 'numeric', values: [3, null, 1, 2] }]);
    if (few.kind !== 'numeric') throw new Error('numeric expected');
    expect([...few.sample].sort()).toEqual([1, 2, 3]);

    const many = Array.from({ length: 4 * SAMPLE_SIZE }, (_, i) => i);
    const [p] = profileFeatures([{ name: 'distance', kind: 'numeric', values: many }]);
    const [again] = profileFeatures([{ name: 'distance', kind: 'numeric', values: many }]);
    if (p.kind !== 'numeric' || again.kind !== 'numeric') throw new Error('numeric expected');
    expect(p.sample).toHaveLength(SAMPLE_SIZE);
    expect(new Set(p.sample).size).toBe(SAMPLE_SIZE);
    expect(again.sample).toEqual(p.sample);
    // Uniform: the sample's mean is within 4 standard errors of the population's (sampling without replacement).
    const mean = p.sample.reduce((s, v) => s + v, 0) / SAMPLE_SIZE;
    const populationStd = Math.sqrt((many.length ** 2 - 1) / 12);
    const standardError = (populationStd / Math.sqrt(SAMPLE_SIZE)) * Math.sqrt((many.length - SAMPLE_SIZE) / (many.length - 1));
    expect(Math.abs(mean - (many.length - 1) / 2)).toBeLessThan(4 * standardError);
  });

  it('profiles categories as frequencies of the present values', () => {
    const [p] = profileFeatures([{ name: 'origin', kind: 'categorical', values: ['ATL', 'ATL', 'SFO', null] }]);
    expect(p).toEqual({ name: 'origin', kind: 'categorical', count: 4, nullRate: 0.25, frequencies: { ATL: 2 / 3, SFO: 1 / 3 }, otherFrequency: 0 });
  });
});
