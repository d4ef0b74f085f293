import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type DataSource } from 'typeorm';
import { transactionRunner } from '@mlops/persistence';
import { createLogger } from '@mlops/telemetry';
import { eventually, infrastructure, KafkaProbe, migratedTestSchema, testEvent } from '@mlops/testing';
import { EventTables1764000000000 } from './event-tables.migration';
import { HEADER, headerText } from './envelope';
import { createKafka, createProducer, ensureTopics } from './kafka';
import { OutboxRelay } from './outbox-relay';
import { OutboxWriter } from './outbox-writer';

const WORKSPACE = join(__dirname, '../../..');
const logger = createLogger('outbox-test', 'warn');

describe('transactional outbox (real PostgreSQL and Kafka)', () => {
  const infra = infrastructure();
  const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'outbox-test', logger });
  const producer = createProducer(kafka);
  const probe = new KafkaProbe(infra.kafkaBrokers);
  const event = testEvent('outbox');
  let schema: string;
  let dataSource: DataSource;

  beforeAll(async () => {
    ({ schema, dataSource } = await migratedTestSchema(infra.databaseUrl, 'outbox_it', [EventTables1764000000000]));
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [event]);
    await admin.disconnect();
    await producer.connect();
    await probe.start([event.topic]);
  });

  afterAll(async () => {
    await probe.stop();
    await producer.disconnect();
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  const relay = () => new OutboxRelay({ schema, runInTransaction: transactionRunner(dataSource), producer, logger, pollIntervalMs: 50 });
  const unpublished = () => dataSource.query<{ id: string }[]>('SELECT id FROM outbox WHERE published_at IS NULL');

  it('delivers an event whose publisher was killed after the commit and before the publish', async () => {
    const child = spawn(process.execPath, [join(WORKSPACE, 'dist/libs/testing/src/fixtures/commit-then-crash.js')], {
      env: { ...process.env, SCHEMA: schema, TOPIC: event.topic, KEY: 'crashed-before-publish' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));

    expect(signal).toBe('SIGKILL');
    const committedId = (JSON.parse(output) as { committed: string }).committed;
    expect(await dataSource.query('SELECT name FROM widgets')).toEqual([{ name: 'crashed-before-publish' }]);
    expect(await unpublished()).toEqual([{ id: committedId }]);
    expect(probe.on(event.topic)).toHaveLength(0);

    // The restarted publisher's relay finds the committed row and ships it.
    const restarted = relay();
    restarted.start();
    try {
      const [delivered] = await eventually(() => {
        const messages = probe.on(event.topic);
        if (messages.length === 0) throw new Error('not delivered yet');
        return messages;
      });
      expect(headerText(delivered.headers, HEADER.id)).toBe(committedId);
      expect(event.codec.decode(delivered.value!).reason).toBe('crashed-before-publish');
      expect(await unpublished()).toEqual([]);
    } finally {
      await restarted.stop();
    }
  });

  it('never delivers the event of a rolled-back transaction', async () => {
    const writer = new OutboxWriter();
    const before = probe.on(event.topic).length;
    await expect(
      transactionRunner(dataSource)(async (tx) => {
        await writer.enqueue(tx, event, { reason: 'rolled-back', domain: 'test', metadata: {} });
        throw new Error('state change failed');
      }),
    ).rejects.toThrow('state change failed');
    const committed = await transactionRunner(dataSource)((tx) => writer.enqueue(tx, event, { reason: 'committed-after', domain: 'test', metadata: {} }));

    const once = relay();
    expect(await once.relayOnce()).toBe(1);

    // Same topic, so had the rolled-back event been shipped it would sit before this one.
    const after = await eventually(() => {
      const messages = probe.on(event.topic).slice(before);
      if (messages.length === 0) throw new Error('not delivered yet');
      return messages;
    });
    expect(after.map((m) => event.codec.decode(m.value!).reason)).toEqual(['committed-after']);
    expect(headerText(after[0].headers, HEADER.id)).toBe(committed.id);
    const rolledBackRows = await dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM outbox WHERE position($1::bytea in payload) > 0', [Buffer.from('rolled-back')]);
    expect(rolledBackRows).toEqual([{ n: 0 }]);
  });

  it('publishes events with the same key in commit order', async () => {
    const writer = new OutboxWriter();
    const before = probe.on(event.topic).length;
    for (let i = 0; i < 30; i++) {
      await transactionRunner(dataSource)((tx) => writer.enqueue(tx, event, { reason: 'ordered-key', domain: String(i), metadata: {} }));
    }
    expect(await relay().relayOnce()).toBe(30);
    const delivered = await eventually(() => {
      const messages = probe.on(event.topic).slice(before);
      if (messages.length < 30) throw new Error(`only ${messages.length} delivered`);
      return messages;
    });
    expect(delivered.map((m) => event.codec.decode(m.value!).domain)).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
  });

  it('publishes same-key events that together exceed the broker\'s batch limit, in order', async () => {
    const writer = new OutboxWriter();
    const before = probe.on(event.topic).length;
    const big = 'x'.repeat(300 * 1024); // 12 events of 300 KiB: 3.6 MiB under one key
    await transactionRunner(dataSource)((tx) =>
      writer.enqueueMany(tx, event, Array.from({ length: 12 }, (_, i) => ({ reason: 'big-batch', domain: String(i), metadata: { padding: big } }))),
    );
    expect(await relay().relayOnce()).toBe(12);
    const delivered = await eventually(() => {
      const messages = probe.on(event.topic).slice(before);
      if (messages.length < 12) throw new Error(`only ${messages.length} delivered`);
      return messages;
    }, 30_000);
    expect(delivered.map((m) => event.codec.decode(m.value!).domain)).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
  });
});
