import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type FileFormat } from './file-readers';

export type ImportState = 'queued' | 'running' | 'succeeded' | 'failed';

export interface ImportJob {
  jobId: string;
  requestId?: string;
  dataset: string;
  source: string;
  format: FileFormat;
  csvDelimiter: string;
  csvNullValues: string[];
  batchSize: number;
  maxRows: number;
  state: ImportState;
  contractVersion: string;
  bytesTotal: number;
  bytesRead: number;
  rowsRead: number;
  rowsStored: number;
  rowsQuarantined: number;
  error: string;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
}

interface Row {
  job_id: string;
  request_id: string | null;
  dataset: string;
  source: string;
  format: FileFormat;
  csv_delimiter: string;
  csv_null_values: string[];
  batch_size: number;
  max_rows: string;
  state: ImportState;
  contract_version: string;
  bytes_total: string;
  bytes_read: string;
  rows_read: string;
  rows_stored: string;
  rows_quarantined: string;
  error: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const toJob = (r: Row): ImportJob => ({
  jobId: r.job_id,
  requestId: r.request_id ?? undefined,
  dataset: r.dataset,
  source: r.source,
  format: r.format,
  csvDelimiter: r.csv_delimiter,
  csvNullValues: r.csv_null_values,
  batchSize: r.batch_size,
  maxRows: Number(r.max_rows),
  state: r.state,
  contractVersion: r.contract_version,
  bytesTotal: Number(r.bytes_total),
  bytesRead: Number(r.bytes_read),
  rowsRead: Number(r.rows_read),
  rowsStored: Number(r.rows_stored),
  rowsQuarantined: Number(r.rows_quarantined),
  error: r.error,
  createdAt: r.created_at,
  startedAt: r.started_at ?? undefined,
  finishedAt: r.finished_at ?? undefined,
});

/** How long a worker owns a running job without renewing; a crashed worker's job is then taken over. */
export const LEASE_SECONDS = 30;

@Injectable()
export class ImportJobRepository {
  constructor(private readonly db: DataSource) {}

  /** Creates the job, or returns the existing one with the same request id. */
  async create(job: Pick<ImportJob, 'jobId' | 'requestId' | 'dataset' | 'source' | 'format' | 'csvDelimiter' | 'csvNullValues' | 'batchSize' | 'maxRows' | 'bytesTotal'>): Promise<ImportJob> {
    const inserted = await this.db.query<Row[]>(
      `INSERT INTO import_jobs (job_id, request_id, dataset, source, format, csv_delimiter, csv_null_values, batch_size, max_rows, bytes_total, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued') ON CONFLICT (request_id) DO NOTHING RETURNING *`,
      [job.jobId, job.requestId ?? null, job.dataset, job.source, job.format, job.csvDelimiter, JSON.stringify(job.csvNullValues), job.batchSize, job.maxRows, job.bytesTotal],
    );
    if (inserted[0]) return toJob(inserted[0]);
    const existing = await this.db.query<Row[]>('SELECT * FROM import_jobs WHERE request_id = $1', [job.requestId]);
    return toJob(existing[0]);
  }

  async find(jobId: string): Promise<ImportJob | undefined> {
    const rows = await this.db.query<Row[]>('SELECT * FROM import_jobs WHERE job_id = $1', [jobId]);
    return rows[0] && toJob(rows[0]);
  }

  /** Takes the oldest queued job, or a running one whose worker stopped renewing its lease. */
  async claim(): Promise<ImportJob | undefined> {
    // TypeORM answers an UPDATE ... RETURNING with [rows, affected count].
    const [rows] = await this.db.query<[Row[], number]>(
      `UPDATE import_jobs SET state = 'running', started_at = coalesce(started_at, now()), lease_until = now() + make_interval(secs => $1)
       WHERE job_id = (
         SELECT job_id FROM import_jobs WHERE state = 'queued' OR (state = 'running' AND lease_until < now())
         ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
       RETURNING *`,
      [LEASE_SECONDS],
    );
    return rows[0] && toJob(rows[0]);
  }

  /** Records a batch's progress in the transaction that stored it, so a resumed job neither skips nor repeats rows. */
  async advance(tx: SqlExecutor, jobId: string, progress: { contractVersion: string; bytesRead: number; read: number; stored: number; quarantined: number }): Promise<void> {
    await tx.query(
      `UPDATE import_jobs SET contract_version = $2, bytes_read = $3, rows_read = rows_read + $4, rows_stored = rows_stored + $5,
         rows_quarantined = rows_quarantined + $6, lease_until = now() + make_interval(secs => $7) WHERE job_id = $1`,
      [jobId, progress.contractVersion, progress.bytesRead, progress.read, progress.stored, progress.quarantined, LEASE_SECONDS],
    );
  }

  async finish(jobId: string, state: 'succeeded' | 'failed', error = ''): Promise<void> {
    await this.db.query(
      `UPDATE import_jobs SET state = $2, error = $3, finished_at = now(), lease_until = NULL,
         bytes_read = CASE WHEN $2 = 'succeeded' THEN bytes_total ELSE bytes_read END WHERE job_id = $1`,
      [jobId, state, error],
    );
  }
}
