import { splitBySize } from './outbox-relay';

const row = (id: number, bytes: number) => ({ id, payload: Buffer.alloc(bytes) });

describe('splitBySize', () => {
  it('keeps order and puts as many rows in a part as fit the limit', () => {
    const parts = splitBySize([row(1, 400), row(2, 400), row(3, 400), row(4, 100)], 1000);
    expect(parts.map((p) => p.map((r) => r.id))).toEqual([[1, 2], [3, 4]]);
  });

  it('sends a row larger than the limit alone rather than dropping it', () => {
    expect(splitBySize([row(1, 10), row(2, 5000), row(3, 10)], 1000).map((p) => p.map((r) => r.id))).toEqual([[1], [2], [3]]);
  });

  it('has no parts for no rows', () => {
    expect(splitBySize([], 1000)).toEqual([]);
  });
});
