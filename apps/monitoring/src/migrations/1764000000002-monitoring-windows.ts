import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * What monitoring keeps: the versions it watches (from the registry's events) and the deployments
 * (from serving's), the prediction log per series (model, version, arm), labels and their join,
 * window reports, alert rules and alerts, retraining policies and the requests they made.
 */
export class MonitoringWindows1764000000002 implements MigrationInterface {
  name = 'MonitoringWindows1764000000002';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE monitored_versions (
        model_name text NOT NULL,
        version int NOT NULL,
        reference_profile jsonb,
        registered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (model_name, version)
      )`);
    await runner.query(`
      CREATE TABLE monitored_deployments (
        model_name text PRIMARY KEY,
        revision bigint NOT NULL,
        stable_version int NOT NULL,
        arms jsonb NOT NULL,
        changed_at timestamptz NOT NULL
      )`);
    // One series per model version and deployment arm; its sequence numbers order its predictions for count windows.
    await runner.query(`
      CREATE TABLE prediction_series (
        series_id serial PRIMARY KEY,
        model_name text NOT NULL,
        version int NOT NULL,
        arm text NOT NULL,
        next_seq bigint NOT NULL DEFAULT 1,
        first_predicted_at timestamptz NOT NULL,
        newest_predicted_at timestamptz NOT NULL,
        UNIQUE (model_name, version, arm)
      )`);
    await runner.query(`
      CREATE TABLE served_requests (
        series_id int NOT NULL REFERENCES prediction_series,
        request_id text NOT NULL,
        predicted_at timestamptz NOT NULL,
        latency_ms real NOT NULL,
        status_code smallint NOT NULL,
        instance_count int NOT NULL
      )`);
    await runner.query('CREATE INDEX served_requests_by_time ON served_requests (series_id, predicted_at)');
    await runner.query(`
      CREATE TABLE predictions (
        series_id int NOT NULL REFERENCES prediction_series,
        seq bigint NOT NULL,
        request_id text NOT NULL,
        instance_index int NOT NULL,
        predicted_at timestamptz NOT NULL,
        inputs jsonb NOT NULL,
        outputs jsonb NOT NULL,
        entity_key text,
        label double precision,
        label_observed_at timestamptz,
        labelled_at timestamptz,
        PRIMARY KEY (series_id, seq)
      )`);
    await runner.query('CREATE INDEX predictions_by_time ON predictions (series_id, predicted_at)');
    await runner.query('CREATE INDEX predictions_by_request ON predictions (request_id, instance_index)');
    await runner.query('CREATE INDEX predictions_by_entity ON predictions (entity_key, predicted_at) WHERE entity_key IS NOT NULL');
    await runner.query(`
      CREATE TABLE pending_labels (
        label_id bigserial PRIMARY KEY,
        model_name text NOT NULL,
        request_id text,
        instance_index int NOT NULL,
        entity_key text,
        event_time timestamptz,
        label double precision NOT NULL,
        observed_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        message bytea NOT NULL,
        headers jsonb NOT NULL
      )`);
    await runner.query(`
      CREATE TABLE label_counts (
        model_name text PRIMARY KEY,
        matched bigint NOT NULL DEFAULT 0,
        unmatched bigint NOT NULL DEFAULT 0
      )`);
    // One row per closed window of a series and window definition; `body` is the report as the API returns it.
    await runner.query(`
      CREATE TABLE reports (
        report_id uuid PRIMARY KEY,
        series_id int NOT NULL REFERENCES prediction_series,
        window_key text NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        end_seq bigint,
        prediction_count bigint NOT NULL,
        body jsonb NOT NULL,
        series_values jsonb NOT NULL,
        generated_at timestamptz NOT NULL DEFAULT now(),
        -- Labels joined after the report was computed: its performance is recomputed.
        performance_stale boolean NOT NULL DEFAULT false
      )`);
    // Count windows may end at the same instant: their last sequence number tells them apart.
    await runner.query('CREATE UNIQUE INDEX reports_one_per_window ON reports (series_id, window_key, window_end, coalesce(end_seq, 0))');
    await runner.query('CREATE INDEX reports_stale ON reports (series_id) WHERE performance_stale');
    await runner.query(`
      CREATE TABLE feature_drift (
        report_id uuid NOT NULL REFERENCES reports ON DELETE CASCADE,
        series_id int NOT NULL,
        window_key text NOT NULL,
        feature text NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        result jsonb NOT NULL,
        PRIMARY KEY (report_id, feature)
      )`);
    await runner.query('CREATE INDEX feature_drift_history ON feature_drift (feature, series_id, window_key, window_end)');
    await runner.query(`
      CREATE TABLE alert_rule_sets (
        model_name text PRIMARY KEY,
        revision int NOT NULL,
        rules jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL
      )`);
    await runner.query(`
      CREATE TABLE alerts (
        alert_id uuid PRIMARY KEY,
        model_name text NOT NULL,
        rule_name text NOT NULL,
        version int NOT NULL,
        arm text NOT NULL,
        state text NOT NULL,
        severity text NOT NULL,
        metric text NOT NULL,
        comparison text NOT NULL,
        threshold double precision NOT NULL,
        value double precision NOT NULL,
        labels jsonb NOT NULL,
        message text NOT NULL,
        pending_since timestamptz NOT NULL,
        fired_at timestamptz,
        resolved_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // At most one open (pending or firing) alert per rule and series.
    await runner.query(`CREATE UNIQUE INDEX alerts_open ON alerts (model_name, rule_name, version, arm) WHERE state IN ('pending', 'firing')`);
    await runner.query('CREATE INDEX alerts_newest ON alerts (pending_since DESC, alert_id)');
    await runner.query(`
      CREATE TABLE retrain_policies (
        model_name text PRIMARY KEY,
        revision int NOT NULL,
        policy jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL
      )`);
    await runner.query(`
      CREATE TABLE retrain_requests (
        retrain_request_id uuid PRIMARY KEY,
        model_name text NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now(),
        rule_name text NOT NULL,
        alert_id uuid NOT NULL,
        outcome text NOT NULL
      )`);
    await runner.query('CREATE INDEX retrain_requests_recent ON retrain_requests (model_name, requested_at)');
    await runner.query(`
      CREATE TABLE canary_judgements (
        model_name text NOT NULL,
        canary_version int NOT NULL,
        request_id uuid NOT NULL,
        verdict text NOT NULL,
        judged_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (model_name, canary_version)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['canary_judgements', 'retrain_requests', 'retrain_policies', 'alerts', 'alert_rule_sets', 'feature_drift', 'reports', 'label_counts', 'pending_labels', 'predictions', 'served_requests', 'prediction_series', 'monitored_deployments', 'monitored_versions']) {
      await runner.query(`DROP TABLE ${table}`);
    }
  }
}
