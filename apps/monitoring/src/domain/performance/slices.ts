/**
 * The slice value of a missing feature value. A logged string "null" falls into the same slice;
 * the report's slice value is a plain string, so the two could not be told apart there anyway.
 */
const NULL_SLICE_VALUE = 'null';

/** The rows holding each of the `maxSlices` most frequent values of one feature: most frequent first, ties by value. */
export function mostFrequentSlices(values: readonly (string | null)[], maxSlices: number): { value: string; rows: number[] }[] {
  const rowsByValue = new Map<string, number[]>();
  values.forEach((v, row) => {
    const value = v ?? NULL_SLICE_VALUE;
    const rows = rowsByValue.get(value);
    if (rows) rows.push(row);
    else rowsByValue.set(value, [row]);
  });
  return [...rowsByValue]
    .map(([value, rows]) => ({ value, rows }))
    .sort((a, b) => b.rows.length - a.rows.length || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .slice(0, maxSlices);
}
