import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The oldest and newest event a snapshot holds. `time_start`/`time_end` are the range its rows were
 * chosen by (open when unbounded), which is what reads filter on but not what the snapshot covers.
 * Snapshots made before this keep nulls and report their range as before.
 */
export class SnapshotEventRange1764000000103 implements MigrationInterface {
  name = 'SnapshotEventRange1764000000103';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE snapshots ADD COLUMN event_min timestamptz, ADD COLUMN event_max timestamptz');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE snapshots DROP COLUMN event_min, DROP COLUMN event_max');
  }
}
