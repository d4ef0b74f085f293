import { compileExpression } from 'filtrex';
import { type ValueType } from './definitions';

export type SourceValues = Readonly<Record<string, unknown>>;

/** A compiled row-level expression: its value for one source row, or null when it has none. */
export type Expression = (values: SourceValues) => number | string | boolean | null;

export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

/**
 * Compiles a row-level expression (filtrex syntax: arithmetic, comparisons, `and`/`or`/`not`,
 * `if … then … else`, functions such as `abs`, `round`, `sqrt`). Filtrex evaluates in a sandbox: no
 * access to anything but the row's fields. A null operand or a value of the wrong type gives null,
 * as SQL would, rather than an error per row.
 */
export function compileFeatureExpression(expression: string, type: ValueType): Expression {
  let evaluate: (values: SourceValues) => unknown;
  try {
    evaluate = compileExpression(expression);
  } catch (error) {
    throw new ExpressionError(`does not parse: ${(error as Error).message.split('\n').slice(0, 3).join(' ').replace(/\s+/g, ' ')}`);
  }
  return (values) => {
    const result = evaluate(values);
    return result instanceof Error ? null : coerce(result, type);
  };
}

function coerce(value: unknown, type: ValueType): number | string | boolean | null {
  switch (type) {
    case 'int':
      return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : typeof value === 'boolean' ? Number(value) : null;
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) ? value : typeof value === 'boolean' ? Number(value) : null;
    case 'bool':
      return typeof value === 'boolean' ? value : typeof value === 'number' ? value !== 0 : null;
    case 'string':
    case 'timestamp':
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
  }
}

/**
 * The fields an expression reads that `fields` lacks, found by evaluating it on a sample row in
 * which every known field has a value of its type: a reference to anything else is reported.
 */
export function unknownFields(expression: string, fields: ReadonlyMap<string, ValueType>): string[] {
  const unknown = new Set<string>();
  const sample = Object.fromEntries([...fields].map(([name, type]) => [name, SAMPLE[type]]));
  compileExpression(expression, {
    customProp: (name, get) => {
      if (fields.has(name)) return get(name) as unknown;
      unknown.add(name);
      return 1; // keep evaluating, to find every unknown name rather than the first
    },
  })(sample);
  return [...unknown];
}

const SAMPLE: Record<ValueType, unknown> = { int: 1, float: 1.5, string: 'a', bool: true, timestamp: '2001-01-01T00:00:00.000Z' };
