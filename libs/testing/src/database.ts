import { randomBytes } from 'node:crypto';
import { type DataSource, type MigrationInterface } from 'typeorm';
import { createDataSource, migrate } from '@mlops/persistence';

/** A fresh, uniquely named schema with the given migrations applied: tests never share state. */
export async function migratedTestSchema(
  databaseUrl: string,
  prefix: string,
  migrations: (new () => MigrationInterface)[],
): Promise<{ schema: string; dataSource: DataSource }> {
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  const dataSource = createDataSource({ url: databaseUrl, schema, entities: [], migrations, applicationName: `test-${prefix}`, poolSize: 5 });
  await dataSource.initialize();
  await migrate(dataSource, schema);
  return { schema, dataSource };
}
