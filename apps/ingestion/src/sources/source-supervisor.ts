import { Inject, Injectable } from '@nestjs/common';
import { type KafkaClient, SourceConsumer, type SourceMessage, topicExists } from '@mlops/events';
import { type SqlTransaction, type TransactionRunner } from '@mlops/persistence';
import { ingestionV1 } from '@mlops/proto';
import { KAFKA, LOGGER, type OnServiceReady, type OnServiceStop, SERVICE_CONFIG, TRANSACTION_RUNNER } from '@mlops/platform';
import { every, type Periodic } from '@mlops/resilience';
import { type Logger } from '@mlops/telemetry';
import { type IngestionConfig } from '../config';
import { ContractRepository } from '../contracts/contract.repository';
import { IngestService } from '../records/ingest.service';

interface Running {
  topic: string;
  concurrency: number;
  consumer: SourceConsumer;
}

/** The consumer group of a dataset's source topic: one per dataset, so a slow dataset stalls no other. */
export const sourceGroupId = (dataset: string) => `ingestion.source.${dataset}`;

/**
 * Keeps one upstream consumer running per dataset whose latest contract names a source topic,
 * reconciling with the contracts table on a timer: contracts applied on any replica are picked up
 * by all, and replicas share each topic's partitions through the dataset's consumer group.
 */
@Injectable()
export class SourceSupervisor implements OnServiceReady, OnServiceStop {
  private readonly running = new Map<string, Running>();
  private periodic?: Periodic;
  private stopped = false;

  constructor(
    private readonly contracts: ContractRepository,
    private readonly ingest: IngestService,
    @Inject(KAFKA) private readonly kafka: KafkaClient,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onServiceReady(): Promise<void> {
    await this.reconcile();
    this.periodic = every(this.config.SOURCE_RECONCILE_INTERVAL_MS, () => this.reconcile(), (error) => this.logger.warn({ err: error }, 'source reconciliation failed'));
  }

  async onServiceStop(): Promise<void> {
    this.stopped = true;
    await this.periodic?.stop();
    await Promise.all([...this.running.values()].map((r) => r.consumer.stop()));
    this.running.clear();
  }

  private async reconcile(): Promise<void> {
    const wanted = new Map((await this.contracts.latestOfEach()).flatMap((s) => (s.contract.source ? [[s.contract.dataset, s.contract.source] as const] : [])));
    for (const [dataset, running] of this.running) {
      const source = wanted.get(dataset);
      if (!source || source.topic !== running.topic || source.partitionConcurrency !== running.concurrency) {
        this.logger.info({ dataset, topic: running.topic }, 'stopping source consumer (contract changed)');
        await running.consumer.stop();
        this.running.delete(dataset);
      }
    }
    for (const [dataset, source] of wanted) {
      if (this.stopped || this.running.has(dataset)) continue;
      if (!(await topicExists(this.kafka, source.topic))) {
        this.logger.warn({ dataset, topic: source.topic }, 'source topic does not exist yet; will check again');
        continue;
      }
      const consumer = new SourceConsumer({
        kafka: this.kafka,
        groupId: sourceGroupId(dataset),
        topic: source.topic,
        runInTransaction: this.transaction,
        partitionsConsumedConcurrently: source.partitionConcurrency,
        logger: this.logger.child({ dataset, topic: source.topic }),
        handler: (messages, tx) => this.apply(dataset, messages, tx),
      });
      await consumer.start();
      this.running.set(dataset, { topic: source.topic, concurrency: source.partitionConcurrency, consumer });
      this.logger.info({ dataset, topic: source.topic, partitionConcurrency: source.partitionConcurrency }, 'source consumer started');
    }
  }

  private async apply(dataset: string, messages: SourceMessage[], tx: SqlTransaction): Promise<void> {
    const [first, last] = [messages[0], messages[messages.length - 1]];
    const records = messages.map((m) => ({ raw: m.value ?? Buffer.alloc(0), sourceRef: `${m.topic}/${m.partition}/${m.offset}` }));
    await this.ingest.ingestLatest(tx, dataset, records, { source: ingestionV1.RecordSource.RECORD_SOURCE_KAFKA, batchId: `${first.topic}/${first.partition}/${first.offset}-${last.offset}` });
  }
}
