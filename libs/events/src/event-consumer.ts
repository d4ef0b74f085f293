import { metrics } from '@opentelemetry/api';
import { type Consumer, type EachMessagePayload, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { type SqlTransaction, type TransactionRunner } from '@mlops/persistence';
import { backoffDelay, isTransientConnectionError, sleep } from '@mlops/resilience';
import { type Logger } from '@mlops/telemetry';
import { sendToDeadLetter } from './dead-letter';
import { deadLetterTopic, type EventDefinition } from './event-definition';
import { type EventEnvelope } from './envelope';
import { readCatalogEvent } from './read-event';

/** Applies an event's effect inside the transaction that records it as processed. */
export type EventHandler<T> = (payload: T, envelope: EventEnvelope, tx: SqlTransaction) => Promise<void>;

export interface Subscription<T = unknown> {
  definition: EventDefinition<T>;
  handler: EventHandler<T>;
}

export interface EventConsumerOptions {
  kafka: Kafka;
  /** Set explicitly: replicas of one service share it, and it is never suffixed (PITFALLS.md). */
  groupId: string;
  subscriptions: Subscription[];
  runInTransaction: TransactionRunner;
  /** Used to dead-letter messages that cannot be processed. */
  producer: Producer;
  logger: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  partitionsConsumedConcurrently?: number;
}

export type ConsumeOutcome = 'processed' | 'duplicate' | 'dead_lettered';

const meter = metrics.getMeter('@mlops/events');
const consumed = meter.createCounter('events.consumed', { description: 'Events consumed, by topic and outcome' });
const retried = meter.createCounter('events.retried', { description: 'Handler attempts that failed and were retried' });

/** Thrown by a handler for an event it can never apply (it names something that does not exist): dead-lettered at once, not retried. */
export class UnprocessableEventError extends Error {
  override name = 'UnprocessableEventError';
}

class DeadLetter extends Error {
  constructor(
    readonly reason: string,
    readonly attempts: number,
  ) {
    super(reason);
  }
}

/**
 * A Kafka consumer group whose handlers take effect exactly once: the event id is recorded in the
 * same transaction as the handler's writes, so a redelivered event (after a crash, a rebalance or a
 * re-produce) is recognised and skipped. A failing handler is retried with backoff; an event that
 * cannot be decoded or keeps failing goes to the group's dead-letter topic with the reason, and the
 * partition moves on instead of blocking.
 */
export class EventConsumer {
  private readonly consumer: Consumer;
  private readonly byTopic: Map<string, Subscription>;
  private stopping = new AbortController();

  constructor(private readonly options: EventConsumerOptions) {
    this.consumer = options.kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false });
    this.byTopic = new Map(options.subscriptions.map((s) => [s.definition.topic, s]));
  }

  get topics(): string[] {
    return [...this.byTopic.keys()];
  }

  async start(): Promise<void> {
    this.stopping = new AbortController();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await this.consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachMessage: (payload) => this.consume(payload).then(() => undefined),
    });
  }

  /** Waits for the messages in hand, commits their offsets and leaves the group. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.consumer.disconnect();
  }

  /** Never throws: a thrown error would make kafkajs re-deliver the message and stall the partition. */
  async consume(delivery: EachMessagePayload): Promise<ConsumeOutcome> {
    const { topic, partition, message } = delivery;
    let outcome: ConsumeOutcome;
    try {
      outcome = await this.process(topic, message, () => delivery.heartbeat());
    } catch (error) {
      // Interrupted by shutdown: leave the offset uncommitted so this or another replica redoes it.
      if (!(error instanceof DeadLetter) && this.stopping.signal.aborted) throw error;
      const deadLetter = error instanceof DeadLetter ? error : new DeadLetter(`unexpected: ${String(error)}`, 1);
      await this.deadLetter(topic, partition, message, deadLetter);
      outcome = 'dead_lettered';
    }
    consumed.add(1, { topic, outcome, 'messaging.consumer.group.name': this.options.groupId });
    return outcome;
  }

  private async process(topic: string, message: KafkaMessage, heartbeat: () => Promise<void>): Promise<ConsumeOutcome> {
    const subscription = this.byTopic.get(topic);
    if (!subscription) throw new DeadLetter(`no handler for topic ${topic}`, 0);
    const { definition, handler } = subscription;

    const read = readCatalogEvent(definition, message, topic);
    if (!read.ok) throw new DeadLetter(read.reason, 0);
    const { event: payload, envelope } = read.value;

    for (let attempt = 1; ; ) {
      try {
        return await this.options.runInTransaction(async (tx) => {
          const recorded = (await tx.query(
            'INSERT INTO processed_events (consumer_group, event_id, topic) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING event_id',
            [this.options.groupId, envelope.id, topic],
          )) as unknown[];
          if (recorded.length === 0) return 'duplicate' as const;
          await handler(payload, envelope, tx);
          return 'processed' as const;
        });
      } catch (error) {
        if (this.stopping.signal.aborted) throw error;
        if (error instanceof UnprocessableEventError) throw new DeadLetter(`unprocessable: ${error.message}`, attempt);
        // An unreachable database is not the event's fault: wait it out instead of dead-lettering.
        if (!isTransientConnectionError(error)) attempt++;
        if (attempt > this.options.maxAttempts) {
          throw new DeadLetter(`handler failed after ${attempt - 1} attempts: ${(error as Error).message}`, attempt - 1);
        }
        retried.add(1, { topic });
        this.options.logger.warn({ err: error, topic, eventId: envelope.id, attempt }, 'event handler failed; retrying');
        await sleep(backoffDelay(attempt, this.options.retryBaseMs, 30_000), this.stopping.signal);
        await heartbeat();
      }
    }
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, failure: DeadLetter): Promise<void> {
    const { groupId } = this.options;
    this.options.logger.error({ topic, partition, offset: message.offset, reason: failure.reason, deadLetterTopic: deadLetterTopic(groupId) }, 'event dead-lettered');
    await sendToDeadLetter(this.options.producer, [
      { consumerGroup: groupId, topic, partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers, reason: failure.reason, attempts: failure.attempts },
    ]);
  }
}

