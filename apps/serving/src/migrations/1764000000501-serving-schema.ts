import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Deployments (one row per model, its revision the optimistic-concurrency token every replica
 * routes by), their history, and the versions serving may load: artifact and signature, learnt
 * from the registry's events or looked up once.
 */
export class ServingSchema1764000000501 implements MigrationInterface {
  name = 'ServingSchema1764000000501';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE servable_versions (
        model_name text NOT NULL,
        version integer NOT NULL,
        artifact_digest text NOT NULL,
        artifact_size bigint NOT NULL,
        signature jsonb NOT NULL,
        learnt_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (model_name, version)
      )`);
    await runner.query(`
      CREATE TABLE deployments (
        model_name text PRIMARY KEY,
        revision bigint NOT NULL,
        spec jsonb NOT NULL,
        change_cause text NOT NULL,
        change_reason text NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE deployment_history (
        model_name text NOT NULL,
        revision bigint NOT NULL,
        spec jsonb NOT NULL,
        change_cause text NOT NULL,
        change_reason text NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL,
        guard_checks jsonb,
        PRIMARY KEY (model_name, revision)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE deployment_history');
    await runner.query('DROP TABLE deployments');
    await runner.query('DROP TABLE servable_versions');
  }
}
