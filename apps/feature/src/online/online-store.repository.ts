import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type FeatureValue } from '../domain/point-in-time';

export interface OnlineRow {
  entityKey: string;
  viewVersion: number;
  eventTime: Date;
  /** By feature name: a feature added since the row was written is absent (missing). */
  values: Record<string, FeatureValue>;
}

/** The online store: each entity's latest values per view, one row per (view, entity). */
@Injectable()
export class OnlineStoreRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Writes rows that are newer than what is stored, or as new but different (a late event, a new
   * view version); returns how many were written. Rewriting the same values writes nothing, so
   * materializing a range twice changes nothing.
   */
  async upsert(tx: SqlExecutor, view: string, rows: OnlineRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const written = (await tx.query(
      `INSERT INTO online_values AS o (view_name, entity_key, view_version, event_time, values)
       SELECT $1, t.entity_key, t.view_version, t.event_time, t.values FROM unnest($2::text[], $3::int[], $4::timestamptz[], $5::jsonb[]) AS t(entity_key, view_version, event_time, values)
       ON CONFLICT (view_name, entity_key) DO UPDATE SET view_version = EXCLUDED.view_version, event_time = EXCLUDED.event_time, values = EXCLUDED.values, updated_at = now()
       WHERE o.event_time <= EXCLUDED.event_time AND (o.values, o.view_version, o.event_time) IS DISTINCT FROM (EXCLUDED.values, EXCLUDED.view_version, EXCLUDED.event_time)
       RETURNING 1`,
      [view, rows.map((r) => r.entityKey), rows.map((r) => r.viewVersion), rows.map((r) => r.eventTime), rows.map((r) => JSON.stringify(r.values))],
    )) as unknown[];
    return written.length;
  }

  async read(view: string, entityKeys: string[]): Promise<Map<string, OnlineRow>> {
    const rows = await this.db.query<{ entity_key: string; view_version: number; event_time: Date; values: Record<string, FeatureValue> }[]>(
      'SELECT entity_key, view_version, event_time, values FROM online_values WHERE view_name = $1 AND entity_key = ANY($2::text[])',
      [view, entityKeys],
    );
    return new Map(rows.map((r) => [r.entity_key, { entityKey: r.entity_key, viewVersion: r.view_version, eventTime: r.event_time, values: r.values }]));
  }

  async clear(tx: SqlExecutor, view: string): Promise<void> {
    await tx.query('DELETE FROM online_values WHERE view_name = $1', [view]);
  }
}
