import reference from '../performance/fixtures/performance-reference.json';
import { grpcStatusName } from './grpc-status';
import { windowOperations } from './operations';

// Percentiles from numpy.percentile in ../performance/fixtures/generate.py.
const close = (actual: number | undefined, expected: number) => expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));

describe('windowOperations against numpy', () => {
  it.each(reference.operations.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = windowOperations({ latenciesMs: c.latencies_ms, statusCodes: c.status_codes, windowSeconds: c.window_seconds });
    expect(result.requestCount).toBe(c.request_count);
    expect(result.errorCount).toBe(c.error_count);
    close(result.errorRate, c.error_rate);
    close(result.throughput, c.throughput);
    close(result.latencyP50Ms, c.latency_p50_ms);
    close(result.latencyP90Ms, c.latency_p90_ms);
    close(result.latencyP99Ms, c.latency_p99_ms);
    expect(result.errorsByCode).toEqual(Object.fromEntries(Object.entries(c.errors_by_code_number).map(([code, count]) => [grpcStatusName(Number(code)), count])));
  });
});

describe('windowOperations', () => {
  it('keys errors by gRPC code name and leaves OK out', () => {
    const result = windowOperations({ latenciesMs: [5, 6, 7, 8, 9], statusCodes: [0, 3, 14, 3, 0], windowSeconds: 10 });
    expect(result).toMatchObject({ requestCount: 5, errorCount: 3, errorRate: 0.6, throughput: 0.5, errorsByCode: { INVALID_ARGUMENT: 2, UNAVAILABLE: 1 } });
  });

  it('counts a code gRPC does not define as an error under CODE_<n>, without stopping the window', () => {
    const result = windowOperations({ latenciesMs: [5, 6, 7, 8], statusCodes: [0, 17, 17, 14], windowSeconds: 10 });
    expect(result).toMatchObject({ requestCount: 4, errorCount: 3, errorRate: 0.75, errorsByCode: { CODE_17: 2, UNAVAILABLE: 1 } });
  });

  it('counts the latency of failed requests too', () => {
    const result = windowOperations({ latenciesMs: [10, 20, 30_000], statusCodes: [0, 0, 4], windowSeconds: 60 });
    expect(result.latencyP50Ms).toBe(20);
    expect(result.latencyP99Ms).toBeCloseTo(20 + 0.98 * 29_980, 9);
  });

  it('reports an empty window as zero traffic with no latency percentiles', () => {
    expect(windowOperations({ latenciesMs: [], statusCodes: [], windowSeconds: 60 })).toEqual({
      requestCount: 0,
      errorCount: 0,
      errorRate: 0,
      throughput: 0,
      latencyP50Ms: undefined,
      latencyP90Ms: undefined,
      latencyP99Ms: undefined,
      errorsByCode: {},
    });
  });

  it('throws on inputs that do not line up or make no sense', () => {
    expect(() => windowOperations({ latenciesMs: [1, 2], statusCodes: [0], windowSeconds: 1 })).toThrow('latenciesMs has 2 values but statusCodes has 1');
    expect(() => windowOperations({ latenciesMs: [1], statusCodes: [0], windowSeconds: 0 })).toThrow('windowSeconds must be a positive number, got 0');
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => windowOperations({ latenciesMs: [1, bad], statusCodes: [0, 0], windowSeconds: 1 })).toThrow('latenciesMs must be finite, non-negative numbers');
    }
  });
});
