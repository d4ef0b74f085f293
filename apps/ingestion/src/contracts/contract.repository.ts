import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type DataContract } from '../domain/contract';

export interface StoredContract {
  contract: DataContract;
  document: string;
  format: 'yaml' | 'json';
  digest: string;
  breaking: boolean;
  appliedAt: Date;
  appliedBy: string;
}

interface Row {
  spec: DataContract;
  document: string;
  format: 'yaml' | 'json';
  digest: string;
  breaking: boolean;
  applied_at: Date;
  applied_by: string;
}

const COLUMNS = 'spec, document, format, digest, breaking, applied_at, applied_by';
const toStored = (row: Row): StoredContract => ({
  contract: row.spec,
  document: row.document,
  format: row.format,
  digest: row.digest,
  breaking: row.breaking,
  appliedAt: row.applied_at,
  appliedBy: row.applied_by,
});

@Injectable()
export class ContractRepository {
  constructor(private readonly db: DataSource) {}

  /** Serialises contract changes of one dataset (held until the transaction ends). */
  async lockDataset(tx: SqlExecutor, dataset: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`contract:${dataset}`]);
  }

  async insert(tx: SqlExecutor, stored: Omit<StoredContract, 'appliedAt'>, major: number): Promise<StoredContract> {
    const rows = (await tx.query(
      `INSERT INTO contracts (dataset, version, major, spec, document, format, digest, breaking, applied_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [stored.contract.dataset, stored.contract.version, major, JSON.stringify(stored.contract), stored.document, stored.format, stored.digest, stored.breaking, stored.appliedBy],
    )) as Row[];
    return toStored(rows[0]);
  }

  async latest(dataset: string, tx: SqlExecutor = this.db): Promise<StoredContract | undefined> {
    const rows = (await tx.query(`SELECT ${COLUMNS} FROM contracts WHERE dataset = $1 ORDER BY applied_at DESC LIMIT 1`, [dataset])) as Row[];
    return rows[0] && toStored(rows[0]);
  }

  async find(dataset: string, version: string): Promise<StoredContract | undefined> {
    const rows = await this.db.query<Row[]>(`SELECT ${COLUMNS} FROM contracts WHERE dataset = $1 AND version = $2`, [dataset, version]);
    return rows[0] && toStored(rows[0]);
  }

  async versions(dataset: string, offset: number, limit: number): Promise<StoredContract[]> {
    const rows = await this.db.query<Row[]>(`SELECT ${COLUMNS} FROM contracts WHERE dataset = $1 ORDER BY applied_at DESC OFFSET $2 LIMIT $3`, [dataset, offset, limit]);
    return rows.map(toStored);
  }

  /** The latest contract of every dataset, by name. */
  async latestOfEach(offset = 0, limit = 10_000): Promise<StoredContract[]> {
    const rows = await this.db.query<Row[]>(
      `SELECT DISTINCT ON (dataset) ${COLUMNS} FROM contracts ORDER BY dataset, applied_at DESC OFFSET $1 LIMIT $2`,
      [offset, limit],
    );
    return rows.map(toStored);
  }
}
