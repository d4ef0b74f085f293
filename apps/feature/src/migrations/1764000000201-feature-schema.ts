import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The feature service's tables: its view of ingestion's contracts, every applied definition
 * version, the offline store (source rows as ingestion announced them, and per view, keyed by the
 * view's entity), the online store and batch materialization jobs.
 */
export class FeatureSchema1764000000201 implements MigrationInterface {
  name = 'FeatureSchema1764000000201';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE source_contracts (
        dataset text PRIMARY KEY,
        version text NOT NULL,
        fields jsonb NOT NULL,
        event_time_field text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE definitions (
        kind text NOT NULL,
        name text NOT NULL,
        version int NOT NULL,
        definition jsonb NOT NULL,
        deleted boolean NOT NULL DEFAULT false,
        applied_at timestamptz NOT NULL DEFAULT now(),
        applied_by text NOT NULL,
        PRIMARY KEY (kind, name, version)
      )`);
    await runner.query(`
      CREATE TABLE source_rows (
        seq bigserial PRIMARY KEY,
        dataset text NOT NULL,
        source_ref text NOT NULL,
        event_time timestamptz NOT NULL,
        values jsonb NOT NULL,
        UNIQUE (dataset, source_ref)
      )`);
    // One row per source row and view, keyed by the view's entity; byte order ("C") so the ordered
    // scans match how the service compares keys.
    await runner.query(`
      CREATE TABLE view_rows (
        view_name text NOT NULL,
        entity_key text COLLATE "C" NOT NULL,
        event_time timestamptz NOT NULL,
        seq bigint NOT NULL,
        values jsonb NOT NULL,
        PRIMARY KEY (view_name, entity_key, event_time, seq)
      )`);
    await runner.query('CREATE INDEX view_rows_by_time ON view_rows (view_name, event_time, seq)');
    await runner.query(`
      CREATE TABLE online_values (
        view_name text NOT NULL,
        entity_key text COLLATE "C" NOT NULL,
        view_version int NOT NULL,
        event_time timestamptz NOT NULL,
        values jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (view_name, entity_key)
      )`);
    // Entities whose online values are behind their offline events, for the continuous materializer.
    // Versions come from a sequence, so a mark removed and made again never reuses one.
    await runner.query('CREATE SEQUENCE online_pending_version');
    await runner.query(`
      CREATE TABLE online_pending (
        view_name text NOT NULL,
        entity_key text COLLATE "C" NOT NULL,
        version bigint NOT NULL DEFAULT nextval('online_pending_version'),
        since timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (view_name, entity_key)
      )`);
    await runner.query(`
      CREATE TABLE materialization_jobs (
        job_id uuid PRIMARY KEY,
        views jsonb NOT NULL,
        range_start timestamptz NOT NULL,
        range_end timestamptz NOT NULL,
        state text NOT NULL,
        rows_read bigint NOT NULL DEFAULT 0,
        values_written bigint NOT NULL DEFAULT 0,
        error text NOT NULL DEFAULT '',
        lease_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE online_pending');
    await runner.query('DROP SEQUENCE online_pending_version');
    for (const table of ['materialization_jobs', 'online_values', 'view_rows', 'source_rows', 'definitions', 'source_contracts']) await runner.query(`DROP TABLE ${table}`);
  }
}
