import { chooseMethod, type DriftMethod, isPValueMethod, MAX_UNIQUE_FOR_CATEGORICAL_NUMERIC, methodRule, type MethodChoice } from './method-selection';
import { binInto, chiSquared, jensenShannonDistance, ksTwoSample, normedWasserstein, psi, zTestProportions } from './statistics';

/** The reference profile of one column (proto mlops.common.v1.FeatureProfile, without nulls). */
export type ReferenceColumn =
  | {
      kind: 'numeric';
      /** Uniform reservoir of non-null values: KS and Wasserstein run on it, and distinct values are counted on it. */
      sampleValues: ArrayLike<number>;
      /** n + 1 edges for n bins; PSI, Jensen-Shannon and chi-squared on many-valued numbers use these. */
      binEdges: readonly number[];
      binCounts: readonly number[];
    }
  | {
      kind: 'categorical';
      /** The most frequent categories. */
      categories: readonly { value: string; count: number }[];
      /** Values in categories the profile does not list. */
      otherCount: number;
    };

export interface DriftOptions {
  /** Fewer non-null current values than this is 'insufficient data'. Default 30. */
  minCurrentSize?: number;
  /** Fewer non-null reference rows (or reservoir values, for tests that use them) than this is 'insufficient data'. Default 30. */
  minReferenceSize?: number;
  /** Use this method instead of the default choice (e.g. 'psi'). */
  method?: DriftMethod;
  /** Override the method's default threshold. */
  threshold?: number;
}

/**
 * A column's drift. When computed ('ok'):
 * - `statistic`: the test statistic for a test method — KS D, the chi-squared statistic (+Infinity
 *   when the window holds a category the reference lacks), the two-proportion z (signed: reference
 *   share minus current share) — or the distance itself for a distance method (Wasserstein normed,
 *   Jensen-Shannon, PSI);
 * - `pValue`: the test's p-value; undefined for a distance method;
 * - `score`: what `threshold` applies to, i.e. `pValue` for a test and `statistic` for a distance
 *   (drifted when score < threshold for a test, score >= threshold for a distance).
 */
export type FeatureDrift =
  | {
      status: 'ok';
      method: DriftMethod;
      statistic: number;
      pValue: number | undefined;
      score: number;
      threshold: number;
      drifted: boolean;
      referenceSize: number;
      currentSize: number;
    }
  | { status: 'insufficient_data'; reason: string; referenceSize: number; currentSize: number };

/** What a method measures: a test gives a statistic and a p-value, a distance only a statistic. */
interface Measure {
  statistic: number;
  pValue: number | undefined;
}

const distanceOf = (statistic: number): Measure => ({ statistic, pValue: undefined });

/**
 * 30 values: below it neither the KS/chi-squared asymptotics nor a 10-bin histogram mean much, and
 * a window that small would flap between drifted and not. It is a floor, not a power analysis.
 */
export const DEFAULT_MIN_SAMPLE_SIZE = 30;

/** Where a current category the profile does not list goes when the profile has a long tail. */
export const OTHER_CATEGORY = '\u0000other';

/**
 * Drift of one column's current window against its reference. `current` holds the window's
 * non-null values (numbers for a numeric column, strings for a categorical one); the caller
 * counts nulls separately. An empty or too-small window is 'insufficient_data', never a score of 0.
 */
export function featureDrift(reference: ReferenceColumn, current: ArrayLike<number> | readonly string[], options: DriftOptions = {}): FeatureDrift {
  const minCurrent = options.minCurrentSize ?? DEFAULT_MIN_SAMPLE_SIZE;
  const minReference = options.minReferenceSize ?? DEFAULT_MIN_SAMPLE_SIZE;
  const currentSize = current.length;
  const referenceSize = reference.kind === 'numeric' ? numericReferenceSize(reference) : categoricalTotal(reference);
  const insufficient = (reason: string): FeatureDrift => ({ status: 'insufficient_data', reason, referenceSize, currentSize });
  if (currentSize < minCurrent) return insufficient(`current window has ${currentSize} non-null values, fewer than ${minCurrent}`);
  if (referenceSize < minReference) return insufficient(`reference has ${referenceSize} non-null values, fewer than ${minReference}`);

  const uniqueValues = reference.kind === 'numeric' ? distinctCount(reference.sampleValues) : categoricalUnique(reference);
  const choice = pickMethod(reference.kind, referenceSize, uniqueValues, options);
  let measure: Measure;
  if (reference.kind === 'numeric') {
    const values = current as ArrayLike<number>;
    if (typeof values[0] !== 'number') throw new Error('a numeric column needs numeric current values');
    const sample = reference.sampleValues;
    const fewValues = uniqueValues <= MAX_UNIQUE_FOR_CATEGORICAL_NUMERIC;
    const usesSample = choice.method === 'ks' || choice.method === 'wasserstein' || fewValues;
    if (usesSample && sample.length < minReference) return insufficient(`reference sample has ${sample.length} values, fewer than ${minReference}`);
    measure = numericMeasure(choice.method, reference, values, fewValues);
  } else {
    const values = current as readonly string[];
    if (typeof values[0] !== 'string') throw new Error('a categorical column needs string current values');
    measure = categoricalMeasure(choice.method, referenceCategoryCounts(reference), currentCategoryCounts(reference, values));
  }
  const { statistic, pValue } = measure;
  const score = isPValueMethod(choice.method) ? pValue : statistic;
  if (score === undefined) throw new Error(`${choice.method} gave no p-value`);
  return { status: 'ok', method: choice.method, statistic, pValue, score, threshold: choice.threshold, drifted: choice.drifted(score), referenceSize, currentSize };
}

