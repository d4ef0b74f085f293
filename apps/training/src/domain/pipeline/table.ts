import { type FeatureColumn, type RawValue } from '../preprocessing';
import { labelOf, parseLabelRule } from './label';
import { type PipelineSpec, taskOf } from './spec';

/** Logical column kinds the pipeline distinguishes; timestamps are epoch milliseconds. */
export type ColumnKind = 'numeric' | 'categorical' | 'bool' | 'timestamp';
export type Cell = number | string | boolean | null;

/** Training data as fetched: a snapshot, or a point-in-time retrieval, row by row. */
export interface Table {
  columns: { name: string; kind: ColumnKind }[];
  rows: Cell[][];
}

/** The data or spec cannot make a model; the message names the problem. Never retried. */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}

/** The model's inputs and label, column by column, with each row's time for a time split. */
export interface Dataset {
  features: FeatureColumn[];
  /** 0/1 for a classifier, the number for a regressor. */
  labels: Float64Array;
  /** Epoch ms of each row in the split's time column (time splits only). */
  times?: Float64Array;
  /** Rows left out because their label was null. */
  unlabelled: number;
}

/** Builds the dataset, refusing what no model should be trained on: missing columns, unusable labels, NaN or Infinity. */
export function prepareDataset(table: Table, spec: PipelineSpec): Dataset {
  const index = new Map(table.columns.map((c, i) => [c.name, i]));
  const find = (name: string, role: string) => {
    const at = index.get(name);
    if (at === undefined) throw new InvalidInputError(`${role} "${name}" is not a column of the training data (columns: ${table.columns.map((c) => c.name).join(', ')})`);
    return at;
  };
  if (table.rows.length === 0) throw new InvalidInputError('the training data has no rows');
  const labelAt = find(spec.label.column, 'label column');
  const rule = spec.label.expression ? parseLabelRule(spec.label.expression) : undefined;
  if (typeof rule === 'string') throw new InvalidInputError(rule);
  const label = labelOf(rule, taskOf(spec));
  const featureAt = spec.features.map((f) => find(f, 'feature'));
  const timeAt = spec.split.kind === 'time' ? find(spec.split.column, 'split time column') : undefined;
  if (timeAt !== undefined && table.columns[timeAt].kind !== 'timestamp') throw new InvalidInputError(`split time column "${spec.split.kind === 'time' ? spec.split.column : ''}" is not a timestamp`);

  const labels: number[] = [];
  const kept: Cell[][] = [];
  let unlabelled = 0;
  for (const row of table.rows) {
    const y = label(row[labelAt]);
    if (y === null) {
      unlabelled++;
      continue;
    }
    if (typeof y === 'string') throw new InvalidInputError(`label "${spec.label.column}": ${y}`);
    labels.push(y);
    kept.push(row);
  }
  if (kept.length === 0) throw new InvalidInputError(`every row's label "${spec.label.column}" is null`);

  const features = spec.features.map((name, f): FeatureColumn => {
    const at = featureAt[f];
    const kind = table.columns[at].kind;
    const values: RawValue[] = kept.map((row) => {
      const v = row[at];
      return typeof v === 'boolean' ? (v ? 1 : 0) : v;
    });
    if (kind !== 'categorical') {
      const bad = values.findIndex((v) => typeof v === 'number' && !Number.isFinite(v));
      if (bad >= 0) throw new InvalidInputError(`feature "${name}" holds ${values[bad]} (row ${bad}); NaN and Infinity are not values — send null for missing`);
    }
    return { name, kind: kind === 'categorical' ? 'categorical' : 'numeric', values };
  });
  const times = timeAt === undefined ? undefined : Float64Array.from(kept, (row) => (typeof row[timeAt] === 'number' ? (row[timeAt]) : Number.NaN));
  return { features, labels: Float64Array.from(labels), times, unlabelled };
}

/** Oldest and newest time in a timestamp column, or undefined when it has none. */
export function timeSpanOf(table: Table, column: string): { oldestMs: number; newestMs: number } | undefined {
  const at = table.columns.findIndex((c) => c.name === column && c.kind === 'timestamp');
  if (at < 0) return undefined;
  let oldestMs = Infinity;
  let newestMs = -Infinity;
  for (const row of table.rows) {
    const t = row[at];
    if (typeof t !== 'number') continue;
    if (t < oldestMs) oldestMs = t;
    if (t > newestMs) newestMs = t;
  }
  return newestMs >= oldestMs ? { oldestMs, newestMs } : undefined;
}
