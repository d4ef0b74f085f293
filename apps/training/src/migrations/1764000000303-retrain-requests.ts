import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Runs queued by a retrain request: which request (carried on their events) and whether to read the newest snapshot. */
export class RetrainRequests1764000000303 implements MigrationInterface {
  name = 'RetrainRequests1764000000303';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE pipeline_runs ADD COLUMN retrain_request_id text NOT NULL DEFAULT '', ADD COLUMN refresh_data boolean NOT NULL DEFAULT false`);
    await runner.query(`CREATE INDEX pipeline_runs_register_as ON pipeline_runs ((spec->>'registerAs'), queued_at) WHERE outputs IS NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX pipeline_runs_register_as');
    await runner.query('ALTER TABLE pipeline_runs DROP COLUMN retrain_request_id, DROP COLUMN refresh_data');
  }
}
