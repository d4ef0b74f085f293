import { type DataSource } from 'typeorm';

/** The one thing shared libraries need from a connection or transaction: run SQL. TypeORM's EntityManager fits. */
export interface SqlExecutor {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are typed by the caller's query
  query(sql: string, parameters?: unknown[]): Promise<any>;
}

/** Runs work in one database transaction and hands it an executor bound to that transaction. */
export type TransactionRunner = <T>(work: (tx: SqlExecutor) => Promise<T>) => Promise<T>;

export function transactionRunner(dataSource: DataSource): TransactionRunner {
  return (work) => dataSource.transaction((manager) => work(manager));
}
