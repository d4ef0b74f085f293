export { createDataSource, type DatabaseOptions } from './data-source';
export { listen } from './listen';
export { migrate } from './migrate';
export { type SqlExecutor, type TransactionRunner, transactionRunner } from './sql';
