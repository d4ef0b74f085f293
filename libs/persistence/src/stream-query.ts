import { type PoolClient } from 'pg';
import QueryStream from 'pg-query-stream';
import { type DataSource } from 'typeorm';
import { type PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Rows of a query as they arrive, through a server-side cursor on a connection of its own: a
 * result of millions of rows never sits in memory. Stopping early (break, return) closes the cursor
 * and gives the connection back.
 */
export async function* streamQuery<T>(dataSource: DataSource, sql: string, parameters: unknown[] = [], rowsPerFetch = 5_000): AsyncGenerator<T> {
  const [client, release] = (await (dataSource.driver as PostgresDriver).obtainMasterConnection()) as [PoolClient, (error?: Error) => void];
  const stream = client.query(new QueryStream(sql, parameters, { batchSize: rowsPerFetch }));
  let finished = false;
  try {
    for await (const row of stream) yield row as T;
    finished = true;
  } finally {
    stream.destroy();
    // A connection whose cursor failed or was abandoned mid-way is discarded, not handed to the next caller.
    release(finished ? undefined : new Error('query stream ended early'));
  }
}
