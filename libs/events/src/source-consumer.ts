import { metrics } from '@opentelemetry/api';
import { type Consumer, type EachBatchPayload, type IHeaders, type Kafka } from 'kafkajs';
import { type SqlTransaction, type TransactionRunner } from '@mlops/persistence';
import { backoffDelay, sleep } from '@mlops/resilience';
import { type Logger } from '@mlops/telemetry';

/** A message from an upstream topic: raw bytes, not a catalog event (no envelope). */
export interface SourceMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders | undefined;
  timestamp: string;
}

/** Applies a batch of one partition's messages inside the transaction that advances its stored offset. */
export type SourceBatchHandler = (messages: SourceMessage[], tx: SqlTransaction) => Promise<void>;

export interface SourceConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  runInTransaction: TransactionRunner;
  handler: SourceBatchHandler;
  logger: Logger;
  partitionsConsumedConcurrently: number;
  retryBaseMs?: number;
}

const meter = metrics.getMeter('@mlops/events');
const consumedMessages = meter.createCounter('source.messages.consumed', { description: 'Upstream messages applied, by topic' });
const skippedMessages = meter.createCounter('source.messages.redelivered', { description: 'Upstream messages skipped because their effect was already applied' });
const lagGauge = meter.createObservableGauge('source.consumer.lag', { description: 'Messages behind the partition high watermark, by topic and partition' });

/**
 * Consumes an upstream topic with exactly-once effects, the way a Kafka Connect sink does: the next
 * offset of each partition is stored in PostgreSQL in the same transaction as the batch's writes, and
 * messages below it are skipped. A crash between the database commit and the Kafka offset commit, a
 * rebalance that hands a partition over mid-batch (kafkajs #1046), or two replicas briefly owning one
 * partition (the row lock serialises them) therefore never apply a message twice. A failing batch is
 * retried with backoff, never skipped: every upstream record must end up stored or quarantined.
 */
export class SourceConsumer {
  private readonly consumer: Consumer;
  private readonly stopping = new AbortController();
  private readonly lag = new Map<number, number>();
  private readonly observeLag = (result: { observe(value: number, attributes: Record<string, string | number>): void }) => {
    for (const [partition, lag] of this.lag) result.observe(lag, { topic: this.options.topic, partition });
  };

  constructor(private readonly options: SourceConsumerOptions) {
    this.consumer = options.kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false, maxBytesPerPartition: 2 * 1024 * 1024 });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
    lagGauge.addCallback(this.observeLag);
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.consumeBatch(payload),
    });
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    lagGauge.removeCallback(this.observeLag);
    await this.consumer.disconnect();
  }

  private async consumeBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const heartbeat = () => payload.heartbeat();
    if (batch.messages.length === 0) return;
    const messages: SourceMessage[] = batch.messages.map((m) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: m.offset,
      key: m.key,
      value: m.value,
      headers: m.headers,
      timestamp: m.timestamp,
    }));
    const last = batch.lastOffset();
    for (let attempt = 1; ; attempt++) {
      if (!payload.isRunning() || payload.isStale()) return; // the partition moved or we are stopping: its new owner takes over
      try {
        const applied = await this.options.runInTransaction((tx) => this.apply(tx, batch.topic, batch.partition, messages));
        consumedMessages.add(applied, { topic: batch.topic });
        skippedMessages.add(messages.length - applied, { topic: batch.topic });
        break;
      } catch (error) {
        if (this.stopping.signal.aborted) throw error;
        this.options.logger.warn({ err: error, topic: batch.topic, partition: batch.partition, attempt }, 'source batch failed; retrying');
        await sleep(backoffDelay(attempt, this.options.retryBaseMs ?? 200, 10_000), this.stopping.signal).catch(() => undefined);
        await heartbeat().catch(() => undefined);
      }
    }
    payload.resolveOffset(last);
    await payload.commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }] });
    this.lag.set(batch.partition, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last) - 1n)));
    await heartbeat();
  }

  /** Returns how many messages took effect (the rest had already been applied). */
  private async apply(tx: SqlTransaction, topic: string, partition: number, messages: SourceMessage[]): Promise<number> {
    const { groupId } = this.options;
    await tx.query('INSERT INTO source_offsets (consumer_group, topic, partition, next_offset) VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING', [groupId, topic, partition]);
    const [{ next_offset: stored }] = (await tx.query('SELECT next_offset FROM source_offsets WHERE consumer_group = $1 AND topic = $2 AND partition = $3 FOR UPDATE', [groupId, topic, partition])) as { next_offset: string }[];
    const next = BigInt(stored);
    const fresh = messages.filter((m) => BigInt(m.offset) >= next);
    if (fresh.length === 0) return 0;
    await this.options.handler(fresh, tx);
    const after = BigInt(fresh[fresh.length - 1].offset) + 1n;
    await tx.query('UPDATE source_offsets SET next_offset = $4, updated_at = now() WHERE consumer_group = $1 AND topic = $2 AND partition = $3', [groupId, topic, partition, after.toString()]);
    return fresh.length;
  }
}
