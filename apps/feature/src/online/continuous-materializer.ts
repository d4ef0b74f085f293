import { Inject, Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { Events, OutboxWriter } from '@mlops/events';
import { type TransactionRunner } from '@mlops/persistence';
import { LOGGER, type OnServiceReady, type OnServiceStop, SERVICE_CONFIG, TRANSACTION_RUNNER } from '@mlops/platform';
import { eventsV1 } from '@mlops/proto';
import { every, type Periodic } from '@mlops/resilience';
import { type Logger } from '@mlops/telemetry';
import { type FeatureConfig } from '../config';
import { DefinitionsRepository } from '../definitions/definitions.repository';
import { Materializer } from './materializer';
import { OnlinePendingRepository, type PendingEntity } from './online-pending.repository';

const ENTITIES_PER_ROUND = 2_000;
const onlineWrites = metrics.getMeter('feature').createCounter('feature.online.values_written', { description: 'Online rows written by continuous materialization, by view' });

/**
 * Continuous materialization: brings the online values of entities that new events touched up to
 * date, a few thousand entities per transaction, every CONTINUOUS_MATERIALIZATION_INTERVAL_MS and
 * straight again while there is more. An entity touched by many events in between is computed once.
 * Replicas may compute the same entity at the same time; the online upsert makes that harmless.
 */
@Injectable()
export class ContinuousMaterializer implements OnServiceReady, OnServiceStop {
  private periodic?: Periodic;

  constructor(
    private readonly pending: OnlinePendingRepository,
    private readonly definitions: DefinitionsRepository,
    private readonly materializer: Materializer,
    private readonly outbox: OutboxWriter,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
    @Inject(SERVICE_CONFIG) private readonly config: FeatureConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onServiceReady(): Promise<void> {
    this.periodic = every(this.config.CONTINUOUS_MATERIALIZATION_INTERVAL_MS, () => this.catchUp(), (error) => this.logger.warn({ err: error }, 'continuous materialization failed; will retry'));
    return Promise.resolve();
  }

  async onServiceStop(): Promise<void> {
    await this.periodic?.stop();
  }

  private async catchUp(): Promise<void> {
    while (await this.round()) {
      // more pending entities: go on without waiting for the next tick
    }
  }

  /** Returns whether it found entities to bring up to date. */
  private async round(): Promise<boolean> {
    const started = Date.now();
    const pending = await this.pending.oldest(ENTITIES_PER_ROUND);
    if (pending.length === 0) return false;
    await this.transaction(async (tx) => {
      const applied = await this.definitions.applied(tx);
      const byView = new Map<string, PendingEntity[]>();
      for (const entity of pending) byView.set(entity.view, [...(byView.get(entity.view) ?? []), entity]);
      for (const [name, entities] of byView) {
        const view = applied.featureViews.get(name);
        if (!view?.definition.online) continue; // deleted or taken offline since it was marked
        const written = await this.materializer.materialize(tx, view.definition, view.version, entities.map((e) => e.entityKey));
        onlineWrites.add(written, { view: name });
        await this.outbox.enqueue(tx, Events.materializationCompleted, {
          jobId: '',
          mode: eventsV1.MaterializationMode.MATERIALIZATION_MODE_CONTINUOUS,
          featureViews: [{ name, version: view.version }],
          range: undefined,
          rowsRead: entities.length,
          valuesWritten: written,
          duration: { seconds: Math.floor((Date.now() - started) / 1000), nanos: ((Date.now() - started) % 1000) * 1e6 },
        });
      }
      await this.pending.clear(tx, pending);
    });
    return true;
  }
}
