import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { type PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type DataSource, type EntityManager } from 'typeorm';

/** The one thing shared libraries need from a connection or transaction: run SQL. TypeORM's DataSource fits. */
export interface SqlExecutor {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are typed by the caller's query
  query(sql: string, parameters?: unknown[]): Promise<any>;
}

/** An open transaction: SQL, plus the bulk path that needs the transaction's own connection. */
export interface SqlTransaction extends SqlExecutor {
  /**
   * `COPY table (columns) FROM STDIN` in the transaction: PostgreSQL's bulk path, about twice the
   * rate of a multi-row INSERT (no parameter arrays to build or parse). Values: strings, numbers,
   * booleans, Dates, Buffers (bytea) or null.
   */
  copyRows(table: string, columns: readonly string[], rows: readonly CopyValue[][]): Promise<void>;
}

export type CopyValue = string | number | bigint | boolean | Date | Buffer | null;

/** Runs work in one database transaction and hands it an executor bound to that transaction. */
export type TransactionRunner = <T>(work: (tx: SqlTransaction) => Promise<T>) => Promise<T>;

export function transactionRunner(dataSource: DataSource): TransactionRunner {
  return (work) => dataSource.transaction((manager) => work(withCopy(manager)));
}

function withCopy(manager: EntityManager): SqlTransaction {
  return {
    query: (sql, parameters) => manager.query(sql, parameters),
    copyRows: async (table, columns, rows) => {
      if (!manager.queryRunner) throw new Error('copyRows needs a transaction-bound entity manager');
      const client = (await manager.queryRunner.connect()) as PoolClient;
      const target = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
      await pipeline(Readable.from(copyTextLines(rows)), target);
    },
  };
}

/** COPY's text format, a chunk of lines at a time so a large batch is never one huge string. */
export function* copyTextLines(rows: readonly CopyValue[][], rowsPerChunk = 1000): Generator<string> {
  for (let start = 0; start < rows.length; start += rowsPerChunk) {
    let chunk = '';
    for (const row of rows.slice(start, start + rowsPerChunk)) chunk += row.map(copyTextValue).join('\t') + '\n';
    yield chunk;
  }
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function copyTextValue(value: CopyValue): string {
  if (value === null) return '\\N';
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
  if (typeof value === 'string') return value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]);
  return String(value);
}
