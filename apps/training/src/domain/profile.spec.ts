import { profileFeatures } from './profile';

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

  it('profiles categories as frequencies of the present values', () => {
    const [p] = profileFeatures([{ name: 'origin', kind: 'categorical', values: ['ATL', 'ATL', 'SFO', null] }]);
    expect(p).toEqual({ name: 'origin', kind: 'categorical', count: 4, nullRate: 0.25, frequencies: { ATL: 2 / 3, SFO: 1 / 3 }, otherFrequency: 0 });
  });
});
