import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type RegisteredModel } from '../domain/registered-model';

interface Row {
  name: string;
  description: string;
  owner: string;
  tags: Record<string, string>;
  task: number;
  created_at: Date;
}

const toModel = (row: Row): RegisteredModel => ({ name: row.name, description: row.description, owner: row.owner, tags: row.tags, task: row.task, createdAt: row.created_at });

@Injectable()
export class RegisteredModelRepository {
  constructor(private readonly db: DataSource) {}

  /** Inserts unless the name is taken; returns the stored model, or undefined when it already existed. */
  async insert(tx: SqlExecutor, model: Omit<RegisteredModel, 'createdAt'>): Promise<RegisteredModel | undefined> {
    const rows = (await tx.query(
      `INSERT INTO registered_models (name, description, owner, tags, task) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO NOTHING RETURNING name, description, owner, tags, task, created_at`,
      [model.name, model.description, model.owner, JSON.stringify(model.tags), model.task],
    )) as Row[];
    return rows[0] && toModel(rows[0]);
  }

  async find(name: string): Promise<RegisteredModel | undefined> {
    const rows = await this.db.query<Row[]>('SELECT name, description, owner, tags, task, created_at FROM registered_models WHERE name = $1', [name]);
    return rows[0] && toModel(rows[0]);
  }
}
