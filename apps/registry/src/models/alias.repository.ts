import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type AliasMove } from '../domain/promotion';

export interface Move extends AliasMove {
  modelName: string;
  alias: string;
  promotionId?: string;
  actor: string;
  reason: string;
}

@Injectable()
export class AliasRepository {
  constructor(private readonly db: DataSource) {}

  /** Alias name to version. */
  async all(modelName: string, executor: SqlExecutor = this.db): Promise<Record<string, number>> {
    const rows = (await executor.query('SELECT alias, version FROM aliases WHERE model_name = $1 ORDER BY alias', [modelName])) as { alias: string; version: number }[];
    return Object.fromEntries(rows.map((r) => [r.alias, r.version]));
  }

  /** Alias name to version, for each of several models (one query for a page of models). */
  async ofModels(modelNames: string[]): Promise<Map<string, Record<string, number>>> {
    const rows = await this.db.query<{ model_name: string; alias: string; version: number }[]>('SELECT model_name, alias, version FROM aliases WHERE model_name = ANY($1) ORDER BY alias', [modelNames]);
    const byModel = new Map<string, Record<string, number>>(modelNames.map((name) => [name, {}]));
    for (const row of rows) byModel.get(row.model_name)![row.alias] = row.version;
    return byModel;
  }

  /** The version the alias points at, 0 when unset. */
  async versionOf(modelName: string, alias: string, executor: SqlExecutor = this.db): Promise<number> {
    const rows = (await executor.query('SELECT version FROM aliases WHERE model_name = $1 AND alias = $2', [modelName, alias])) as { version: number }[];
    return rows[0]?.version ?? 0;
  }

  /** Points the alias at a version and records the move (who, why, from where). */
  async move(tx: SqlExecutor, move: Move): Promise<void> {
    if (move.kind === 'delete') {
      await tx.query('DELETE FROM aliases WHERE model_name = $1 AND alias = $2', [move.modelName, move.alias]);
    } else {
      await tx.query(
        `INSERT INTO aliases (model_name, alias, version, updated_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (model_name, alias) DO UPDATE SET version = excluded.version, updated_by = excluded.updated_by, updated_at = now()`,
        [move.modelName, move.alias, move.toVersion, move.actor],
      );
    }
    await tx.query(
      'INSERT INTO alias_moves (model_name, alias, from_version, to_version, kind, promotion_id, actor, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [move.modelName, move.alias, move.fromVersion, move.toVersion, move.kind, move.promotionId ?? null, move.actor, move.reason],
    );
  }

  /** The alias's moves, newest first. */
  async moves(tx: SqlExecutor, modelName: string, alias: string): Promise<AliasMove[]> {
    const rows = (await tx.query(
      'SELECT from_version, to_version, kind FROM alias_moves WHERE model_name = $1 AND alias = $2 ORDER BY id DESC',
      [modelName, alias],
    )) as { from_version: number; to_version: number; kind: AliasMove['kind'] }[];
    return rows.map((r) => ({ fromVersion: r.from_version, toVersion: r.to_version, kind: r.kind }));
  }
}
