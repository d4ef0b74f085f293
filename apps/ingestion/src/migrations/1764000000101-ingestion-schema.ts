import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The ingestion service's tables. Records and quarantine are append-only, so a snapshot is a
 * watermark (highest record id) plus a content digest: immutable without copying rows.
 */
export class IngestionSchema1764000000101 implements MigrationInterface {
  name = 'IngestionSchema1764000000101';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE contracts (
        dataset text NOT NULL,
        version text NOT NULL,
        major int NOT NULL,
        spec jsonb NOT NULL,
        document text NOT NULL,
        format text NOT NULL,
        digest text NOT NULL,
        breaking boolean NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        applied_by text NOT NULL,
        PRIMARY KEY (dataset, version)
      )`);
    await runner.query('CREATE INDEX contracts_latest ON contracts (dataset, applied_at DESC)');
    await runner.query(`
      CREATE TABLE records (
        id bigserial PRIMARY KEY,
        dataset text NOT NULL,
        contract_version text NOT NULL,
        event_time timestamptz NOT NULL,
        entity_key text NOT NULL,
        values jsonb NOT NULL,
        row_hash bytea NOT NULL,
        source smallint NOT NULL,
        source_ref text NOT NULL,
        ingested_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX records_by_time ON records (dataset, event_time, id)');
    await runner.query('CREATE INDEX records_by_entity ON records (dataset, entity_key, event_time)');
    await runner.query(`
      CREATE TABLE quarantine (
        id bigserial PRIMARY KEY,
        dataset text NOT NULL,
        contract_version text NOT NULL,
        raw bytea NOT NULL,
        violations jsonb NOT NULL,
        source smallint NOT NULL,
        source_ref text NOT NULL,
        batch_id text NOT NULL,
        quarantined_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX quarantine_by_dataset ON quarantine (dataset, id DESC)');
    await runner.query(`
      CREATE TABLE dataset_counters (
        dataset text NOT NULL,
        source smallint NOT NULL,
        received bigint NOT NULL DEFAULT 0,
        stored bigint NOT NULL DEFAULT 0,
        quarantined bigint NOT NULL DEFAULT 0,
        latest_event_time timestamptz,
        last_ingested_at timestamptz,
        PRIMARY KEY (dataset, source),
        CHECK (received = stored + quarantined)
      )`);
    await runner.query(`
      CREATE TABLE ingest_batches (
        batch_id text PRIMARY KEY,
        dataset text NOT NULL,
        contract_version text NOT NULL,
        received bigint NOT NULL,
        stored bigint NOT NULL,
        quarantined bigint NOT NULL,
        completed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE validation_reports (
        report_id uuid PRIMARY KEY,
        dataset text NOT NULL,
        scope text NOT NULL,
        record_count bigint NOT NULL,
        results jsonb NOT NULL,
        passed boolean NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX validation_reports_latest ON validation_reports (dataset, created_at DESC)');
    await runner.query(`
      CREATE TABLE import_jobs (
        job_id uuid PRIMARY KEY,
        request_id text UNIQUE,
        dataset text NOT NULL,
        source text NOT NULL,
        format text NOT NULL,
        csv_delimiter text NOT NULL DEFAULT ',',
        csv_null_values jsonb NOT NULL DEFAULT '[""]',
        batch_size int NOT NULL,
        max_rows bigint NOT NULL DEFAULT 0,
        state text NOT NULL,
        contract_version text NOT NULL DEFAULT '',
        bytes_total bigint NOT NULL DEFAULT 0,
        bytes_read bigint NOT NULL DEFAULT 0,
        rows_read bigint NOT NULL DEFAULT 0,
        rows_stored bigint NOT NULL DEFAULT 0,
        rows_quarantined bigint NOT NULL DEFAULT 0,
        error text NOT NULL DEFAULT '',
        lease_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        CHECK (rows_read = rows_stored + rows_quarantined)
      )`);
    await runner.query(`
      CREATE TABLE snapshots (
        snapshot_id text PRIMARY KEY,
        dataset text NOT NULL,
        contract_version text NOT NULL,
        max_record_id bigint NOT NULL,
        max_quarantine_id bigint NOT NULL,
        time_start timestamptz,
        time_end timestamptz,
        row_count bigint NOT NULL,
        received_count bigint NOT NULL,
        quarantined_count bigint NOT NULL,
        size_bytes bigint NOT NULL,
        trigger text NOT NULL,
        description text NOT NULL,
        labels jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL
      )`);
    await runner.query('CREATE INDEX snapshots_by_dataset ON snapshots (dataset, created_at DESC)');
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['snapshots', 'import_jobs', 'validation_reports', 'ingest_batches', 'dataset_counters', 'quarantine', 'records', 'contracts']) {
      await runner.query(`DROP TABLE ${table}`);
    }
  }
}
