import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Range lookups for marking reports whose predictions got late labels, and canary judgements per
 * deployment revision (a version deployed as canary again is judged again).
 */
export class MonitoringLookups1764000000003 implements MigrationInterface {
  name = 'MonitoringLookups1764000000003';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX reports_by_time_window ON reports (series_id, window_end) WHERE end_seq IS NULL');
    await runner.query('CREATE INDEX reports_by_count_window ON reports (series_id, end_seq) WHERE end_seq IS NOT NULL');
    await runner.query('ALTER TABLE canary_judgements ADD COLUMN revision bigint NOT NULL DEFAULT 0');
    await runner.query('ALTER TABLE canary_judgements DROP CONSTRAINT canary_judgements_pkey');
    await runner.query('ALTER TABLE canary_judgements ADD PRIMARY KEY (model_name, canary_version, revision)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE canary_judgements DROP CONSTRAINT canary_judgements_pkey');
    await runner.query('ALTER TABLE canary_judgements DROP COLUMN revision');
    await runner.query('ALTER TABLE canary_judgements ADD PRIMARY KEY (model_name, canary_version)');
    await runner.query('DROP INDEX reports_by_count_window');
    await runner.query('DROP INDEX reports_by_time_window');
  }
}
