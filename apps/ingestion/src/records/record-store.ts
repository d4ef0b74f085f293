import { Injectable } from '@nestjs/common';
import { type SqlExecutor, type SqlTransaction } from '@mlops/persistence';
import { type ingestionV1 } from '@mlops/proto';
import { type AcceptedRow, type RejectedRow } from '../domain/batch';

export interface BatchTarget {
  dataset: string;
  contractVersion: string;
  source: ingestionV1.RecordSource;
  /** Groups quarantine entries: the gRPC batch id, the import job id or the source topic. */
  batchId: string;
}

/**
 * Writes a validated batch in bulk (COPY for the valid rows; one unnest insert for the rejected ones,
 * whose ids the dead letters carry) instead of a round trip per row, and moves the dataset's counters
 * in the same transaction so they reconcile.
 */
@Injectable()
export class RecordStore {
  async insertAccepted(tx: SqlTransaction, target: BatchTarget, rows: AcceptedRow[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.copyRows(
      'records',
      ['dataset', 'contract_version', 'event_time', 'entity_key', 'values', 'row_hash', 'source', 'source_ref'],
      rows.map((r) => [target.dataset, target.contractVersion, r.eventTime, r.entityKey, r.valuesJson, r.rowHash, target.source, r.sourceRef]),
    );
  }

  /** Returns the quarantine id of each rejected row, by source ref. */
  async insertRejected(tx: SqlExecutor, target: BatchTarget, rows: RejectedRow[]): Promise<Map<string, string>> {
    if (rows.length === 0) return new Map();
    const inserted = (await tx.query(
      `INSERT INTO quarantine (dataset, contract_version, raw, violations, source, source_ref, batch_id)
       SELECT $1, $2, t.raw, t.violations, $3, t.source_ref, $4
       FROM unnest($5::bytea[], $6::jsonb[], $7::text[]) AS t(raw, violations, source_ref)
       RETURNING id, source_ref`,
      [target.dataset, target.contractVersion, target.source, target.batchId, rows.map((r) => r.raw), rows.map((r) => JSON.stringify(r.violations)), rows.map((r) => r.sourceRef)],
    )) as { id: string; source_ref: string }[];
    return new Map(inserted.map((r) => [r.source_ref, r.id]));
  }

  async addToCounters(tx: SqlExecutor, target: BatchTarget, stored: number, quarantined: number, latestEventTime: Date | undefined): Promise<void> {
    await tx.query(
      `INSERT INTO dataset_counters AS c (dataset, source, received, stored, quarantined, latest_event_time, last_ingested_at)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       ON CONFLICT (dataset, source) DO UPDATE SET
         received = c.received + EXCLUDED.received,
         stored = c.stored + EXCLUDED.stored,
         quarantined = c.quarantined + EXCLUDED.quarantined,
         latest_event_time = GREATEST(c.latest_event_time, EXCLUDED.latest_event_time),
         last_ingested_at = now()`,
      [target.dataset, target.source, stored + quarantined, stored, quarantined, latestEventTime ?? null],
    );
  }
}
