/**
 * Which drift test a column gets, following Evidently's default stat-test selection (the rules
 * documented since Evidently 0.1.50, "Automatic Stattest Selection", unchanged in the current
 * `get_default_stattest`). The size is the reference's non-null row count; unique values are
 * counted on the reference.
 *
 * Reference <= 1000 rows (a statistical test, drift when p-value < 0.05):
 *   - numeric with > 5 unique values:                  two-sample Kolmogorov-Smirnov
 *   - categorical, or numeric with <= 5 unique values: chi-squared
 *   - ... of which binary (<= 2 unique values):        two-proportion Z-test
 * Reference > 1000 rows (a distance, drift when score >= 0.1):
 *   - numeric with > 5 unique values:                  Wasserstein distance normed by reference std
 *   - categorical, or numeric with <= 5 unique values: Jensen-Shannon distance
 * PSI (drift when >= 0.1) is never chosen automatically but can be asked for.
 */
export type DriftMethod = 'ks' | 'wasserstein' | 'chi_squared' | 'z_test' | 'jensen_shannon' | 'psi';

export interface MethodChoice {
  method: DriftMethod;
  threshold: number;
  /** Whether a score from `method` means drift at `threshold`. */
  drifted: (score: number) => boolean;
}

export interface ColumnShape {
  kind: 'numeric' | 'categorical';
  referenceSize: number;
  uniqueValues: number;
}

/** Above this many reference rows, tests become over-sensitive, so distances are used instead. */
export const SMALL_REFERENCE_MAX_ROWS = 1000;
/** Numeric columns with at most this many distinct values are treated as categories. */
export const MAX_UNIQUE_FOR_CATEGORICAL_NUMERIC = 5;

/** Evidently's default thresholds: a p-value for tests, a distance for the rest. */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = {
  ks: 0.05,
  chi_squared: 0.05,
  z_test: 0.05,
  wasserstein: 0.1,
  jensen_shannon: 0.1,
  psi: 0.1,
};

const P_VALUE_METHODS: ReadonlySet<DriftMethod> = new Set(['ks', 'chi_squared', 'z_test']);

/** True when the method's score is a p-value (small means drift) rather than a distance (large means drift). */
export function isPValueMethod(method: DriftMethod): boolean {
  return P_VALUE_METHODS.has(method);
}

/** The rule for an explicitly chosen method, with its default threshold unless one is given. */
export function methodRule(method: DriftMethod, threshold = DEFAULT_THRESHOLDS[method]): MethodChoice {
  const drifted = isPValueMethod(method) ? (score: number) => score < threshold : (score: number) => score >= threshold;
  return { method, threshold, drifted };
}

/** The default method for a column, by type, reference size and number of distinct values. */
export function chooseMethod(shape: ColumnShape): MethodChoice {
  const treatAsNumeric = shape.kind === 'numeric' && shape.uniqueValues > MAX_UNIQUE_FOR_CATEGORICAL_NUMERIC;
  if (shape.referenceSize <= SMALL_REFERENCE_MAX_ROWS) {
    if (treatAsNumeric) return methodRule('ks');
    return methodRule(shape.uniqueValues <= 2 ? 'z_test' : 'chi_squared');
  }
  return methodRule(treatAsNumeric ? 'wasserstein' : 'jensen_shannon');
}
