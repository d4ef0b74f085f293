import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The outbox and the processed-event ledger, created in the schema of every service that includes
 * this migration (tables are unqualified: the service's connection sets `search_path`).
 */
export class EventTables1764000000000 implements MigrationInterface {
  name = 'EventTables1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE outbox (
        id uuid PRIMARY KEY,
        topic text NOT NULL,
        key text NOT NULL,
        payload bytea NOT NULL,
        headers jsonb NOT NULL,
        trace_context jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await runner.query('CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL');
    await runner.query(`
      CREATE TABLE processed_events (
        consumer_group text NOT NULL,
        event_id uuid NOT NULL,
        topic text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, event_id)
      )`);
    // Wakes the relay as soon as an event commits, instead of waiting for its next poll.
    await runner.query(`
      CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('outbox_' || TG_TABLE_SCHEMA, ''); RETURN NULL; END $$`);
    await runner.query('CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox()');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE processed_events');
    await runner.query('DROP TABLE outbox');
    await runner.query('DROP FUNCTION notify_outbox');
  }
}
