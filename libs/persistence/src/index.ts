export { createDataSource, type DatabaseOptions } from './data-source';
export { listen } from './listen';
export { migrate } from './migrate';
export { type CopyValue, copyTextLines, copyTextValue, type SqlExecutor, type SqlTransaction, type TransactionRunner, transactionRunner } from './sql';
export { streamQuery } from './stream-query';