function pickMethod(kind: ReferenceColumn['kind'], referenceSize: number, uniqueValues: number, options: DriftOptions): MethodChoice {
  if (options.method) return methodRule(options.method, options.threshold);
  const choice = chooseMethod({ kind, referenceSize, uniqueValues });
  return options.threshold === undefined ? choice : methodRule(choice.method, options.threshold);
}

function numericReferenceSize(reference: Extract<ReferenceColumn, { kind: 'numeric' }>): number {
  const binned = reference.binCounts.reduce((s, c) => s + c, 0);
  return binned > 0 ? binned : reference.sampleValues.length;
}

function categoricalTotal(reference: Extract<ReferenceColumn, { kind: 'categorical' }>): number {
  return reference.categories.reduce((s, c) => s + c.count, 0) + reference.otherCount;
}

/** The long tail counts as one more category: at least one value hides in it. */
function categoricalUnique(reference: Extract<ReferenceColumn, { kind: 'categorical' }>): number {
  return reference.categories.filter((c) => c.count > 0).length + (reference.otherCount > 0 ? 1 : 0);
}

function distinctCount(values: ArrayLike<number>): number {
  return new Set(Array.from(values)).size;
}

function numericMeasure(method: DriftMethod, reference: Extract<ReferenceColumn, { kind: 'numeric' }>, current: ArrayLike<number>, fewValues: boolean): Measure {
  if (method === 'ks') return ksTwoSample(reference.sampleValues, current);
  if (method === 'wasserstein') return distanceOf(normedWasserstein(reference.sampleValues, current));
  // Few distinct values: each value is a category (Evidently's rule), counted on the reservoir.
  if (fewValues) {
    return categoricalMeasure(method, countBy(Array.from(reference.sampleValues, String)), countBy(Array.from(current, String)));
  }
  if (method === 'z_test') throw new Error('the Z-test needs a binary column');
  return compareCounts(method, [...reference.binCounts], binInto(reference.binEdges, current));
}

function categoricalMeasure(method: DriftMethod, reference: Map<string, number>, current: Map<string, number>): Measure {
  if (method === 'ks' || method === 'wasserstein') throw new Error(`${method} needs a numeric column`);
  // Union of categories in sorted order, as Evidently aligns them.
  const keys = [...new Set([...reference.keys(), ...current.keys()])].sort();
  const ref = keys.map((k) => reference.get(k) ?? 0);
  const cur = keys.map((k) => current.get(k) ?? 0);
  if (method === 'z_test') {
    // Evidently's indicator: "is the first category".
    const refTotal = ref.reduce((s, c) => s + c, 0);
    const curTotal = cur.reduce((s, c) => s + c, 0);
    return zTestProportions(ref[0], refTotal, cur[0], curTotal);
  }
  return compareCounts(method, ref, cur);
}

function compareCounts(method: 'chi_squared' | 'jensen_shannon' | 'psi', reference: number[], current: number[]): Measure {
  if (method === 'chi_squared') return chiSquared(reference, current);
  if (method === 'jensen_shannon') return distanceOf(jensenShannonDistance(reference, current));
  return distanceOf(psi(reference, current));
}

function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

function referenceCategoryCounts(reference: Extract<ReferenceColumn, { kind: 'categorical' }>): Map<string, number> {
  const counts = new Map(reference.categories.map((c) => [c.value, c.count] as const));
  if (reference.otherCount > 0) counts.set(OTHER_CATEGORY, reference.otherCount);
  return counts;
}

/** Unlisted values fold into the long tail when the profile has one; otherwise they are new categories. */
function currentCategoryCounts(reference: Extract<ReferenceColumn, { kind: 'categorical' }>, values: readonly string[]): Map<string, number> {
  const listed = new Set(reference.categories.map((c) => c.value));
  const fold = reference.otherCount > 0;
  return countBy(values.map((v) => (listed.has(v) || !fold ? v : OTHER_CATEGORY)));
}
