import { mostFrequentSlices } from './slices';

describe('mostFrequentSlices', () => {
  it('groups rows by value, most frequent first and ties by value, with missing values as "null"', () => {
    expect(mostFrequentSlices(['b', null, 'a', 'b', null, 'c', 'a', 'b'], 10)).toEqual([
      { value: 'b', rows: [0, 3, 7] },
      { value: 'a', rows: [2, 6] },
      { value: 'null', rows: [1, 4] },
      { value: 'c', rows: [5] },
    ]);
  });

  it('keeps only the most frequent values', () => {
    expect(mostFrequentSlices(['x', 'y', 'y', 'z', 'z', 'z'], 2).map((s) => s.value)).toEqual(['z', 'y']);
    expect(mostFrequentSlices([], 5)).toEqual([]);
  });
});
