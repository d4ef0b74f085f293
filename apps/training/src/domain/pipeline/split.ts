import { type PipelineSpec, type TimeRange } from './spec';
import { InvalidInputError } from './table';

export interface SplitIndices {
  train: Uint32Array;
  validation: Uint32Array;
  test: Uint32Array;
}

/**
 * Row positions of each part. A time split takes rows by the time column (a row outside every
 * range is left out); the validation part, unless given a range, is the latest fraction of the
 * training range, so early stopping never looks at the future either. A random split draws each
 * row's part from the seed alone, so the same seed and rows give the same parts.
 */
export function splitRows(rowCount: number, times: Float64Array | undefined, split: PipelineSpec['split'], seed: string): SplitIndices {
  if (split.kind === 'random') {
    const random = seededRandom(seed);
    const parts: number[][] = [[], [], []];
    for (let i = 0; i < rowCount; i++) {
      const u = random();
      parts[u < split.train ? 0 : u < split.train + split.validation ? 1 : 2].push(i);
    }
    return { train: Uint32Array.from(parts[0]), validation: Uint32Array.from(parts[1]), test: Uint32Array.from(parts[2]) };
  }
  if (split.kind !== 'time' || !times) throw new InvalidInputError('no split');
  const inRange = (t: number, r: TimeRange) => !Number.isNaN(t) && (r.startMs === undefined || t >= r.startMs) && (r.endMs === undefined || t < r.endMs);
  const rows = Array.from({ length: rowCount }, (_, i) => i);
  const test = rows.filter((i) => inRange(times[i], split.test));
  let train = rows.filter((i) => inRange(times[i], split.train));
  let validation: number[] = [];
  if (split.validation) {
    validation = rows.filter((i) => inRange(times[i], split.validation!));
  } else if (split.validationFraction > 0) {
    // Stable order by time, then position: the same rows always make the same validation part.
    const byTime = [...train].sort((a, b) => times[a] - times[b] || a - b);
    const cut = byTime.length - Math.floor(byTime.length * split.validationFraction);
    validation = byTime.slice(cut).sort((a, b) => a - b);
    train = byTime.slice(0, cut).sort((a, b) => a - b);
  }
  return { train: Uint32Array.from(train), validation: Uint32Array.from(validation), test: Uint32Array.from(test) };
}

/**
 * mulberry32 over a 32-bit mix of the 64-bit seed: a few lines, no dependency, and its sequence is
 * fixed forever, which a library's default generator does not promise across versions.
 */
export function seededRandom(seed: string): () => number {
  const big = BigInt(seed || '0');
  let state = Number((big ^ (big >> 32n)) & 0xffffffffn) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
