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

  it('has a distinct name for each of the 17 codes and none beyond', () => {
    expect(new Set(Array.from({ length: 17 }, (_, code) => grpcStatusName(code))).size).toBe(17);
    for (const code of [17, -1, 1.5, Number.NaN]) expect(() => grpcStatusName(code)).toThrow(`${code} is not a gRPC status code (0 to 16)`);
  });
});
