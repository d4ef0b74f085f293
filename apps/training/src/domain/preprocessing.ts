/**
 * Raw feature values → model inputs, learned from the training rows and exported into the ONNX graph
 * with the model, so serving passes raw values. Numbers keep NaN for missing (trees route it; the
 * linear model imputes the training median); categories become codes ordered by their positive
 * rate in training (trees split them like numbers) or one-hot columns (the linear model). A category
 * unseen in training is missing.
 */

export type RawValue = number | string | null;

export interface FeatureColumn {
  name: string;
  kind: 'numeric' | 'categorical';
  values: RawValue[];
}

export interface NumericEncoding {
  name: string;
  kind: 'numeric';
  median: number;
  mean: number;
  std: number;
}

export interface CategoricalEncoding {
  name: string;
  kind: 'categorical';
  /** Categories by ascending positive rate; a category's code is its index. */
  categories: string[];
}

export type FeatureEncoding = NumericEncoding | CategoricalEncoding;

const numberOf = (v: RawValue): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN);

export function fitEncodings(columns: FeatureColumn[], labels: ArrayLike<number>): FeatureEncoding[] {
  return columns.map((column): FeatureEncoding => {
    if (column.kind === 'numeric') {
      const present = column.values.map(numberOf).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
      if (present.length === 0) throw new RangeError(`feature "${column.name}" has no values in the training set`);
      const mean = present.reduce((s, v) => s + v, 0) / present.length;
      const variance = present.reduce((s, v) => s + (v - mean) ** 2, 0) / present.length;
      return { name: column.name, kind: 'numeric', median: present[Math.floor(present.length / 2)], mean, std: Math.sqrt(variance) || 1 };
    }
    const stats = new Map<string, { positives: number; count: number }>();
    column.values.forEach((v, i) => {
      if (typeof v !== 'string') return;
      const s = stats.get(v) ?? { positives: 0, count: 0 };
      s.positives += labels[i];
      s.count++;
      stats.set(v, s);
    });
    if (stats.size === 0) throw new RangeError(`feature "${column.name}" has no values in the training set`);
    // Ties in rate are ordered by name, so the codes do not depend on row order.
    const categories = [...stats].sort(([a, x], [b, y]) => x.positives / x.count - y.positives / y.count || (a < b ? -1 : a > b ? 1 : 0)).map(([c]) => c);
    return { name: column.name, kind: 'categorical', categories };
  });
}

/** One float32 column per feature for the trees: numbers as they are, categories as codes; NaN = missing. */
export function treeInputs(encodings: FeatureEncoding[], columns: RawValue[][]): Float32Array[] {
  return encodings.map((e, f) => {
    if (e.kind === 'numeric') return Float32Array.from(columns[f], numberOf);
    const codes = new Map(e.categories.map((c, i) => [c, i]));
    return Float32Array.from(columns[f], (v) => (typeof v === 'string' ? (codes.get(v) ?? Number.NaN) : Number.NaN));
  });
}

/** Rows of standardised numbers (missing → median) and one-hot categories, for the linear model. */
export function linearInputs(encodings: FeatureEncoding[], columns: RawValue[][]): Float64Array[] {
  const width = encodings.reduce((w, e) => w + (e.kind === 'numeric' ? 1 : e.categories.length), 0);
  const rows = columns[0]?.length ?? 0;
  return Array.from({ length: rows }, (_, i) => {
    const row = new Float64Array(width);
    let at = 0;
    encodings.forEach((e, f) => {
      if (e.kind === 'numeric') {
        const v = numberOf(columns[f][i]);
        // float32 first, as the ONNX graph sees it.
        row[at++] = (Math.fround(Number.isNaN(v) ? e.median : v) - e.mean) / e.std;
        return;
      }
      const code = e.categories.indexOf(columns[f][i] as string);
      if (code >= 0) row[at + code] = 1;
      at += e.categories.length;
    });
    return row;
  });
}
