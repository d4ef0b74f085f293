import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type CanonicalValue } from '../domain/record-validator';
import { type SnapshotProgress } from '../domain/snapshot-policy';

export interface SnapshotRecord {
  snapshotId: string;
  dataset: string;
  contractVersion: string;
  maxRecordId: string;
  /** The range rows were chosen by (open ends unset); reads filter on it. */
  timeStart?: Date;
  timeEnd?: Date;
  /** The oldest and newest event held (unset for snapshots made before they were kept). */
  eventMin?: Date;
  eventMax?: Date;
  rowCount: number;
  receivedCount: number;
  quarantinedCount: number;
  sizeBytes: number;
  trigger: 'manual' | 'schedule' | 'size';
  description: string;
  labels: Record<string, string>;
  createdAt: Date;
  createdBy: string;
}

export interface SnapshotContent {
  rowCount: number;
  timeMin?: Date;
  timeMax?: Date;
  sizeBytes: number;
  /** sha256 over the row hashes in snapshot order (event time, then row hash). */
  rowsDigest: string;
}

interface Row {
  snapshot_id: string;
  dataset: string;
  contract_version: string;
  max_record_id: string;
  time_start: Date | null;
  time_end: Date | null;
  event_min: Date | null;
  event_max: Date | null;
  row_count: string;
  received_count: string;
  quarantined_count: string;
  size_bytes: string;
  trigger: SnapshotRecord['trigger'];
  description: string;
  labels: Record<string, string>;
  created_at: Date;
  created_by: string;
}

