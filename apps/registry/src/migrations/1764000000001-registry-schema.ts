import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Registered models. Versions, aliases, policies and the audit log arrive with the registry issue. */
export class RegistrySchema1764000000001 implements MigrationInterface {
  name = 'RegistrySchema1764000000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE registered_models (
        name text PRIMARY KEY,
        description text NOT NULL DEFAULT '',
        owner text NOT NULL DEFAULT '',
        tags jsonb NOT NULL DEFAULT '{}',
        task smallint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE registered_models');
  }
}
