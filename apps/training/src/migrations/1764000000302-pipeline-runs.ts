import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** The training pipeline's queue: one row per pipeline run, beside its tracked run. */
export class PipelineRuns1764000000302 implements MigrationInterface {
  name = 'PipelineRuns1764000000302';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE pipeline_runs (
        run_id uuid PRIMARY KEY REFERENCES runs,
        request_id text UNIQUE,
        spec jsonb NOT NULL,
        state text NOT NULL,
        stage text NOT NULL DEFAULT 'QUEUED',
        progress double precision NOT NULL DEFAULT 0,
        message text NOT NULL DEFAULT '',
        attempt int NOT NULL DEFAULT 0,
        lease_owner text,
        lease_until timestamptz,
        not_before timestamptz NOT NULL DEFAULT now(),
        failure jsonb,
        outputs jsonb,
        cancel_reason text NOT NULL DEFAULT '',
        queued_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX pipeline_runs_waiting ON pipeline_runs (queued_at) WHERE state IN ('QUEUED', 'RUNNING', 'CANCEL_REQUESTED')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE pipeline_runs');
  }
}
