import { type Producer } from 'kafkajs';
import { type DataSource } from 'typeorm';
import { type ErrorInfo } from '@mlops/proto';
import { transactionRunner } from '@mlops/persistence';
import { createLogger } from '@mlops/telemetry';
import { eventually, infrastructure, KafkaProbe, migratedTestSchema, testEvent } from '@mlops/testing';
import { deadLetterTopic, type EventDefinition } from './event-definition';
import { envelopeHeaders, headerText, newEnvelope } from './envelope';
import { EventConsumer, type EventHandler } from './event-consumer';
import { EventTables1764000000000 } from './event-tables.migration';
import { createKafka, createProducer, ensureTopics } from './kafka';

const logger = createLogger('consumer-test', 'error');

describe('idempotent event consumer (real PostgreSQL and Kafka)', () => {
  const infra = infrastructure();
  const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'consumer-test', logger });
  let producer: Producer;
  let dataSource: DataSource;
  let schema: string;
  const consumers: EventConsumer[] = [];

  beforeAll(async () => {
    ({ schema, dataSource } = await migratedTestSchema(infra.databaseUrl, 'consumer_it', [EventTables1764000000000]));
    await dataSource.query('CREATE TABLE effects (reason text PRIMARY KEY, applied int NOT NULL)');
    producer = createProducer(kafka);
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  });

  afterAll(async () => {
    await producer.disconnect();
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  /** The effect under test: count how often each event's reason was applied. */
  const countEffect: EventHandler<ErrorInfo> = async (payload, _envelope, tx) => {
    await tx.query('INSERT INTO effects (reason, applied) VALUES ($1, 1) ON CONFLICT (reason) DO UPDATE SET applied = effects.applied + 1', [payload.reason]);
  };
  const applied = async (reason: string) =>
    (await dataSource.query<{ applied: number }[]>('SELECT applied FROM effects WHERE reason = $1', [reason]))[0]?.applied ?? 0;

  async function startConsumer(event: EventDefinition<ErrorInfo>, handler: EventHandler<ErrorInfo>, groupId: string) {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [event], groupId);
    await admin.disconnect();
    const consumer = new EventConsumer({
      kafka,
      groupId,
      subscriptions: [{ definition: event, handler: handler as EventHandler<unknown> }],
      runInTransaction: transactionRunner(dataSource),
      producer,
      logger,
      maxAttempts: 3,
      retryBaseMs: 10,
    });
    consumers.push(consumer);
    await consumer.start();
    return consumer;
  }

  function produce(event: EventDefinition<ErrorInfo>, reason: string, headers: Record<string, string> = envelopeHeaders(newEnvelope(event)), value?: Buffer) {
    return producer.send({
      topic: event.topic,
      messages: [{ key: reason, value: value ?? Buffer.from(event.codec.encode({ reason, domain: 'test', metadata: {} }).finish()), headers }],
    });
  }

  it('applies an event delivered twice (same event id) exactly once', async () => {
    const event = testEvent('dup');
    await startConsumer(event, countEffect, `${event.type}.group`);
    const headers = envelopeHeaders(newEnvelope(event));
    await produce(event, 'twice', headers);
    await produce(event, 'twice', headers);
    await produce(event, 'marker');

    await eventually(async () => expect(await applied('marker')).toBe(1));
    const [{ n }] = await dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM processed_events WHERE topic = $1', [event.topic]);
    expect(await applied('twice')).toBe(1);
    expect(n).toBe(2);
  });

  it('dead-letters an undecodable payload with the reason and moves on', async () => {
    const event = testEvent('poison', 1);
    const groupId = `${event.type}.group`;
    const probe = new KafkaProbe(infra.kafkaBrokers);
    await startConsumer(event, countEffect, groupId);
    await probe.start([deadLetterTopic(groupId)]);
    try {
      await produce(event, 'poison', envelopeHeaders(newEnvelope(event)), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
      await produce(event, 'no-envelope', {});
      await produce(event, 'after-poison');

      await eventually(async () => expect(await applied('after-poison')).toBe(1));
      const dead = await eventually(() => {
        const messages = probe.on(deadLetterTopic(groupId));
        if (messages.length < 2) throw new Error('not dead-lettered yet');
        return messages;
      });
      expect(dead.map((m) => m.key?.toString())).toEqual(['poison', 'no-envelope']);
      expect(headerText(dead[0].headers, 'dead-letter-reason')).toMatch(/^cannot decode test\.poison.* payload: /);
      expect(headerText(dead[0].headers, 'dead-letter-topic')).toBe(event.topic);
      expect(dead[0].value).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
      expect(headerText(dead[1].headers, 'dead-letter-reason')).toBe('invalid envelope: missing header event-id');
      expect(await applied('poison')).toBe(0);
    } finally {
      await probe.stop();
    }
  });

  it('retries a failing handler with backoff, then dead-letters it without applying anything', async () => {
    const event = testEvent('failing', 1);
    const groupId = `${event.type}.group`;
    const probe = new KafkaProbe(infra.kafkaBrokers);
    let attempts = 0;
    await startConsumer(
      event,
      async (payload, envelope, tx) => {
        await countEffect(payload, envelope, tx); // rolled back with the failure below
        if (payload.reason === 'always-fails') {
          attempts++;
          throw new Error('boom');
        }
      },
      groupId,
    );
    await probe.start([deadLetterTopic(groupId)]);
    try {
      await produce(event, 'always-fails');
      await produce(event, 'fine');
      await eventually(async () => expect(await applied('fine')).toBe(1));
      const [dead] = await eventually(() => {
        const messages = probe.on(deadLetterTopic(groupId));
        if (messages.length === 0) throw new Error('not dead-lettered yet');
        return messages;
      });
      expect(headerText(dead.headers, 'dead-letter-reason')).toBe('handler failed after 3 attempts: boom');
      expect(attempts).toBe(3);
      expect(await applied('always-fails')).toBe(0);
    } finally {
      await probe.stop();
    }
  });

  it('applies every event once across a rebalance and a consumer restart', async () => {
    const event = testEvent('rebalance', 4);
    const groupId = `${event.type}.group`;
    const first = await startConsumer(event, countEffect, groupId);
    const reasons = Array.from({ length: 300 }, (_, i) => `r${i}`);
    const send = (slice: string[]) => Promise.all(slice.map((reason) => produce(event, reason)));

    await send(reasons.slice(0, 100));
    await startConsumer(event, countEffect, groupId); // joins: the group rebalances
    await send(reasons.slice(100, 200));
    await first.stop(); // leaves: another rebalance, its partitions move
    consumers.splice(consumers.indexOf(first), 1);
    await send(reasons.slice(200));

    await eventually(async () => {
      const [{ n }] = await dataSource.query<{ n: number }[]>("SELECT count(*)::int AS n FROM effects WHERE reason LIKE 'r%'");
      expect(n).toBe(300);
    }, 60_000);
    const [{ total }] = await dataSource.query<{ total: number }[]>("SELECT sum(applied)::int AS total FROM effects WHERE reason LIKE 'r%'");
    expect(total).toBe(300);
  });
});
