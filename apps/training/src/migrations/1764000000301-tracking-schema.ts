import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Experiment tracking: experiments, runs, and what runs log (params once, metrics by step, tags, artifacts). */
export class TrackingSchema1764000000301 implements MigrationInterface {
  name = 'TrackingSchema1764000000301';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE experiments (
        experiment_id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE,
        description text NOT NULL,
        tags jsonb NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE runs (
        run_id uuid PRIMARY KEY,
        experiment_id uuid NOT NULL REFERENCES experiments,
        name text NOT NULL,
        status text NOT NULL,
        started_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        start_time timestamptz,
        end_time timestamptz,
        tags jsonb NOT NULL DEFAULT '{}',
        environment jsonb,
        code_version jsonb,
        data_version jsonb,
        seed numeric(20) NOT NULL DEFAULT 0,
        failure_message text NOT NULL DEFAULT ''
      )`);
    await runner.query('CREATE INDEX runs_by_experiment ON runs (experiment_id, created_at DESC)');
    await runner.query(`
      CREATE TABLE run_params (
        run_id uuid NOT NULL REFERENCES runs,
        key text NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (run_id, key)
      )`);
    await runner.query(`
      CREATE TABLE run_metrics (
        seq bigserial PRIMARY KEY,
        run_id uuid NOT NULL REFERENCES runs,
        key text NOT NULL,
        value double precision NOT NULL,
        step bigint NOT NULL,
        time timestamptz NOT NULL
      )`);
    await runner.query('CREATE INDEX run_metrics_history ON run_metrics (run_id, key, step, time, seq)');
    await runner.query(`
      CREATE TABLE run_artifacts (
        run_id uuid NOT NULL REFERENCES runs,
        path text NOT NULL,
        digest text NOT NULL,
        size_bytes bigint NOT NULL,
        media_type text NOT NULL,
        uri text NOT NULL,
        logged_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, path)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['run_artifacts', 'run_metrics', 'run_params', 'runs', 'experiments']) await runner.query(`DROP TABLE ${table}`);
  }
}
