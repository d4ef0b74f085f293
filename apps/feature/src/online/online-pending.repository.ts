import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';

export interface PendingEntity {
  view: string;
  entityKey: string;
  version: string;
}

/**
 * Entities whose online values lag their offline events. Marking is cheap and idempotent, so the
 * event handler stays fast during a bulk load; the continuous materializer takes each entity once
 * however many events touched it in the meantime. Each mark bumps a version: the materializer
 * clears only the versions it read, so an entity marked again while it was being computed (by
 * events its computation may not have seen) stays pending. Nothing waits on the computation.
 */
@Injectable()
export class OnlinePendingRepository {
  constructor(private readonly db: DataSource) {}

  async mark(tx: SqlExecutor, view: string, entityKeys: string[]): Promise<void> {
    if (entityKeys.length === 0) return;
    // Sorted (views come in name order too), so marks and clears lock rows in one order and cannot deadlock.
    await tx.query(
      "INSERT INTO online_pending AS p (view_name, entity_key) SELECT $1, unnest($2::text[]) ON CONFLICT (view_name, entity_key) DO UPDATE SET version = nextval('online_pending_version')",
      [view, [...entityKeys].sort()],
    );
  }

  /** The longest-pending entities, without locking them. */
  async oldest(limit: number): Promise<PendingEntity[]> {
    const rows = await this.db.query<{ view_name: string; entity_key: string; version: string }[]>(
      'SELECT view_name, entity_key, version FROM online_pending ORDER BY since LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({ view: r.view_name, entityKey: r.entity_key, version: r.version }));
  }

  /**
   * Clears entities that were not marked again since they were read. Rows are locked in (view, key)
   * order first, the order marks take them in, so a clear and a mark never deadlock.
   */
  async clear(tx: SqlExecutor, done: PendingEntity[]): Promise<void> {
    await tx.query(
      `WITH unchanged AS (
         SELECT p.view_name, p.entity_key FROM online_pending p
         JOIN unnest($1::text[], $2::text[], $3::bigint[]) AS d(view_name, entity_key, version)
           ON p.view_name = d.view_name AND p.entity_key = d.entity_key AND p.version = d.version
         ORDER BY p.view_name COLLATE "C", p.entity_key FOR UPDATE OF p
       )
       DELETE FROM online_pending p USING unchanged u WHERE p.view_name = u.view_name AND p.entity_key = u.entity_key`,
      [done.map((d) => d.view), done.map((d) => d.entityKey), done.map((d) => d.version)],
    );
  }

  async forget(tx: SqlExecutor, view: string): Promise<void> {
    await tx.query('DELETE FROM online_pending WHERE view_name = $1', [view]);
  }
}
