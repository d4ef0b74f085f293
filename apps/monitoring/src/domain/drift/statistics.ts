import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { kolmogorovSf } from './kolmogorov';

/** A test's statistic and its p-value. */
export interface TestResult {
  statistic: number;
  pValue: number;
}

function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** Round half to even, as numpy.round does. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Two-sample Kolmogorov-Smirnov test, two-sided, as `scipy.stats.ks_2samp(method='asymp')`:
 * D = sup |F_ref - F_cur| over the pooled values, p = kstwo.sf(D, round(m·n / (m + n))).
 */
export function ksTwoSample(reference: ArrayLike<number>, current: ArrayLike<number>): TestResult {
  const a = sorted(reference);
  const b = sorted(current);
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error('ksTwoSample needs two non-empty samples');
  let i = 0;
  let j = 0;
  let d = 0;
  // Step both ECDFs past each distinct value (ties move together, like searchsorted 'right').
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    while (i < n1 && a[i] <= v) i++;
    while (j < n2 && b[j] <= v) j++;
    d = Math.max(d, Math.abs(i / n1 - j / n2));
  }
  // SciPy rounds the effective size half-to-even; 1 vs 1 would round to 0, where kstwo is undefined.
  const en = Math.max(1, roundHalfEven((n1 * n2) / (n1 + n2)));
  return { statistic: d, pValue: kolmogorovSf(en, d) };
}

/** First Wasserstein distance of two 1-D samples, as `scipy.stats.wasserstein_distance(u, v)`. */
export function wasserstein(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const a = sorted(reference);
  const b = sorted(current);
  if (a.length === 0 || b.length === 0) throw new Error('wasserstein needs two non-empty samples');
  const all = new Float64Array(a.length + b.length);
  all.set(a);
  all.set(b, a.length);
  all.sort();
  let i = 0;
  let j = 0;
  let total = 0;
  for (let k = 0; k < all.length - 1; k++) {
    while (i < a.length && a[i] <= all[k]) i++;
    while (j < b.length && b[j] <= all[k]) j++;
    total += Math.abs(i / a.length - j / b.length) * (all[k + 1] - all[k]);
  }
  return total;
}

/** Evidently's floor on the reference std, so a constant reference does not divide by zero. */
export const MIN_NORMALISING_STD = 0.001;

/**
 * Wasserstein distance in units of the reference's population standard deviation, as Evidently's
 * `wasserstein_distance_norm`: wd / max(np.std(reference), 0.001).
 */
export function normedWasserstein(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  return wasserstein(reference, current) / Math.max(populationStd(reference), MIN_NORMALISING_STD);
}

function populationStd(values: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i];
  mean /= values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += (values[i] - mean) ** 2;
  return Math.sqrt(ss / values.length);
}

function shares(counts: readonly number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  if (!(total > 0)) throw new Error('counts must have a positive total');
  return counts.map((c) => c / total);
}

function sameLength(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length || a.length === 0) throw new Error('count vectors must be non-empty and aligned');
}

/**
 * Evidently's zero-share fill (get_binned_data): a 0 share becomes 0.0001, or the smallest non-zero
 * share / 1e6 when that is itself <= 0.0001, so log(ref / cur) stays finite. Not renormalised.
 */
function fillZeroShares(values: number[]): number[] {
  const smallest = Math.min(...values.filter((v) => v > 0));
  const fill = smallest <= 0.0001 ? smallest / 1e6 : 0.0001;
  return values.map((v) => (v === 0 ? fill : v));
}

/** Population stability index over aligned bins or categories: Σ (r − c)·ln(r / c) on shares. */
export function psi(referenceCounts: readonly number[], currentCounts: readonly number[]): number {
  sameLength(referenceCounts, currentCounts);
  const r = fillZeroShares(shares(referenceCounts));
  const c = fillZeroShares(shares(currentCounts));
  return r.reduce((sum, ri, i) => sum + (ri - c[i]) * Math.log(ri / c[i]), 0);
}

