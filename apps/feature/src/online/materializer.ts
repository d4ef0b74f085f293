import { Injectable } from '@nestjs/common';
import { type SqlExecutor } from '@mlops/persistence';
import { type FeatureView } from '../domain/definitions';
import { OfflineStore } from '../offline/offline-store';
import { OnlineComputer } from './online-computer';
import { OnlineStoreRepository } from './online-store.repository';

const AFTER_EVENT_MS = 1;

/**
 * Puts entities' values into the online store as they stand just after each entity's latest event
 * (windows include that event: what a request arriving right after it would be served). The same
 * for continuous and batch materialization; rewriting unchanged values writes nothing.
 */
@Injectable()
export class Materializer {
  constructor(
    private readonly offline: OfflineStore,
    private readonly computer: OnlineComputer,
    private readonly online: OnlineStoreRepository,
  ) {}

  /** `latest`: each entity's latest event time to materialize as of; looked up when not given. */
  async materialize(tx: SqlExecutor, view: FeatureView, version: number, entityKeys: string[], latest?: Map<string, Date>): Promise<number> {
    if (entityKeys.length === 0) return 0;
    const times = latest ?? (await this.offline.latestOf(tx, view.name, entityKeys));
    const targets = entityKeys.flatMap((entityKey) => {
      const time = times.get(entityKey);
      return time ? [{ entityKey, asOf: new Date(time.getTime() + AFTER_EVENT_MS) }] : [];
    });
    const computed = await this.computer.compute(tx, view, targets);
    return this.online.upsert(
      tx,
      view.name,
      computed.map((c) => ({
        entityKey: c.entityKey,
        viewVersion: version,
        eventTime: c.eventTime!,
        values: Object.fromEntries(view.features.map((f, i) => [f.name, c.values[i]])),
      })),
    );
  }
}
