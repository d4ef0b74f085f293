import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Monitoring's own record of the registry's models (it never reads the registry's tables). */
export class MonitoringSchema1764000000001 implements MigrationInterface {
  name = 'MonitoringSchema1764000000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE monitored_models (
        name text PRIMARY KEY,
        task smallint NOT NULL DEFAULT 0,
        registered_at timestamptz NOT NULL,
        known_since timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX monitored_models_by_registration ON monitored_models (registered_at, name)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE monitored_models');
  }
}