/**
 * Counts of `values` in the bins of the reference histogram, numpy.histogram style: [e_i, e_i+1)
 * with the last bin closed. Values below the first edge go to the first bin and values above the
 * last edge to the last bin, so every current value counts (an out-of-range value is drift signal,
 * not something to drop). NaN must be removed by the caller.
 */
export function binInto(edges: readonly number[], values: ArrayLike<number>): number[] {
  if (edges.length < 2) throw new Error('a histogram needs at least two edges');
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    // Last index i with edges[i] <= v, clamped to [0, bins - 1].
    let lo = 0;
    let hi = bins - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (edges[mid] <= v) lo = mid;
      else hi = mid - 1;
    }
    counts[lo]++;
  }
  return counts;
}

function relativeEntropyTerm(x: number, y: number): number {
  return x > 0 ? x * Math.log(x / y) : 0;
}

/** Jensen-Shannon distance (natural log), as `scipy.spatial.distance.jensenshannon(p, q)`. Counts are normalised first. */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  sameLength(p, q);
  const ps = shares(p);
  const qs = shares(q);
  let js = 0;
  for (let i = 0; i < ps.length; i++) {
    const m = (ps[i] + qs[i]) / 2;
    js += relativeEntropyTerm(ps[i], m) + relativeEntropyTerm(qs[i], m);
  }
  return Math.sqrt(Math.max(js / 2, 0));
}

/**
 * Evidently's chi-squared test for categories: `scipy.stats.chisquare(f_obs=current counts,
 * f_exp=reference shares × current total)`, df = categories − 1, over aligned (union) categories.
 * Zero expected count: a category absent from both is dropped; a category absent from the reference
 * but seen now makes the statistic +Infinity and p = 0 (what the arithmetic gives, and a value never
 * seen in training is drift). A single remaining category: statistic 0, p = 1.
 */
export function chiSquared(referenceCounts: readonly number[], currentCounts: readonly number[]): TestResult {
  sameLength(referenceCounts, currentCounts);
  const refShares = shares(referenceCounts);
  const currentTotal = currentCounts.reduce((s, c) => s + c, 0);
  if (!(currentTotal > 0)) throw new Error('counts must have a positive total');
  let statistic = 0;
  let categories = 0;
  for (let i = 0; i < refShares.length; i++) {
    if (refShares[i] === 0 && currentCounts[i] === 0) continue;
    categories++;
    const expected = refShares[i] * currentTotal;
    statistic += expected === 0 ? Infinity : (currentCounts[i] - expected) ** 2 / expected;
  }
  if (categories < 2) return { statistic: 0, pValue: 1 };
  if (statistic === Infinity) return { statistic, pValue: 0 };
  return { statistic, pValue: Math.min(1, Math.max(0, 1 - chisquareCdf(statistic, categories - 1))) };
}

/**
 * Two-proportion Z-test (pooled variance), two-sided, as Evidently's `z_stat_test` for binary
 * columns: z = (p_ref − p_cur) / sqrt(P(1 − P)(1/n_ref + 1/n_cur)), p = 2·Φ(−|z|).
 * When every value in both samples is the same (P is 0 or 1) there is no variance: z = 0, p = 1.
 */
export function zTestProportions(referenceHits: number, referenceTotal: number, currentHits: number, currentTotal: number): TestResult {
  if (!(referenceTotal > 0 && currentTotal > 0)) throw new Error('zTestProportions needs two non-empty samples');
  const p1 = referenceHits / referenceTotal;
  const p2 = currentHits / currentTotal;
  const pooled = (referenceHits + currentHits) / (referenceTotal + currentTotal);
  if (pooled <= 0 || pooled >= 1) return { statistic: 0, pValue: 1 };
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / referenceTotal + 1 / currentTotal));
  // 2·Φ(−|z|) rather than 2·(1 − Φ(|z|)): no cancellation in the far tail.
  return { statistic: z, pValue: Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1)) };
}
