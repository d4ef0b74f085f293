import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor, streamQuery } from '@mlops/persistence';
import { type KeyedEvent } from '../domain/point-in-time';

export interface SourceRow {
  sourceRef: string;
  eventTime: Date;
  valuesJson: string;
}

/** The view's entity key of a stored row, built in SQL the way entityKeyOf builds it in TypeScript. */
const ENTITY_KEY = `(SELECT string_agg(s.values->>k.key, E'\\x1f' ORDER BY k.ord) FROM unnest($2::text[]) WITH ORDINALITY AS k(key, ord))`;
const HAS_KEYS = `NOT EXISTS (SELECT 1 FROM unnest($2::text[]) AS k(key) WHERE coalesce(jsonb_typeof(s.values->k.key), 'missing') NOT IN ('string', 'number', 'boolean'))`;

/**
 * The offline store: every row ingestion stored (announced by its events), and per feature view the
 * same rows keyed by the view's entity, in event-time order for retrieval and by entity for the
 * online path.
 */
@Injectable()
export class OfflineStore {
  constructor(private readonly db: DataSource) {}

  /** Returns the sequence numbers of the rows that were new (a redelivered row is stored once). */
  async insertSourceRows(tx: SqlExecutor, dataset: string, rows: SourceRow[]): Promise<string[]> {
    if (rows.length === 0) return [];
    const inserted = (await tx.query(
      `INSERT INTO source_rows (dataset, source_ref, event_time, values)
       SELECT $1, t.source_ref, t.event_time, t.values FROM unnest($2::text[], $3::timestamptz[], $4::jsonb[]) AS t(source_ref, event_time, values)
       ON CONFLICT (dataset, source_ref) DO NOTHING RETURNING seq::text`,
      [dataset, rows.map((r) => r.sourceRef), rows.map((r) => r.eventTime.toISOString()), rows.map((r) => r.valuesJson)],
    )) as { seq: string }[];
    return inserted.map((r) => r.seq);
  }

  /**
   * Keys source rows into a view (all of the dataset's rows, or those with the given sequence
   * numbers) and returns the entity keys touched. Rows missing a join key value have no entity.
   */
  async indexView(tx: SqlExecutor, view: string, dataset: string, joinKeys: string[], seqs?: string[]): Promise<string[]> {
    const rows = (await tx.query(
      `INSERT INTO view_rows (view_name, entity_key, event_time, seq, values)
       SELECT $1, ${ENTITY_KEY}, s.event_time, s.seq, s.values FROM source_rows s
       WHERE s.dataset = $3 AND ($4::bigint[] IS NULL OR s.seq = ANY($4::bigint[])) AND ${HAS_KEYS}
       ON CONFLICT DO NOTHING RETURNING entity_key`,
      [view, joinKeys, dataset, seqs ?? null],
    )) as { entity_key: string }[];
    return [...new Set(rows.map((r) => r.entity_key))];
  }

  async clearView(tx: SqlExecutor, view: string): Promise<void> {
    await tx.query('DELETE FROM view_rows WHERE view_name = $1', [view]);
  }

  /** A view's events up to a time, in (event time, arrival) order, streamed. */
  async *events(view: string, untilMs: number): AsyncGenerator<KeyedEvent> {
    const rows = streamQuery<{ entity_key: string; event_time: Date; seq: string; values: Record<string, unknown> }>(
      this.db,
      'SELECT entity_key, event_time, seq, values FROM view_rows WHERE view_name = $1 AND event_time <= $2 ORDER BY event_time, seq',
      [view, new Date(untilMs)],
    );
    for await (const row of rows) yield { entityKey: row.entity_key, event: { timeMs: row.event_time.getTime(), seq: Number(row.seq), values: row.values } };
  }

  /** Entities of a view with events in [start, end): their latest event time in it and their event count. */
  async entitiesIn(view: string, start: Date, end: Date): Promise<{ entityKey: string; latest: Date; rows: number }[]> {
    const rows = await this.db.query<{ entity_key: string; latest: Date; rows: number }[]>(
      'SELECT entity_key, max(event_time) AS latest, count(*)::int AS rows FROM view_rows WHERE view_name = $1 AND event_time >= $2 AND event_time < $3 GROUP BY entity_key ORDER BY entity_key',
      [view, start, end],
    );
    return rows.map((r) => ({ entityKey: r.entity_key, latest: r.latest, rows: r.rows }));
  }

  /** The latest event time of each of the given entities of a view. */
  async latestOf(tx: SqlExecutor, view: string, entityKeys: string[]): Promise<Map<string, Date>> {
    const rows = (await tx.query(
      'SELECT k.entity_key, (SELECT max(event_time) FROM view_rows r WHERE r.view_name = $1 AND r.entity_key = k.entity_key) AS latest FROM unnest($2::text[]) AS k(entity_key)',
      [view, entityKeys],
    )) as { entity_key: string; latest: Date | null }[];
    return new Map(rows.flatMap((r) => (r.latest ? [[r.entity_key, r.latest] as const] : [])));
  }

  /** Random (entity, event time) pairs of a view, for the parity check. */
  async sample(view: string, size: number, seed: number): Promise<{ entityKey: string; time: Date }[]> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT setseed($1)', [((seed % 2_000_000) / 1_000_000) - 1]);
      const rows = await tx.query<{ entity_key: string; event_time: Date }[]>('SELECT entity_key, event_time FROM view_rows WHERE view_name = $1 ORDER BY random() LIMIT $2', [view, size]);
      return rows.map((r) => ({ entityKey: r.entity_key, time: r.event_time }));
    });
  }
}
