import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type NewRegisteredModel, type RegisteredModel } from '../domain/registered-model';

interface Row {
  name: string;
  description: string;
  owner: string;
  tags: Record<string, string>;
  task: number;
  latest_version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'name, description, owner, tags, task, latest_version, created_at, updated_at';

const toModel = (row: Row): RegisteredModel => ({
  name: row.name, description: row.description, owner: row.owner, tags: row.tags, task: row.task, latestVersion: row.latest_version, createdAt: row.created_at, updatedAt: row.updated_at,
});

@Injectable()
export class RegisteredModelRepository {
  constructor(private readonly db: DataSource) {}

  /** Inserts unless the name is taken; returns the stored model, or undefined when it already existed. */
  async insert(tx: SqlExecutor, model: NewRegisteredModel): Promise<RegisteredModel | undefined> {
    const rows = (await tx.query(
      `INSERT INTO registered_models (name, description, owner, tags, task) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
      [model.name, model.description, model.owner, JSON.stringify(model.tags), model.task],
    )) as Row[];
    return rows[0] && toModel(rows[0]);
  }

  async find(name: string, executor: SqlExecutor = this.db): Promise<RegisteredModel | undefined> {
    const rows = (await executor.query(`SELECT ${COLUMNS} FROM registered_models WHERE name = $1`, [name])) as Row[];
    return rows[0] && toModel(rows[0]);
  }

  /**
   * The model, locked until the transaction ends. Every change to a model's versions, aliases,
   * policy and promotions takes this lock first, so they happen one at a time per model.
   */
  async lock(tx: SqlExecutor, name: string): Promise<RegisteredModel | undefined> {
    const rows = (await tx.query(`SELECT ${COLUMNS} FROM registered_models WHERE name = $1 FOR UPDATE`, [name])) as Row[];
    return rows[0] && toModel(rows[0]);
  }

  /** Allocates the next version number (under the model's lock). */
  async nextVersion(tx: SqlExecutor, name: string): Promise<number> {
    const [rows] = (await tx.query('UPDATE registered_models SET latest_version = latest_version + 1, updated_at = now() WHERE name = $1 RETURNING latest_version', [name])) as [{ latest_version: number }[], number];
    return rows[0].latest_version;
  }

  async touch(tx: SqlExecutor, name: string): Promise<void> {
    await tx.query('UPDATE registered_models SET updated_at = now() WHERE name = $1', [name]);
  }

  async list(nameContains: string, offset: number, limit: number): Promise<RegisteredModel[]> {
    const rows = await this.db.query<Row[]>(
      `SELECT ${COLUMNS} FROM registered_models WHERE strpos(name, $1) > 0 ORDER BY name LIMIT $2 OFFSET $3`,
      [nameContains, limit, offset],
    );
    return rows.map(toModel);
  }
}
