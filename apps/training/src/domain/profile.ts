import { seededRandom } from './pipeline/split';
import { type FeatureColumn } from './preprocessing';

/** What a feature looked like in training, for drift monitoring to compare live values against. */
export type FeatureProfile =
  | {
      name: string; kind: 'numeric'; count: number; nullRate: number; min: number; max: number; mean: number; std: number; quantiles: number[]; histogram: { edges: number[]; counts: number[] };
      /** A uniform sample of the present values (all of them up to SAMPLE_SIZE): what KS and Wasserstein compare live values with. */
      sample: number[];
    }
  | { name: string; kind: 'categorical'; count: number; nullRate: number; frequencies: Record<string, number>; otherFrequency: number };

export const QUANTILES = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];
const HISTOGRAM_BINS = 20;
const TOP_CATEGORIES = 100;
/** Large enough for KS and Wasserstein to be stable, small enough to ship with every model version. */
export const SAMPLE_SIZE = 5_000;
/** The sampler's seed, recorded in the profile so a sample can be drawn again from the same data. */
export const SAMPLE_SEED = 20_241_123;

/** `size` values drawn uniformly without replacement (a partial Fisher-Yates shuffle of a copy), or all of them. */
function sampleOf(values: readonly number[], size: number): number[] {
  if (values.length <= size) return [...values];
  const pool = [...values];
  const random = seededRandom(String(SAMPLE_SEED));
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, size);
}

/** The reference profile of each feature: quantiles and a histogram for numbers, frequencies for categories, null rates. */
export function profileFeatures(columns: FeatureColumn[]): FeatureProfile[] {
  return columns.map((column): FeatureProfile => {
    const count = column.values.length;
    if (column.kind === 'numeric') {
      const values = column.values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
      const nullRate = count === 0 ? 0 : 1 - values.length / count;
      if (values.length === 0) return { name: column.name, kind: 'numeric', count, nullRate, min: Number.NaN, max: Number.NaN, mean: Number.NaN, std: Number.NaN, quantiles: [], histogram: { edges: [], counts: [] }, sample: [] };
      const [min, max] = [values[0], values[values.length - 1]];
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const width = (max - min) / HISTOGRAM_BINS || 1;
      const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
      for (const v of values) counts[Math.min(HISTOGRAM_BINS - 1, Math.floor((v - min) / width))]++;
      return {
        name: column.name,
        kind: 'numeric',
        count,
        nullRate,
        min,
        max,
        mean,
        std: Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length),
        quantiles: QUANTILES.map((q) => values[Math.min(values.length - 1, Math.floor(q * (values.length - 1)))]),
        histogram: { edges: Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => min + i * width), counts },
        sample: sampleOf(values, SAMPLE_SIZE),
      };
    }
    const tally = new Map<string, number>();
    let present = 0;
    for (const v of column.values) {
      if (typeof v !== 'string') continue;
      present++;
      tally.set(v, (tally.get(v) ?? 0) + 1);
    }
    const top = [...tally].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).slice(0, TOP_CATEGORIES);
    const shown = top.reduce((s, [, n]) => s + n, 0);
    return {
      name: column.name,
      kind: 'categorical',
      count,
      nullRate: count === 0 ? 0 : 1 - present / count,
      frequencies: Object.fromEntries(top.map(([c, n]) => [c, n / Math.max(present, 1)])),
      otherFrequency: present === 0 ? 0 : (present - shown) / present,
    };
  });
}
