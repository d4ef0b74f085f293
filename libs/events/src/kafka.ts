import { type Admin, Kafka, logLevel, type LogEntry, Partitioners, type Producer } from 'kafkajs';
import { type Logger } from '@mlops/telemetry';
import { deadLetterTopic, type EventDefinition } from './event-definition';

/** The Kafka client services are handed (injected as `KAFKA`), named here so they never import kafkajs. */
export type KafkaClient = Kafka;

/**
 * kafkajs is frozen upstream (PITFALLS.md), so it is only ever touched inside this library:
 * swapping the client means changing these files, not the services.
 */
export function createKafka(options: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  dropKafkajsTimeoutWarning();
  const log = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3_000,
    // Our own start-up loop retries with backoff while reporting NOT_SERVING; keep the client's short.
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, label, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        const method = level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'debug';
        log[method]({ ...rest, kafkaLevel: label }, message);
      },
  });
}

/**
 * A plain (non-idempotent, non-transactional) producer: kafkajs marks idempotence experimental and
 * its transactions have known failure modes (PITFALLS.md); the outbox and idempotent consumers are
 * the guarantee instead. The murmur2 partitioner is the Java client's, so keys land on the same
 * partitions whichever client produced them.
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({ allowAutoTopicCreation: false, idempotent: false, createPartitioner: Partitioners.DefaultPartitioner });
}

/** Creates the catalog topics a service produces or consumes, plus its dead-letter topic. Idempotent. */
export async function ensureTopics(admin: Admin, definitions: EventDefinition<unknown>[], consumerGroup?: string): Promise<void> {
  const wanted = new Map(definitions.map((d) => [d.topic, d.partitions]));
  if (consumerGroup) wanted.set(deadLetterTopic(consumerGroup), 3);
  const existing = new Set(await admin.listTopics());
  const missing = [...wanted].filter(([topic]) => !existing.has(topic));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map(([topic, numPartitions]) => ({ topic, numPartitions, replicationFactor: -1 })),
  });
}

/** Whether a topic exists on the cluster (upstream topics belong to their producers; we never create them). */
export async function topicExists(kafka: Kafka, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}

let droppingTimeoutWarning = false;

/**
 * kafkajs 2.2.4 arms a timer with a negative delay after responses on Node 24 (tulios/kafkajs#1751,
 * fixed only in unreleased pull requests). Node clamps it to 1 ms and prints a
 * TimeoutNegativeWarning, noise in every log and terminal; only that warning is dropped.
 */
export function dropKafkajsTimeoutWarning(): void {
  if (droppingTimeoutWarning) return;
  droppingTimeoutWarning = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const options = rest[0];
    const type = typeof options === 'string' ? options : (options as { type?: string } | undefined)?.type;
    if (type !== 'TimeoutNegativeWarning') emit(warning, ...rest);
  });
}
