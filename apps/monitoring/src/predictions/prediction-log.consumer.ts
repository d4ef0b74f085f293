import { Inject, Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { Events, type KafkaClient } from '@mlops/events';
import { type SqlTransaction, type TransactionRunner } from '@mlops/persistence';
import { KAFKA, LOGGER, SERVICE_CONFIG, TRANSACTION_RUNNER } from '@mlops/platform';
import { type eventsV1 } from '@mlops/proto';
import { type Logger } from '@mlops/telemetry';
import { type MonitoringConfig } from '../config';
import { type Accepted, CatalogBatchConsumer, type Refusal } from '../consumers/catalog-batch-consumer';
import { PredictionRepository } from './prediction.repository';
import { type LoggedPrediction, loggedPrediction } from './read-logged-prediction';

/** Its own group: the prediction log is consumed in batches with offsets kept in PostgreSQL, unlike lifecycle events. */
export const PREDICTION_LOG_GROUP = 'monitoring.predictions';

const meter = metrics.getMeter('monitoring');
const consumed = meter.createCounter('monitoring.predictions.consumed', { description: 'Prediction log entries consumed, by outcome (stored, unknown_version)' });
const instancesStored = meter.createCounter('monitoring.predictions.instances', { description: 'Logged instances stored' });

/**
 * Consumes serving's prediction log into per-series tables, each entry stored exactly once.
 * Entries for a version monitoring never saw registered are counted and skipped: there is nothing
 * to compare them with.
 */
@Injectable()
export class PredictionLogConsumer extends CatalogBatchConsumer<eventsV1.PredictionLogged, LoggedPrediction> {
  private readonly warnedUnknown = new Set<string>();

  constructor(
    private readonly predictions: PredictionRepository,
    @Inject(KAFKA) kafka: KafkaClient,
    @Inject(TRANSACTION_RUNNER) transaction: TransactionRunner,
    @Inject(SERVICE_CONFIG) config: MonitoringConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super({ group: PREDICTION_LOG_GROUP, definition: Events.predictionLogged, kafka, transaction, partitionConcurrency: config.MONITORING_PARTITION_CONCURRENCY, logger });
  }

  protected accept(entry: eventsV1.PredictionLogged) {
    return loggedPrediction(entry);
  }

  protected async apply(tx: SqlTransaction, accepted: Accepted<LoggedPrediction>[]): Promise<Refusal[]> {
    const good = accepted.map((a) => a.value);
    if (good.length === 0) return [];
    const known = await this.predictions.knownVersions(tx, good);
    const stored = good.filter((p) => this.predictions.isKnown(known, p));
    await this.predictions.store(tx, stored);
    this.warnUnknown(good.filter((p) => !this.predictions.isKnown(known, p)));
    consumed.add(stored.length, { outcome: 'stored' });
    consumed.add(good.length - stored.length, { outcome: 'unknown_version' });
    instancesStored.add(stored.reduce((n, p) => n + p.instances.length, 0));
    return [];
  }

  private warnUnknown(skipped: LoggedPrediction[]): void {
    for (const { modelName, version } of skipped) {
      const key = `${modelName} v${version}`;
      if (this.warnedUnknown.has(key)) continue;
      this.warnedUnknown.add(key);
      this.logger.warn({ model: modelName, version }, 'predictions of a version monitoring has no registration for are skipped');
    }
  }
}
