import { Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { Events, OutboxWriter } from '@mlops/events';
import { type SqlTransaction } from '@mlops/persistence';
import { OnEvent } from '@mlops/platform';
import { eventsV1 } from '@mlops/proto';
import { viewJoinKeys } from '../domain/definitions';
import { DefinitionsRepository } from '../definitions/definitions.repository';
import { Materializer } from '../online/materializer';
import { OfflineStore } from './offline-store';

const meter = metrics.getMeter('feature');
const rowsStored = meter.createCounter('feature.offline.rows', { description: 'Source rows added to the offline store, by dataset' });
const onlineWrites = meter.createCounter('feature.online.values_written', { description: 'Online rows written by continuous materialization, by view' });

/**
 * Builds the offline store from ingestion's stored-records events and keeps the online store
 * current from the same events (continuous materialization), in one transaction per event with
 * the event recorded as processed: a redelivery changes nothing.
 */
@Injectable()
export class RecordsStoredHandler {
  constructor(
    private readonly offline: OfflineStore,
    private readonly definitions: DefinitionsRepository,
    private readonly materializer: Materializer,
    private readonly outbox: OutboxWriter,
  ) {}

  @OnEvent(Events.recordsStored)
  async onRecordsStored(event: eventsV1.RecordsStored, _envelope: unknown, tx: SqlTransaction): Promise<void> {
    const started = Date.now();
    const seqs = await this.offline.insertSourceRows(
      tx,
      event.dataset,
      event.records.map((r) => ({ sourceRef: r.sourceRef, eventTime: r.eventTime ?? new Date(0), valuesJson: r.valuesJson })),
    );
    if (seqs.length === 0) return;
    rowsStored.add(seqs.length, { dataset: event.dataset });
    const applied = await this.definitions.applied(tx);
    const entities = new Map([...applied.entities].map(([name, e]) => [name, e.definition]));
    for (const { version, definition: view } of applied.featureViews.values()) {
      if (view.source !== event.dataset) continue;
      const touched = await this.offline.indexView(tx, view.name, view.source, viewJoinKeys(view, entities), seqs);
      if (!view.online || touched.length === 0) continue;
      const written = await this.materializer.materialize(tx, view, version, touched);
      onlineWrites.add(written, { view: view.name });
      const times = event.records.map((r) => r.eventTime?.getTime() ?? 0);
      await this.outbox.enqueue(tx, Events.materializationCompleted, {
        jobId: '',
        mode: eventsV1.MaterializationMode.MATERIALIZATION_MODE_CONTINUOUS,
        featureViews: [{ name: view.name, version }],
        range: { start: new Date(Math.min(...times)), end: new Date(Math.max(...times) + 1) },
        rowsRead: seqs.length,
        valuesWritten: written,
        duration: { seconds: Math.floor((Date.now() - started) / 1000), nanos: ((Date.now() - started) % 1000) * 1e6 },
      });
    }
  }
}
