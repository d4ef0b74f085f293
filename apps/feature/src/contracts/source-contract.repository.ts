import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type ValueType } from '../domain/definitions';
import { type SourceContract } from '../domain/source-contract';

interface Row {
  dataset: string;
  version: string;
  fields: [string, ValueType][];
  event_time_field: string;
}

/** The latest contract of each ingestion dataset, as ingestion announced it. */
@Injectable()
export class SourceContractRepository {
  constructor(private readonly db: DataSource) {}

  async upsert(tx: SqlExecutor, contract: SourceContract): Promise<void> {
    await tx.query(
      `INSERT INTO source_contracts (dataset, version, fields, event_time_field) VALUES ($1, $2, $3, $4)
       ON CONFLICT (dataset) DO UPDATE SET version = EXCLUDED.version, fields = EXCLUDED.fields, event_time_field = EXCLUDED.event_time_field, updated_at = now()`,
      [contract.dataset, contract.version, JSON.stringify([...contract.fields]), contract.eventTimeField],
    );
  }

  async all(tx: SqlExecutor = this.db): Promise<Map<string, SourceContract>> {
    const rows = (await tx.query('SELECT dataset, version, fields, event_time_field FROM source_contracts')) as Row[];
    return new Map(rows.map((r) => [r.dataset, { dataset: r.dataset, version: r.version, fields: new Map(r.fields), eventTimeField: r.event_time_field }]));
  }
}
