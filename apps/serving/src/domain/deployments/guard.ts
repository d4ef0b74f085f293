import { type RollbackGuard } from '../deployment';

/** Request statistics of one arm over a window. */
export interface ArmSummary {
  requests: number;
  errors: number;
  /** errors / requests; 0 without requests. */
  errorRate: number;
  /** Upper bound of the histogram bin holding the 99th percentile (at most 5 % above it); 0 without requests. */
  p99Ms: number;
}

export type GuardVerdict = 'insufficient' | 'pass' | 'fail';

/** A comparison of the canary against stable, as in the `deployment changed` event. */
export interface GuardCheck {
  metric: 'error_rate' | 'latency_p99_ms';
  canaryValue: number;
  stableValue: number;
  /** The most the canary may reach. */
  limit: number;
  passed: boolean;
}

export interface GuardEvaluation {
  verdict: GuardVerdict;
  /** Empty when the verdict is insufficient. */
  checks: GuardCheck[];
}

/**
 * Latency bins: upper bounds from 0.01 ms growing by 5 % until 60 s is covered (321 bins). Reporting a bin's
 * upper bound overstates a latency above 0.01 ms by less than 5 %; latencies beyond the last bound count in the last bin.
 */
const SMALLEST_BOUND_MS = 0.01;
const LARGEST_LATENCY_MS = 60_000;
const GROWTH = 1.05;
const BIN_COUNT = Math.ceil(Math.log(LARGEST_LATENCY_MS / SMALLEST_BOUND_MS) / Math.log(GROWTH)) + 1;
const BIN_BOUNDS = Array.from({ length: BIN_COUNT }, (_, i) => SMALLEST_BOUND_MS * GROWTH ** i);
const LAST_BIN = BIN_COUNT - 1;

/** The first bin whose upper bound is >= latency. */
function binOf(latencyMs: number): number {
  if (!(latencyMs > SMALLEST_BOUND_MS)) return 0;
  let bin = Math.min(LAST_BIN, Math.ceil(Math.log(latencyMs / SMALLEST_BOUND_MS) / Math.log(GROWTH)));
  // The logarithm may land one bin off at a bound; the bounds themselves decide.
  while (bin > 0 && latencyMs <= BIN_BOUNDS[bin - 1]) bin--;
  while (bin < LAST_BIN && latencyMs > BIN_BOUNDS[bin]) bin++;
  return bin;
}

interface Bucket {
  startMs: number;
  requests: number;
  errors: number;
  latencyCounts: Uint32Array;
}

/** Buckets a default window holds at most: about 1.3 kB each, so under 1 MB per arm. */
const MAX_DEFAULT_BUCKETS = 600;

/**
 * One arm's requests in fixed time buckets, kept for at most `horizonMs`: memory is bounded by the horizon
 * (at most horizonMs / bucketMs + 1 buckets of about 1.3 kB each), never by the traffic. Buckets default to
 * 1 s, longer when the horizon would need more than 600 of them (6 s for an hour).
 */
export class ArmWindow {
  /** Oldest first. */
  private readonly buckets: Bucket[] = [];

  constructor(
    private readonly horizonMs: number,
    private readonly bucketMs = Math.max(1_000, Math.ceil(horizonMs / MAX_DEFAULT_BUCKETS)),
  ) {
    if (!(bucketMs > 0 && horizonMs >= bucketMs)) throw new RangeError(`an arm window needs bucketMs > 0 and horizonMs >= bucketMs (got ${bucketMs} and ${horizonMs})`);
  }

  /** Buckets held, for a memory gauge. */
  get bucketCount(): number {
    return this.buckets.length;
  }

  /** Counts a finished request. A failed one counts in the latency too: the p99 is what callers waited, the error rate judges the failures. */
  record(nowMs: number, latencyMs: number, failed: boolean): void {
    const startMs = Math.floor(nowMs / this.bucketMs) * this.bucketMs;
    let bucket = this.buckets.at(-1);
    if (!bucket || startMs > bucket.startMs) {
      bucket = { startMs, requests: 0, errors: 0, latencyCounts: new Uint32Array(BIN_COUNT) };
      this.buckets.push(bucket);
      this.expire(startMs);
    }
    // A clock stepping back puts the request in the newest bucket rather than reopening an old one.
    bucket.requests++;
    if (failed) bucket.errors++;
    bucket.latencyCounts[binOf(latencyMs)]++;
  }

  /** Statistics of the buckets overlapping the last `windowMs` (to bucket resolution, and at most the horizon). */
  summary(nowMs: number, windowMs: number): ArmSummary {
    const fromMs = nowMs - Math.min(windowMs, this.horizonMs);
    let requests = 0;
    let errors = 0;
    const latencyCounts = new Float64Array(BIN_COUNT);
    for (const bucket of this.buckets) {
      if (bucket.startMs + this.bucketMs <= fromMs || bucket.startMs > nowMs) continue;
      requests += bucket.requests;
      errors += bucket.errors;
      bucket.latencyCounts.forEach((count, bin) => (latencyCounts[bin] += count));
    }
    return { requests, errors, errorRate: requests === 0 ? 0 : errors / requests, p99Ms: requests === 0 ? 0 : quantileBound(latencyCounts, requests, 0.99) };
  }

  private expire(newestStartMs: number): void {
    while (this.buckets[0].startMs + this.bucketMs <= newestStartMs - this.horizonMs) this.buckets.shift();
  }
}

/** Upper bound of the bin holding the nearest-rank quantile. */
function quantileBound(counts: Float64Array, total: number, quantile: number): number {
  const rank = Math.ceil(quantile * total);
  let seen = 0;
  for (let bin = 0; bin < LAST_BIN; bin++) {
    seen += counts[bin];
    if (seen >= rank) return BIN_BOUNDS[bin];
  }
  return BIN_BOUNDS[LAST_BIN];
}

/**
 * Compares a canary with stable over the same window. Insufficient until the canary has `minRequests`
 * (at least one) and stable has any, since a verdict on too few requests is noise; otherwise it fails when
 * the canary's error rate exceeds stable's plus `maxErrorRateIncrease`, or its p99 exceeds stable's times
 * 1 + `maxP99LatencyIncrease`. Whether the guard is enabled is the caller's decision.
 */
export function evaluateGuard(guard: RollbackGuard, canary: ArmSummary, stable: ArmSummary): GuardEvaluation {
  if (canary.requests < Math.max(1, guard.minRequests) || stable.requests === 0) return { verdict: 'insufficient', checks: [] };
  const checks = [
    check('error_rate', canary.errorRate, stable.errorRate, stable.errorRate + guard.maxErrorRateIncrease),
    check('latency_p99_ms', canary.p99Ms, stable.p99Ms, stable.p99Ms * (1 + guard.maxP99LatencyIncrease)),
  ];
  return { verdict: checks.every((c) => c.passed) ? 'pass' : 'fail', checks };
}

const check = (metric: GuardCheck['metric'], canaryValue: number, stableValue: number, limit: number): GuardCheck => ({ metric, canaryValue, stableValue, limit, passed: canaryValue <= limit });

const fmt = (n: number) => Number(n.toPrecision(4)).toString();

/** The failed checks in words, for the reason of an automatic rollback. */
export function describeFailedChecks(checks: GuardCheck[]): string {
  return checks
    .filter((c) => !c.passed)
    .map((c) => `canary ${c.metric} ${fmt(c.canaryValue)} > limit ${fmt(c.limit)} (stable ${fmt(c.stableValue)})`)
    .join('; ');
}
