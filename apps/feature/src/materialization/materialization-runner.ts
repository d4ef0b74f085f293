import { Inject, Injectable } from '@nestjs/common';
import { Events, OutboxWriter } from '@mlops/events';
import { type TransactionRunner } from '@mlops/persistence';
import { LOGGER, type OnServiceReady, type OnServiceStop, SERVICE_CONFIG, TRANSACTION_RUNNER } from '@mlops/platform';
import { eventsV1 } from '@mlops/proto';
import { every, type Periodic } from '@mlops/resilience';
import { type Logger } from '@mlops/telemetry';
import { type FeatureConfig } from '../config';
import { DefinitionsRepository } from '../definitions/definitions.repository';
import { type FeatureView } from '../domain/definitions';
import { OfflineStore } from '../offline/offline-store';
import { Materializer } from '../online/materializer';
import { type MaterializationJob, MaterializationJobRepository } from './materialization-job.repository';

const ENTITIES_PER_TRANSACTION = 500;

/**
 * Runs batch materializations off the request path, one job at a time per replica: for each view,
 * the entities with events in the range, as of their latest event in it, a few hundred entities per
 * transaction with the job's progress. A job whose worker died is taken over when its lease lapses
 * and redone; redoing writes nothing that is already there.
 */
@Injectable()
export class MaterializationRunner implements OnServiceReady, OnServiceStop {
  private periodic?: Periodic;

  constructor(
    private readonly jobs: MaterializationJobRepository,
    private readonly definitions: DefinitionsRepository,
    private readonly offline: OfflineStore,
    private readonly materializer: Materializer,
    private readonly outbox: OutboxWriter,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
    @Inject(SERVICE_CONFIG) private readonly config: FeatureConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onServiceReady(): Promise<void> {
    this.periodic = every(this.config.MATERIALIZATION_POLL_INTERVAL_MS, () => this.runQueued(), (error) => this.logger.warn({ err: error }, 'materialization worker failed'));
    return Promise.resolve();
  }

  async onServiceStop(): Promise<void> {
    await this.periodic?.stop();
  }

  private async runQueued(): Promise<void> {
    for (let job = await this.jobs.claim(); job; job = await this.jobs.claim()) await this.run(job);
  }

  private async run(job: MaterializationJob): Promise<void> {
    const started = Date.now();
    const log = this.logger.child({ jobId: job.jobId, views: job.views });
    try {
      const versions: { name: string; version: number }[] = [];
      for (const name of job.views) {
        const view = await this.definitions.find<FeatureView>('feature_view', name);
        if (!view) throw new Error(`feature view "${name}" no longer exists`);
        versions.push({ name, version: view.version });
        const entities = await this.offline.entitiesIn(name, job.start, job.end);
        for (let i = 0; i < entities.length; i += ENTITIES_PER_TRANSACTION) {
          const chunk = entities.slice(i, i + ENTITIES_PER_TRANSACTION);
          await this.transaction(async (tx) => {
            const written = await this.materializer.materialize(tx, view.definition, view.version, chunk.map((e) => e.entityKey), new Map(chunk.map((e) => [e.entityKey, e.latest])));
            await this.jobs.progress(tx, job.jobId, chunk.reduce((n, e) => n + e.rows, 0), written);
          });
        }
      }
      await this.transaction(async (tx) => {
        const done = await this.jobs.finish(tx, job.jobId, 'succeeded');
        await this.outbox.enqueue(tx, Events.materializationCompleted, {
          jobId: job.jobId,
          mode: eventsV1.MaterializationMode.MATERIALIZATION_MODE_BATCH,
          featureViews: versions,
          range: { start: job.start, end: job.end },
          rowsRead: done.rowsRead,
          valuesWritten: done.valuesWritten,
          duration: { seconds: Math.floor((Date.now() - started) / 1000), nanos: ((Date.now() - started) % 1000) * 1e6 },
        });
        log.info({ rowsRead: done.rowsRead, valuesWritten: done.valuesWritten, ms: Date.now() - started }, 'materialization succeeded');
      });
    } catch (error) {
      log.error({ err: error }, 'materialization failed');
      await this.transaction((tx) => this.jobs.finish(tx, job.jobId, 'failed', (error as Error).message));
    }
  }
}
