import { Inject, Injectable } from '@nestjs/common';
import { BufferedPublisher, Events, type KafkaClient } from '@mlops/events';
import { KAFKA, LOGGER, type OnServiceReady, type OnServiceStop, SERVICE_CONFIG } from '@mlops/platform';
import { durationFromMs, type eventsV1 } from '@mlops/proto';
import { type Logger } from '@mlops/telemetry';
import { type ServingConfig } from '../config';

const STOP_FLUSH_MS = 5_000;

/** One served (or refused) request as the log carries it; instances are built only when it is logged. */
export interface PredictionRecord {
  requestId: string;
  modelName: string;
  version: number;
  arm: string;
  revision: number;
  protocol: 'predict' | 'oip';
  predictedAt: Date;
  latencyMs: number;
  statusCode: number;
  errorMessage: string;
  sampleRate: number;
  instances: () => eventsV1.LoggedInstance[];
}

/**
 * The prediction log: handed to Kafka in batches off the request path. While Kafka is slow or down
 * entries wait in a bounded buffer; past the bound they are dropped and counted, never waited for.
 */
@Injectable()
export class PredictionLog implements OnServiceReady, OnServiceStop {
  private readonly publisher: BufferedPublisher;

  constructor(@Inject(KAFKA) kafka: KafkaClient, @Inject(SERVICE_CONFIG) config: ServingConfig, @Inject(LOGGER) logger: Logger) {
    this.publisher = new BufferedPublisher({
      kafka, logger, name: 'prediction-log',
      maxBuffered: config.PREDICTION_LOG_BUFFER, maxBatch: Math.min(config.PREDICTION_LOG_BATCH, config.PREDICTION_LOG_BUFFER), lingerMs: config.PREDICTION_LOG_LINGER_MS,
    });
  }

  /** Connects in the background: a broker that is down must not keep predictions from being served. */
  onServiceReady(): Promise<void> {
    this.publisher.start();
    return Promise.resolve();
  }

  async onServiceStop(): Promise<void> {
    await this.publisher.stop(STOP_FLUSH_MS);
  }

  record(record: PredictionRecord): void {
    // A full buffer drops (and counts) the entry anyway: do not spend time building its instances.
    const room = !this.publisher.full;
    this.publisher.publish(Events.predictionLogged, {
      requestId: record.requestId, modelName: record.modelName, modelVersion: record.version, arm: record.arm, deploymentRevision: record.revision,
      instances: room && record.statusCode === 0 ? record.instances() : [],
      latency: durationFromMs(record.latencyMs),
      predictedAt: record.predictedAt, statusCode: record.statusCode, errorMessage: record.errorMessage, sampleRate: record.sampleRate, protocol: record.protocol,
    });
  }
}
