import { type ColumnReference, columnQuality, windowQuality } from './data-quality';

const distance: ColumnReference = { name: 'distance', kind: 'numeric', min: 100, max: 2_500 };
const origin = (complete: boolean): ColumnReference => ({ name: 'origin', kind: 'categorical', categories: new Set(['SFO', 'JFK']), complete });

describe('columnQuality', () => {
  it('counts nulls (and NaN) as missing, numbers outside the reference range, and values of the wrong type', () => {
    expect(columnQuality(distance, [150, null, Number.NaN, 99.5, 2_600, 'far', 2_500, 100])).toEqual({
      name: 'distance', count: 8, nullCount: 2, nullRate: 0.25, outOfRange: 2, unseen: undefined, typeViolations: 1,
    });
  });

  it('counts categories the reference never saw when the reference lists every category', () => {
    expect(columnQuality(origin(true), ['SFO', 'ORD', 'JFK', 'ORD', null, 12])).toMatchObject({ count: 6, nullCount: 1, unseen: 2, typeViolations: 1 });
  });

  it('cannot tell unseen categories when the reference had a long tail, and says so instead of guessing 0', () => {
    expect(columnQuality(origin(false), ['ORD']).unseen).toBeUndefined();
  });

  it('reports an empty window as empty: counts 0, rates 0', () => {
    expect(columnQuality(distance, [])).toEqual({ name: 'distance', count: 0, nullCount: 0, nullRate: 0, outOfRange: 0, unseen: undefined, typeViolations: 0 });
  });
});

describe('windowQuality', () => {
  it('checks every reference column, and names reference columns never logged and logged columns the reference does not know', () => {
    const quality = windowQuality([distance, origin(true)], [{ distance: 300, carrier: 'AA' }, { distance: null, carrier: 'UA', dep_hour: 5 }]);
    expect(quality.columns.map((c) => [c.name, c.nullCount])).toEqual([['distance', 1], ['origin', 2]]);
    expect(quality.missingColumns).toEqual(['origin']);
    expect(quality.unexpectedColumns).toEqual(['carrier', 'dep_hour']);
  });

  it('names no missing column for an empty window (nothing was logged to miss)', () => {
    expect(windowQuality([distance], [])).toEqual({ columns: [expect.objectContaining({ count: 0 })], missingColumns: [], unexpectedColumns: [] });
  });
});
