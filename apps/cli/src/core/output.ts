import { stringify } from 'yaml';

/** How a command prints: aligned tables for people, JSON for scripts (`--json`). */
export interface Output {
  json: boolean;
  /** A list: table columns by header → value, or the rows as a JSON array. */
  table<T>(rows: readonly T[], columns: Record<string, (row: T) => unknown>, asJson?: unknown): void;
  /** One thing: `key: value` lines, or the object as JSON. */
  record(fields: Record<string, unknown>, asJson?: unknown): void;
  /** A nested document (a policy): YAML for people, JSON under --json. */
  document(value: unknown): void;
  /** A line of progress or confirmation for people; nothing under --json. */
  say(line: string): void;
}

export function createOutput(json: boolean, write: (text: string) => void = (text) => process.stdout.write(text)): Output {
  return {
    json,
    table(rows, columns, asJson) {
      if (json) return write(`${JSON.stringify(asJson ?? rows, jsonValue, 2)}\n`);
      const headers = Object.keys(columns);
      const cells = rows.map((row) => headers.map((h) => text(columns[h](row))));
      write(alignedColumns([headers.map((h) => h.toUpperCase()), ...cells]));
    },
    record(fields, asJson) {
      if (json) return write(`${JSON.stringify(asJson ?? fields, jsonValue, 2)}\n`);
      const width = Math.max(...Object.keys(fields).map((k) => k.length));
      write(Object.entries(fields).map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${text(v)}\n`).join(''));
    },
    document(value) {
      write(json ? `${JSON.stringify(value, jsonValue, 2)}\n` : stringify(value));
    },
    say(line) {
      if (!json) write(`${line}\n`);
    },
  };
}

/**
 * Columns padded to their widest cell, two spaces apart, no borders: the kubectl look, which pipes
 * into grep and awk. Written here because table libraries draw boxes and colours this does not want.
 */
function alignedColumns(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd()).join('\n') + '\n';
}

function text(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'bigint') return value.toString();
  return JSON.stringify(value, jsonValue);
}

/** BigInt and Buffer are not JSON; infinities are written as strings rather than null. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}
