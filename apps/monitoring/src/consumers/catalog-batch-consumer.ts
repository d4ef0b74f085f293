import { metrics } from '@opentelemetry/api';
import { type Producer } from 'kafkajs';
import { createProducer, type DeadLetterMessage, type EventDefinition, type EventEnvelope, type KafkaClient, readCatalogEvent, type ReadResult, sendToDeadLetter, SourceConsumer, type SourceMessage } from '@mlops/events';
import { type SqlTransaction, type TransactionRunner } from '@mlops/persistence';
import { type OnServiceReady, type OnServiceStop } from '@mlops/platform';
import { type Logger } from '@mlops/telemetry';
import { ensureConsumedTopics } from './consumed-topics';

const deadLettered = metrics.getMeter('monitoring').createCounter('monitoring.dead_lettered', { description: 'Malformed input sent to a dead-letter topic, by consumer group' });

export interface BatchConsumerOptions<T> {
  group: string;
  definition: EventDefinition<T>;
  kafka: KafkaClient;
  transaction: TransactionRunner;
  partitionConcurrency: number;
  logger: Logger;
}

/** A message that passed its checks, with what it became. */
export interface Accepted<R> {
  value: R;
  message: SourceMessage;
}

export interface Refusal {
  message: SourceMessage;
  reason: string;
}

/**
 * A high-volume catalog topic consumed in batches, each applied in the transaction that advances its
 * partition's stored offset (exactly-once effects, see SourceConsumer). Messages whose envelope,
 * payload or fields are wrong go to the group's dead-letter topic with the reason; the rest are applied.
 */
export abstract class CatalogBatchConsumer<T, R> implements OnServiceReady, OnServiceStop {
  private consumer?: SourceConsumer;
  private readonly deadLetters: Producer;

  protected constructor(private readonly options: BatchConsumerOptions<T>) {
    this.deadLetters = createProducer(options.kafka);
  }

  /** Checks one decoded event; the reason of a refusal names the bad field. */
  protected abstract accept(event: T, envelope: EventEnvelope): ReadResult<R>;

  /** Applies the accepted messages; returns those that turn out wrong only against stored state, with why. */
  protected abstract apply(tx: SqlTransaction, accepted: Accepted<R>[]): Promise<Refusal[]>;

  async onServiceReady(): Promise<void> {
    const { kafka, group, definition, transaction, partitionConcurrency, logger } = this.options;
    await ensureConsumedTopics(kafka, definition, group);
    await this.deadLetters.connect();
    this.consumer = new SourceConsumer({
      kafka, groupId: group, topic: definition.topic, runInTransaction: transaction, partitionsConsumedConcurrently: partitionConcurrency,
      logger: logger.child({ consumer: group }), handler: (messages, tx) => this.consume(messages, tx),
    });
    await this.consumer.start();
  }

  async onServiceStop(): Promise<void> {
    await this.consumer?.stop();
    await this.deadLetters.disconnect();
  }

  private async consume(messages: SourceMessage[], tx: SqlTransaction): Promise<void> {
    const { group, definition, logger } = this.options;
    const accepted: Accepted<R>[] = [];
    const refused: DeadLetterMessage[] = [];
    for (const message of messages) {
      const read = readCatalogEvent(definition, message);
      const checked = read.ok ? this.accept(read.value.event, read.value.envelope) : read;
      if (checked.ok) accepted.push({ value: checked.value, message });
      else refused.push({ ...message, consumerGroup: group, reason: checked.reason, attempts: 0 });
    }
    for (const { message, reason } of await this.apply(tx, accepted)) refused.push({ ...message, consumerGroup: group, reason, attempts: 0 });
    // Sent before the batch commits: a retried batch may dead-letter a message twice, never lose it.
    await sendToDeadLetter(this.deadLetters, refused);
    for (const letter of refused) logger.warn({ group, partition: letter.partition, offset: letter.offset, reason: letter.reason }, 'malformed message dead-lettered');
    deadLettered.add(refused.length, { group });
  }
}
