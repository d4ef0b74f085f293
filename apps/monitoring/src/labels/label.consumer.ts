import { Inject, Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { type EventEnvelope, Events, type KafkaClient } from '@mlops/events';
import { type SqlTransaction, type TransactionRunner } from '@mlops/persistence';
import { KAFKA, LOGGER, SERVICE_CONFIG, TRANSACTION_RUNNER } from '@mlops/platform';
import { type eventsV1 } from '@mlops/proto';
import { type Logger } from '@mlops/telemetry';
import { type MonitoringConfig } from '../config';
import { type Accepted, CatalogBatchConsumer, type Refusal } from '../consumers/catalog-batch-consumer';
import { LabelRepository } from './label.repository';
import { type ReceivedLabel, receivedLabel } from './read-label';

export const LABELS_GROUP = 'monitoring.labels';

export const labelOutcomes = metrics.getMeter('monitoring').createCounter('monitoring.labels', { description: 'Labels consumed, by outcome (matched, held, expired)' });

/**
 * Consumes ground-truth labels and joins each to its prediction at once. A label whose prediction is
 * not stored yet is held (the prediction log may be behind) and retried by the evaluator.
 */
@Injectable()
export class LabelConsumer extends CatalogBatchConsumer<eventsV1.LabelReceived, ReceivedLabel> {
  constructor(
    private readonly labels: LabelRepository,
    @Inject(KAFKA) kafka: KafkaClient,
    @Inject(TRANSACTION_RUNNER) transaction: TransactionRunner,
    @Inject(SERVICE_CONFIG) private readonly config: MonitoringConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    super({ group: LABELS_GROUP, definition: Events.labelReceived, kafka, transaction, partitionConcurrency: config.MONITORING_PARTITION_CONCURRENCY, logger });
  }

  protected accept(event: eventsV1.LabelReceived, envelope: EventEnvelope) {
    return receivedLabel(event, envelope.time);
  }

  protected async apply(tx: SqlTransaction, all: Accepted<ReceivedLabel>[]): Promise<Refusal[]> {
    // A classifier's label is 0 or 1: anything else would poison its performance figures.
    const classifiers = await this.labels.classifiers(tx, [...new Set(all.map((a) => a.value.modelName).filter(Boolean))]);
    const misfit = (a: Accepted<ReceivedLabel>) => classifiers.has(a.value.modelName) && a.value.label !== 0 && a.value.label !== 1;
    const accepted = all.filter((a) => !misfit(a));
    const matched = await this.labels.join(tx, accepted.map((a) => a.value), this.config.MONITORING_LABEL_JOIN_WINDOW_MS);
    await this.labels.count(tx, accepted.filter((_, i) => matched.has(i)).map((a) => a.value.modelName), 'matched');
    await this.labels.hold(tx, accepted.filter((_, i) => !matched.has(i)).map((a) => ({ label: a.value, message: a.message.value ?? Buffer.alloc(0), headers: a.message.headers ?? {} })));
    labelOutcomes.add(matched.size, { outcome: 'matched' });
    labelOutcomes.add(accepted.length - matched.size, { outcome: 'held' });
    return all.filter(misfit).map((a) => ({ message: a.message, reason: `label ${a.value.label} for classifier "${a.value.modelName}" must be 0 or 1 (or a boolean)` }));
  }
}
