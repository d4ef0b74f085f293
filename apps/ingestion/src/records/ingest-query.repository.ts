import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type ingestionV1 } from '@mlops/proto';
import { type ExpectationResult } from '../domain/expectations';
import { type Violation } from '../domain/record-validator';

export interface SourceCounters {
  source: ingestionV1.RecordSource;
  received: number;
  stored: number;
  quarantined: number;
  latestEventTime?: Date;
  lastIngestedAt?: Date;
}

export interface StoredReport {
  reportId: string;
  dataset: string;
  scope: string;
  recordCount: number;
  results: ExpectationResult[];
  passed: boolean;
  createdAt: Date;
}

export interface QuarantineEntry {
  id: string;
  dataset: string;
  contractVersion: string;
  raw: Buffer;
  violations: Violation[];
  source: ingestionV1.RecordSource;
  sourceRef: string;
  batchId: string;
  quarantinedAt: Date;
}

export interface QuarantineFilter {
  dataset: string;
  batchId?: string;
  field?: string;
  rule?: string;
  from?: Date;
  to?: Date;
}

export interface CompletedBatch {
  batchId: string;
  dataset: string;
  contractVersion: string;
  received: number;
  stored: number;
  quarantined: number;
}

/** Reads of what ingestion recorded: counters, reports, quarantine, completed gRPC batches. */
@Injectable()
export class IngestQueryRepository {
  constructor(private readonly db: DataSource) {}

  async counters(dataset: string): Promise<SourceCounters[]> {
    const rows = await this.db.query<{ source: number; received: string; stored: string; quarantined: string; latest_event_time: Date | null; last_ingested_at: Date | null }[]>(
      'SELECT source, received, stored, quarantined, latest_event_time, last_ingested_at FROM dataset_counters WHERE dataset = $1 ORDER BY source',
      [dataset],
    );
    return rows.map((r) => ({
      source: r.source,
      received: Number(r.received),
      stored: Number(r.stored),
      quarantined: Number(r.quarantined),
      latestEventTime: r.latest_event_time ?? undefined,
      lastIngestedAt: r.last_ingested_at ?? undefined,
    }));
  }

  async latestReport(dataset: string): Promise<StoredReport | undefined> {
    const rows = await this.db.query<{ report_id: string; dataset: string; scope: string; record_count: string; results: ExpectationResult[]; passed: boolean; created_at: Date }[]>(
      'SELECT * FROM validation_reports WHERE dataset = $1 ORDER BY created_at DESC LIMIT 1',
      [dataset],
    );
    const r = rows[0];
    return r && { reportId: r.report_id, dataset: r.dataset, scope: r.scope, recordCount: Number(r.record_count), results: r.results, passed: r.passed, createdAt: r.created_at };
  }

  async quarantine(filter: QuarantineFilter, offset: number, limit: number): Promise<QuarantineEntry[]> {
    const rows = await this.db.query<{ id: string; dataset: string; contract_version: string; raw: Buffer; violations: Violation[]; source: number; source_ref: string; batch_id: string; quarantined_at: Date }[]>(
      `SELECT id, dataset, contract_version, raw, violations, source, source_ref, batch_id, quarantined_at FROM quarantine
       WHERE dataset = $1 AND ($2::text IS NULL OR batch_id = $2)
         AND ($3::text IS NULL OR violations @> jsonb_build_array(jsonb_build_object('field', $3::text)))
         AND ($4::text IS NULL OR violations @> jsonb_build_array(jsonb_build_object('rule', $4::text)))
         AND ($5::timestamptz IS NULL OR quarantined_at >= $5) AND ($6::timestamptz IS NULL OR quarantined_at < $6)
       ORDER BY id DESC OFFSET $7 LIMIT $8`,
      [filter.dataset, filter.batchId ?? null, filter.field ?? null, filter.rule ?? null, filter.from ?? null, filter.to ?? null, offset, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      dataset: r.dataset,
      contractVersion: r.contract_version,
      raw: r.raw,
      violations: r.violations,
      source: r.source,
      sourceRef: r.source_ref,
      batchId: r.batch_id,
      quarantinedAt: r.quarantined_at,
    }));
  }

  async lockBatch(tx: SqlExecutor, batchId: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`batch:${batchId}`]);
  }

  async findBatch(batchId: string, tx: SqlExecutor = this.db): Promise<CompletedBatch | undefined> {
    const rows = (await tx.query('SELECT batch_id, dataset, contract_version, received, stored, quarantined FROM ingest_batches WHERE batch_id = $1', [batchId])) as {
      batch_id: string; dataset: string; contract_version: string; received: string; stored: string; quarantined: string;
    }[];
    const r = rows[0];
    return r && { batchId: r.batch_id, dataset: r.dataset, contractVersion: r.contract_version, received: Number(r.received), stored: Number(r.stored), quarantined: Number(r.quarantined) };
  }

  async completeBatch(tx: SqlExecutor, batch: CompletedBatch): Promise<void> {
    await tx.query('INSERT INTO ingest_batches (batch_id, dataset, contract_version, received, stored, quarantined) VALUES ($1, $2, $3, $4, $5, $6)', [
      batch.batchId, batch.dataset, batch.contractVersion, batch.received, batch.stored, batch.quarantined,
    ]);
  }
}
