/** What the reference profile says one input column looks like. */
export type ColumnReference =
  | { name: string; kind: 'numeric'; min: number; max: number }
  /** `complete`: the profile lists every category seen in training (no long tail), so anything else is unseen. */
  | { name: string; kind: 'categorical'; categories: ReadonlySet<string>; complete: boolean };

/** A value as the prediction log carries it (FeatureValue mapped): null when missing. */
export type LoggedValue = number | string | boolean | Date | null;

export interface ColumnQuality {
  name: string;
  count: number;
  nullCount: number;
  nullRate: number;
  /** Numbers outside the reference's [min, max]. */
  outOfRange: number;
  /** Categories the reference never saw; undefined when the reference has a long tail and cannot tell. */
  unseen: number | undefined;
  /** Values of the wrong type for the column (a string where a number belongs, …). */
  typeViolations: number;
}

export interface WindowQuality {
  columns: ColumnQuality[];
  /** Reference columns absent from every logged row of the window. */
  missingColumns: string[];
  /** Logged columns the reference does not know. */
  unexpectedColumns: string[];
}

const rate = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

/** Data quality of one column over a window of logged values. An empty window has rates of 0 and counts of 0, not errors. */
export function columnQuality(reference: ColumnReference, values: readonly LoggedValue[]): ColumnQuality {
  let nullCount = 0;
  let outOfRange = 0;
  let unseen = 0;
  let typeViolations = 0;
  for (const value of values) {
    if (value === null || (typeof value === 'number' && Number.isNaN(value))) {
      nullCount++;
    } else if (reference.kind === 'numeric') {
      // Booleans and timestamps are numbers to training's profile (0/1, epoch milliseconds).
      const number = typeof value === 'boolean' ? Number(value) : value instanceof Date ? value.getTime() : value;
      if (typeof number !== 'number') typeViolations++;
      else if (number < reference.min || number > reference.max) outOfRange++;
    } else if (typeof value !== 'string' && typeof value !== 'boolean') {
      typeViolations++;
    } else if (!reference.categories.has(String(value))) {
      unseen++;
    }
  }
  return {
    name: reference.name,
    count: values.length,
    nullCount,
    nullRate: rate(nullCount, values.length),
    outOfRange,
    unseen: reference.kind === 'categorical' && reference.complete ? unseen : undefined,
    typeViolations,
  };
}

/** Data quality of a window of logged rows (input name → value) against the reference columns. */
export function windowQuality(references: readonly ColumnReference[], rows: ReadonlyArray<Readonly<Record<string, LoggedValue>>>): WindowQuality {
  const logged = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row)) logged.add(name);
  const known = new Set(references.map((r) => r.name));
  return {
    columns: references.map((reference) => columnQuality(reference, rows.map((row) => row[reference.name] ?? null))),
    missingColumns: rows.length === 0 ? [] : references.filter((r) => !logged.has(r.name)).map((r) => r.name),
    unexpectedColumns: [...logged].filter((name) => !known.has(name)).sort(),
  };
}
