import { grpcStatusName } from './grpc-status';
import { percentile } from './percentile';

export interface WindowOperationsInput {
  /** Server-side latency of every request in the window, failed ones included. */
  latenciesMs: ArrayLike<number>;
  /** gRPC status code of each request, aligned with the latencies; 0 = OK. */
  statusCodes: ArrayLike<number>;
  /** Length of the window, for throughput. */
  windowSeconds: number;
}

export interface WindowOperations {
  requestCount: number;
  errorCount: number;
  errorRate: number;
  /** Requests per second over the whole window. */
  throughput: number;
  /** Undefined for an empty window: there is no latency to report, and 0 would look like a fast service. */
  latencyP50Ms: number | undefined;
  latencyP90Ms: number | undefined;
  latencyP99Ms: number | undefined;
  /** Failed requests by gRPC status code name (e.g. "UNAVAILABLE"); codes that did not occur are absent. */
  errorsByCode: Record<string, number>;
}

const OK = 0;

/**
 * Operational health of a model over one window of requests. Latency percentiles include failed
 * requests: a request that timed out or was rejected still cost its caller that long, and leaving
 * them out would make a failing service look fast. An empty window has counts and rates of 0.
 */
export function windowOperations(input: WindowOperationsInput): WindowOperations {
  const { latenciesMs, statusCodes, windowSeconds } = input;
  if (latenciesMs.length !== statusCodes.length) throw new Error(`latenciesMs has ${latenciesMs.length} values but statusCodes has ${statusCodes.length}`);
  if (!(windowSeconds > 0 && Number.isFinite(windowSeconds))) throw new Error(`windowSeconds must be a positive number, got ${windowSeconds}`);

  const errorsByCode: Record<string, number> = {};
  let errorCount = 0;
  for (let i = 0; i < statusCodes.length; i++) {
    if (statusCodes[i] === OK) continue;
    const name = grpcStatusName(statusCodes[i]);
    errorCount++;
    errorsByCode[name] = (errorsByCode[name] ?? 0) + 1;
  }
  const sorted = Float64Array.from(latenciesMs).sort();
  // Sorted, a NaN or +Infinity sits last and anything negative first, so the two ends decide.
  if (sorted.length > 0 && !(sorted[0] >= 0 && Number.isFinite(sorted[sorted.length - 1]))) throw new Error('latenciesMs must be finite, non-negative numbers');
  const latencyAt = (q: number) => (sorted.length === 0 ? undefined : percentile(sorted, q));
  const requestCount = statusCodes.length;
  return {
    requestCount,
    errorCount,
    errorRate: requestCount === 0 ? 0 : errorCount / requestCount,
    throughput: requestCount / windowSeconds,
    latencyP50Ms: latencyAt(50),
    latencyP90Ms: latencyAt(90),
    latencyP99Ms: latencyAt(99),
    errorsByCode,
  };
}