const toRecord = (r: Row): SnapshotRecord => ({
  snapshotId: r.snapshot_id,
  dataset: r.dataset,
  contractVersion: r.contract_version,
  maxRecordId: r.max_record_id,
  timeStart: r.time_start ?? undefined,
  timeEnd: r.time_end ?? undefined,
  eventMin: r.event_min ?? undefined,
  eventMax: r.event_max ?? undefined,
  rowCount: Number(r.row_count),
  receivedCount: Number(r.received_count),
  quarantinedCount: Number(r.quarantined_count),
  sizeBytes: Number(r.size_bytes),
  trigger: r.trigger,
  description: r.description,
  labels: r.labels,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

/** The rows of a snapshot: a dataset's records up to a watermark, optionally within an event-time range. */
const IN_SNAPSHOT = 'dataset = $1 AND id <= $2 AND ($3::timestamptz IS NULL OR event_time >= $3) AND ($4::timestamptz IS NULL OR event_time < $4)';

@Injectable()
export class SnapshotRepository {
  constructor(private readonly db: DataSource) {}

  async lockDataset(tx: SqlExecutor, dataset: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`snapshot:${dataset}`]);
  }

  async watermarks(tx: SqlExecutor, dataset: string): Promise<{ maxRecordId?: string; maxQuarantineId: string; stored: number; quarantined: number }> {
    const [row] = (await tx.query(
      `SELECT (SELECT max(id)::text FROM records WHERE dataset = $1) AS max_record_id,
              (SELECT coalesce(max(id), 0)::text FROM quarantine WHERE dataset = $1) AS max_quarantine_id,
              (SELECT count(*) FROM records WHERE dataset = $1)::bigint AS stored,
              (SELECT count(*) FROM quarantine WHERE dataset = $1)::bigint AS quarantined`,
      [dataset],
    )) as { max_record_id: string | null; max_quarantine_id: string; stored: string; quarantined: string }[];
    return { maxRecordId: row.max_record_id ?? undefined, maxQuarantineId: row.max_quarantine_id, stored: Number(row.stored), quarantined: Number(row.quarantined) };
  }

  /** Rows stored so far (from the counters, which reconcile with the tables) against the latest snapshot. */
  async progress(tx: SqlExecutor, dataset: string): Promise<SnapshotProgress> {
    const [row] = await tx.query(
      `SELECT (SELECT coalesce(sum(stored), 0) FROM dataset_counters WHERE dataset = $1)::bigint AS stored,
              s.received_count - s.quarantined_count AS latest_stored, s.created_at AS latest_at
       FROM (SELECT 1) AS one LEFT JOIN LATERAL (
         SELECT received_count, quarantined_count, created_at FROM snapshots WHERE dataset = $1 ORDER BY created_at DESC LIMIT 1
       ) AS s ON true`,
      [dataset],
    ) as { stored: string; latest_stored: string | null; latest_at: Date | null }[];
    return {
      storedRows: Number(row.stored),
      latest: row.latest_at ? { storedRows: Number(row.latest_stored), createdAt: row.latest_at } : undefined,
    };
  }

  async content(tx: SqlExecutor, dataset: string, maxRecordId: string, start?: Date, end?: Date): Promise<SnapshotContent> {
    const [row] = (await tx.query(
      `SELECT count(*)::bigint AS row_count, min(event_time) AS time_min, max(event_time) AS time_max,
              coalesce(sum(pg_column_size(values)), 0)::bigint AS size_bytes,
              encode(sha256(coalesce(string_agg(row_hash, ''::bytea ORDER BY event_time, row_hash), ''::bytea)), 'hex') AS rows_digest
       FROM records WHERE ${IN_SNAPSHOT}`,
      [dataset, maxRecordId, start ?? null, end ?? null],
    )) as { row_count: string; time_min: Date | null; time_max: Date | null; size_bytes: string; rows_digest: string }[];
    return { rowCount: Number(row.row_count), timeMin: row.time_min ?? undefined, timeMax: row.time_max ?? undefined, sizeBytes: Number(row.size_bytes), rowsDigest: row.rows_digest };
  }

  /** Callers hold the dataset's snapshot lock and have checked the content address is new. */
  async insert(tx: SqlExecutor, s: Omit<SnapshotRecord, 'createdAt'>, maxQuarantineId: string): Promise<SnapshotRecord> {
    const rows = (await tx.query(
      `INSERT INTO snapshots (snapshot_id, dataset, contract_version, max_record_id, max_quarantine_id, time_start, time_end, event_min, event_max, row_count,
                              received_count, quarantined_count, size_bytes, trigger, description, labels, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING *`,
      [s.snapshotId, s.dataset, s.contractVersion, s.maxRecordId, maxQuarantineId, s.timeStart ?? null, s.timeEnd ?? null, s.eventMin ?? null, s.eventMax ?? null, s.rowCount,
        s.receivedCount, s.quarantinedCount, s.sizeBytes, s.trigger, s.description, JSON.stringify(s.labels), s.createdBy],
    )) as Row[];
    return toRecord(rows[0]);
  }

  async find(snapshotId: string, tx: SqlExecutor = this.db): Promise<SnapshotRecord | undefined> {
    const rows = (await tx.query('SELECT * FROM snapshots WHERE snapshot_id = $1', [snapshotId])) as Row[];
    return rows[0] && toRecord(rows[0]);
  }

  async list(dataset: string, offset: number, limit: number): Promise<SnapshotRecord[]> {
    const rows = await this.db.query<Row[]>('SELECT * FROM snapshots WHERE dataset = $1 ORDER BY created_at DESC, snapshot_id OFFSET $2 LIMIT $3', [dataset, offset, limit]);
    return rows.map(toRecord);
  }

  async count(dataset: string): Promise<number> {
    const [row] = await this.db.query<{ n: string }[]>('SELECT count(*) AS n FROM snapshots WHERE dataset = $1', [dataset]);
    return Number(row.n);
  }

  /**
   * Streams a snapshot's rows in snapshot order by keyset pages, so memory stays flat whatever its
   * size; `skip` rows are passed over first (to resume a read).
   */
  async *rows(snapshot: SnapshotRecord, pageSize: number, skip: number): AsyncGenerator<Record<string, CanonicalValue>[]> {
    let after: { time: Date; hash: Buffer; id: string } | undefined;
    let offset = skip;
    for (;;) {
      const page = await this.db.query<{ values: Record<string, CanonicalValue>; event_time: Date; row_hash: Buffer; id: string }[]>(
        `SELECT values, event_time, row_hash, id FROM records WHERE ${IN_SNAPSHOT}
           AND ($5::timestamptz IS NULL OR (event_time, row_hash, id) > ($5, $6, $7::bigint))
         ORDER BY event_time, row_hash, id OFFSET $8 LIMIT $9`,
        [snapshot.dataset, snapshot.maxRecordId, snapshot.timeStart ?? null, snapshot.timeEnd ?? null, after?.time ?? null, after?.hash ?? null, after?.id ?? null, offset, pageSize],
      );
      if (page.length === 0) return;
      yield page.map((r) => r.values);
      const last = page[page.length - 1];
      after = { time: last.event_time, hash: last.row_hash, id: last.id };
      offset = 0;
      if (page.length < pageSize) return;
    }
  }
}
