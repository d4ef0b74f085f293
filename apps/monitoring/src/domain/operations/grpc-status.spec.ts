import { grpcStatusName } from './grpc-status';

describe('grpcStatusName', () => {
  it('names the codes as gRPC does', () => {
    expect([0, 1, 2, 3, 4, 5, 8, 13, 14, 16].map(grpcStatusName)).toEqual([
      'OK',
      'CANCELLED',
      'UNKNOWN',
      'INVALID_ARGUMENT',
      'DEADLINE_EXCEEDED',
      'NOT_FOUND',
      'RESOURCE_EXHAUSTED',
      'INTERNAL',
      'UNAVAILABLE',
      'UNAUTHENTICATED',
    ]);
  });

  it('has a distinct name for each of the 17 codes', () => {
    const names = Array.from({ length: 17 }, (_, code) => grpcStatusName(code));
    expect(new Set(names).size).toBe(17);
    expect(names.some((name) => name.startsWith('CODE_'))).toBe(false);
  });

  it('names a number outside 0 to 16 CODE_<n> instead of throwing (a stored unknown code must not stop a report)', () => {
    expect([17, 99, -1, 1.5, Number.NaN].map(grpcStatusName)).toEqual(['CODE_17', 'CODE_99', 'CODE_-1', 'CODE_1.5', 'CODE_NaN']);
  });
});
