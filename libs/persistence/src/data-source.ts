import { DataSource, type MixedList, type EntitySchema } from 'typeorm';

export interface DatabaseOptions {
  url: string;
  /** The PostgreSQL schema this service owns; no other service reads or writes it. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for entity/migration classes
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize?: number;
  applicationName: string;
}

/**
 * A TypeORM data source scoped to one service's schema. Never `synchronize`: the schema changes only
 * through reviewed migrations (see `migrate`).
 */
export function createDataSource(options: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    applicationName: options.applicationName,
    extra: {
      max: options.poolSize ?? 10,
      // Fail fast instead of queueing forever when the database is unreachable.
      connectionTimeoutMillis: 5_000,
      options: `-c search_path=${options.schema}`,
    },
  });
}
