import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type PagePosition } from '../domain/page-token';

export interface MonitoredModel {
  name: string;
  task: number;
  registeredAt: Date;
}

@Injectable()
export class MonitoredModelRepository {
  constructor(private readonly db: DataSource) {}

  async upsert(tx: SqlExecutor, model: MonitoredModel): Promise<void> {
    await tx.query(
      `INSERT INTO monitored_models (name, task, registered_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET task = EXCLUDED.task, registered_at = EXCLUDED.registered_at`,
      [model.name, model.task, model.registeredAt],
    );
  }

  /** One page in registration order, after `after` when given; fetches one extra row to know if more follow. */
  async page(limit: number, after?: PagePosition): Promise<{ models: MonitoredModel[]; more: boolean }> {
    const rows = await this.db.query<{ name: string; task: number; registered_at: Date }[]>(
      `SELECT name, task, registered_at FROM monitored_models
       WHERE $1::timestamptz IS NULL OR (registered_at, name) > ($1::timestamptz, $2::text)
       ORDER BY registered_at, name LIMIT $3`,
      [after?.at ?? null, after?.key ?? null, limit + 1],
    );
    return {
      models: rows.slice(0, limit).map((r) => ({ name: r.name, task: r.task, registeredAt: r.registered_at })),
      more: rows.length > limit,
    };
  }
}
