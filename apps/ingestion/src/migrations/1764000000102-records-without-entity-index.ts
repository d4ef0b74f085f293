import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Nothing in this service looks records up by entity (the feature service keeps its own per-entity
 * store), and the index cost a fifth of the bulk-insert rate.
 */
export class RecordsWithoutEntityIndex1764000000102 implements MigrationInterface {
  name = 'RecordsWithoutEntityIndex1764000000102';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX records_by_entity');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX records_by_entity ON records (dataset, entity_key, event_time)');
  }
}
