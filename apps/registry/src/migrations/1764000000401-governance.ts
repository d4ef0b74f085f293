import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Versions, aliases and their moves, promotion policies and requests, approvals, and the audit log.
 * The database itself refuses what must never happen: a changed version (only stage and tags may
 * change), two pending promotions of one alias, an edited or deleted audit entry.
 */
export class Governance1764000000401 implements MigrationInterface {
  name = 'Governance1764000000401';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE registered_models
        ADD COLUMN latest_version integer NOT NULL DEFAULT 0,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);
    await runner.query(`
      CREATE TABLE model_versions (
        model_name text NOT NULL REFERENCES registered_models (name),
        version integer NOT NULL,
        request_id text NOT NULL,
        fingerprint text NOT NULL,
        artifact jsonb NOT NULL,
        signature jsonb NOT NULL,
        metrics jsonb NOT NULL,
        reference_profile jsonb,
        lineage jsonb NOT NULL,
        stage text NOT NULL DEFAULT 'NONE',
        tags jsonb NOT NULL DEFAULT '{}',
        description text NOT NULL DEFAULT '',
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (model_name, version),
        UNIQUE (model_name, request_id)
      )`);
    // Lineage queries run downstream from a snapshot or a run.
    await runner.query(`CREATE INDEX model_versions_snapshot ON model_versions ((lineage->>'datasetSnapshotId'))`);
    await runner.query(`CREATE INDEX model_versions_run ON model_versions ((lineage->>'trainingRunId'))`);
    await runner.query(`
      CREATE FUNCTION model_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (OLD.model_name, OLD.version, OLD.request_id, OLD.fingerprint, OLD.artifact, OLD.signature, OLD.metrics, OLD.reference_profile, OLD.lineage, OLD.created_by, OLD.created_at)
           IS DISTINCT FROM (NEW.model_name, NEW.version, NEW.request_id, NEW.fingerprint, NEW.artifact, NEW.signature, NEW.metrics, NEW.reference_profile, NEW.lineage, NEW.created_by, NEW.created_at) THEN
          RAISE EXCEPTION 'model versions are immutable: only stage, tags and description change';
        END IF;
        RETURN NEW;
      END $$`);
    await runner.query(`CREATE TRIGGER model_versions_immutable BEFORE UPDATE ON model_versions FOR EACH ROW EXECUTE FUNCTION model_versions_immutable()`);

    await runner.query(`
      CREATE TABLE aliases (
        model_name text NOT NULL,
        alias text NOT NULL,
        version integer NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (model_name, alias),
        FOREIGN KEY (model_name, version) REFERENCES model_versions (model_name, version)
      )`);
    await runner.query(`
      CREATE TABLE alias_moves (
        id bigserial PRIMARY KEY,
        model_name text NOT NULL,
        alias text NOT NULL,
        from_version integer NOT NULL,
        to_version integer NOT NULL,
        kind text NOT NULL CHECK (kind IN ('promotion', 'rollback', 'set', 'delete')),
        promotion_id uuid,
        actor text NOT NULL,
        reason text NOT NULL DEFAULT '',
        moved_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX alias_moves_newest ON alias_moves (model_name, alias, id DESC)`);

    await runner.query(`
      CREATE TABLE promotion_policies (
        model_name text PRIMARY KEY REFERENCES registered_models (name),
        policy jsonb NOT NULL,
        revision integer NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE promotions (
        id uuid PRIMARY KEY,
        model_name text NOT NULL,
        version integer NOT NULL,
        target_alias text NOT NULL,
        state text NOT NULL,
        gate_result jsonb NOT NULL,
        required_approvals integer NOT NULL,
        rollout jsonb NOT NULL,
        requested_by text NOT NULL,
        reason text NOT NULL DEFAULT '',
        request_id text,
        previous_version integer NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now(),
        decided_at timestamptz,
        FOREIGN KEY (model_name, version) REFERENCES model_versions (model_name, version),
        UNIQUE (model_name, request_id)
      )`);
    // One open promotion per alias: a second request waits for the first to be decided.
    await runner.query(`CREATE UNIQUE INDEX promotions_one_pending ON promotions (model_name, target_alias) WHERE state = 'PENDING_APPROVAL'`);
    await runner.query(`CREATE INDEX promotions_by_model ON promotions (model_name, requested_at DESC)`);
    await runner.query(`
      CREATE TABLE approvals (
        promotion_id uuid NOT NULL REFERENCES promotions (id),
        actor text NOT NULL,
        decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
        reason text NOT NULL DEFAULT '',
        decided_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (promotion_id, actor)
      )`);

    await runner.query(`
      CREATE TABLE audit_log (
        sequence bigint PRIMARY KEY,
        time timestamptz NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        model_name text NOT NULL,
        version integer NOT NULL,
        reason text NOT NULL,
        before jsonb,
        after jsonb,
        previous_hash text NOT NULL,
        hash text NOT NULL
      )`);
    await runner.query(`CREATE INDEX audit_log_by_model ON audit_log (model_name, version, sequence)`);
    await runner.query(`CREATE INDEX audit_log_by_actor ON audit_log (actor, sequence)`);
    await runner.query(`CREATE INDEX audit_log_by_time ON audit_log (time)`);
    // Accidents stop here; deliberate edits (with the trigger disabled) are caught by the hash chain.
    await runner.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit log is append-only';
      END $$`);
    await runner.query(`CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
    await runner.query(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE audit_log, approvals, promotions, promotion_policies, alias_moves, aliases, model_versions');
    await runner.query('DROP FUNCTION audit_log_append_only, model_versions_immutable');
    await runner.query('ALTER TABLE registered_models DROP COLUMN latest_version, DROP COLUMN updated_at');
  }
}
