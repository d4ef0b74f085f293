import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Where each upstream partition's consumption stands, committed with the effects of the messages before it. */
export class SourceOffsets1764000000001 implements MigrationInterface {
  name = 'SourceOffsets1764000000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE source_offsets (
        consumer_group text NOT NULL,
        topic text NOT NULL,
        partition int NOT NULL,
        next_offset bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, topic, partition)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE source_offsets');
  }
}
