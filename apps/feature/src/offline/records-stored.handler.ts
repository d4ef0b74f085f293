import { Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { Events } from '@mlops/events';
import { type SqlTransaction } from '@mlops/persistence';
import { OnEvent } from '@mlops/platform';
import { type eventsV1 } from '@mlops/proto';
import { viewJoinKeys } from '../domain/definitions';
import { DefinitionsRepository } from '../definitions/definitions.repository';
import { OnlinePendingRepository } from '../online/online-pending.repository';
import { OfflineStore } from './offline-store';

const rowsStored = metrics.getMeter('feature').createCounter('feature.offline.rows', { description: 'Source rows added to the offline store, by dataset' });

/**
 * Builds the offline store from ingestion's stored-records events, in one transaction per event with
 * the event recorded as processed (a redelivery changes nothing), and marks the entities it touched
 * in online views for the continuous materializer.
 */
@Injectable()
export class RecordsStoredHandler {
  constructor(
    private readonly offline: OfflineStore,
    private readonly definitions: DefinitionsRepository,
    private readonly pending: OnlinePendingRepository,
  ) {}

  @OnEvent(Events.recordsStored)
  async onRecordsStored(event: eventsV1.RecordsStored, _envelope: unknown, tx: SqlTransaction): Promise<void> {
    const seqs = await this.offline.insertSourceRows(
      tx,
      event.dataset,
      event.records.map((r) => ({ sourceRef: r.sourceRef, eventTime: r.eventTime ?? new Date(0), valuesJson: r.valuesJson })),
    );
    if (seqs.length === 0) return;
    rowsStored.add(seqs.length, { dataset: event.dataset });
    await this.definitions.lockShared(tx);
    const applied = await this.definitions.applied(tx);
    const entities = new Map([...applied.entities].map(([name, e]) => [name, e.definition]));
    for (const { definition: view } of applied.featureViews.values()) {
      if (view.source !== event.dataset) continue;
      const touched = await this.offline.indexView(tx, view.name, view.source, viewJoinKeys(view, entities), seqs);
      if (view.online) await this.pending.mark(tx, view.name, touched);
    }
  }
}
