import { Inject, Injectable } from '@nestjs/common';
import { createProducer, type KafkaClient, sendToDeadLetter, Events } from '@mlops/events';
import { type TransactionRunner } from '@mlops/persistence';
import { KAFKA, LOGGER, type OnServiceReady, type OnServiceStop, SERVICE_CONFIG, TRANSACTION_RUNNER } from '@mlops/platform';
import { type Logger } from '@mlops/telemetry';
import { type MonitoringConfig } from '../config';
import { labelOutcomes, LABELS_GROUP } from './label.consumer';
import { LabelRepository } from './label.repository';

const PENDING_PER_PASS = 5_000;

/**
 * Labels held because their prediction was not stored yet: joined when it is, or, once they have
 * waited MONITORING_LABEL_WAIT_MS, counted as unmatched and sent to the dead-letter topic with the
 * reason, as they arrived. Nothing is dropped silently.
 */
@Injectable()
export class PendingLabels implements OnServiceReady, OnServiceStop {
  private readonly deadLetters;

  constructor(
    private readonly labels: LabelRepository,
    @Inject(KAFKA) kafka: KafkaClient,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
    @Inject(SERVICE_CONFIG) private readonly config: MonitoringConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.deadLetters = createProducer(kafka);
  }

  async onServiceReady(): Promise<void> {
    await this.deadLetters.connect();
  }

  async onServiceStop(): Promise<void> {
    await this.deadLetters.disconnect();
  }

  async retry(): Promise<void> {
    await this.transaction(async (tx) => {
      const pending = await this.labels.pending(tx, PENDING_PER_PASS);
      if (pending.length === 0) return;
      const matched = await this.labels.join(tx, pending.map((p) => p.label), this.config.MONITORING_LABEL_JOIN_WINDOW_MS);
      const expiredBefore = Date.now() - this.config.MONITORING_LABEL_WAIT_MS;
      const joined = pending.filter((_, i) => matched.has(i));
      const expired = pending.filter((p, i) => !matched.has(i) && p.receivedAt.getTime() < expiredBefore);
      await this.labels.count(tx, joined.map((p) => p.label.modelName), 'matched');
      await this.labels.count(tx, expired.map((p) => p.label.modelName), 'unmatched');
      await this.labels.release(tx, [...joined, ...expired].map((p) => p.labelId));
      // Sent before the release commits: a retried pass may dead-letter a label twice, never lose it.
      await sendToDeadLetter(
        this.deadLetters,
        expired.map((p) => ({
          consumerGroup: LABELS_GROUP, topic: Events.labelReceived.topic, partition: -1, offset: '-1',
          key: p.label.modelName, value: p.message, headers: p.headers, attempts: 0,
          reason: `no prediction matched within ${this.config.MONITORING_LABEL_WAIT_MS} ms of waiting (${describe(p.label.join)})`,
        })),
      );
      labelOutcomes.add(joined.length, { outcome: 'matched' });
      labelOutcomes.add(expired.length, { outcome: 'expired' });
      if (expired.length > 0) this.logger.warn({ count: expired.length }, 'labels matched no prediction; dead-lettered');
    });
  }
}

function describe(join: { by: 'request'; requestId: string; instanceIndex: number } | { by: 'entity'; entityKey: string; eventTime: Date }): string {
  return join.by === 'request' ? `request ${join.requestId} instance ${join.instanceIndex}` : `entity ${join.entityKey} at ${join.eventTime.toISOString()}`;
}
