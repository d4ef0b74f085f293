/**
 * The q-th percentile (q in [0, 100]) of ascending, non-empty values, as `numpy.percentile` with its
 * default 'linear' method: interpolate between the closest ranks at virtual index (n − 1)·q/100.
 * The interpolation is written as numpy writes it (from the upper neighbour when the weight is at
 * least a half), so the two agree to the last bit.
 */
export function percentile(sortedValues: ArrayLike<number>, q: number): number {
  const last = sortedValues.length - 1;
  const index = last * (q / 100);
  if (index >= last) return sortedValues[last];
  const below = Math.floor(index);
  const weight = index - below;
  const a = sortedValues[below];
  const b = sortedValues[below + 1];
  return weight >= 0.5 ? b - (b - a) * (1 - weight) : a + (b - a) * weight;
}
