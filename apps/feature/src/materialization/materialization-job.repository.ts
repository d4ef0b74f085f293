import { Injectable } from '@nestjs/common';
import { uuidv7 } from 'uuidv7';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

export interface MaterializationJob {
  jobId: string;
  views: string[];
  start: Date;
  end: Date;
  state: JobState;
  rowsRead: number;
  valuesWritten: number;
  error: string;
  createdAt: Date;
  finishedAt?: Date;
}

interface Row {
  job_id: string;
  views: string[];
  range_start: Date;
  range_end: Date;
  state: JobState;
  rows_read: string;
  values_written: string;
  error: string;
  created_at: Date;
  finished_at: Date | null;
}

const toJob = (r: Row): MaterializationJob => ({
  jobId: r.job_id,
  views: r.views,
  start: r.range_start,
  end: r.range_end,
  state: r.state,
  rowsRead: Number(r.rows_read),
  valuesWritten: Number(r.values_written),
  error: r.error,
  createdAt: r.created_at,
  finishedAt: r.finished_at ?? undefined,
});

/** All of time, for a materialization without a range. */
export const ALL_TIME = { start: new Date('0001-01-01T00:00:00Z'), end: new Date('9999-12-31T00:00:00Z') };
const LEASE_SECONDS = 30;

@Injectable()
export class MaterializationJobRepository {
  constructor(private readonly db: DataSource) {}

  async enqueue(tx: SqlExecutor, views: string[], range: { start: Date; end: Date } | undefined): Promise<MaterializationJob> {
    const { start, end } = range ?? ALL_TIME;
    const rows = (await tx.query("INSERT INTO materialization_jobs (job_id, views, range_start, range_end, state) VALUES ($1, $2, $3, $4, 'queued') RETURNING *", [
      uuidv7(), JSON.stringify(views), start, end,
    ])) as Row[];
    return toJob(rows[0]);
  }

  /** The oldest queued job, or a running one whose worker's lease lapsed; leased to the caller. */
  async claim(): Promise<MaterializationJob | undefined> {
    const [rows] = await this.db.query<[Row[], number]>(
      `UPDATE materialization_jobs SET state = 'running', rows_read = 0, values_written = 0, lease_until = now() + make_interval(secs => ${LEASE_SECONDS})
       WHERE job_id = (SELECT job_id FROM materialization_jobs WHERE state = 'queued' OR (state = 'running' AND lease_until < now())
                       ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
       RETURNING *`,
    );
    return rows[0] && toJob(rows[0]);
  }

  async progress(tx: SqlExecutor, jobId: string, rowsRead: number, valuesWritten: number): Promise<void> {
    await tx.query(
      `UPDATE materialization_jobs SET rows_read = rows_read + $2, values_written = values_written + $3, lease_until = now() + make_interval(secs => ${LEASE_SECONDS}) WHERE job_id = $1`,
      [jobId, rowsRead, valuesWritten],
    );
  }

  async finish(tx: SqlExecutor, jobId: string, state: 'succeeded' | 'failed', error = ''): Promise<MaterializationJob> {
    // UPDATE … RETURNING answers [rows, count] through TypeORM.
    const [rows] = (await tx.query('UPDATE materialization_jobs SET state = $2, error = $3, finished_at = now(), lease_until = NULL WHERE job_id = $1 RETURNING *', [jobId, state, error])) as [Row[], number];
    return toJob(rows[0]);
  }

  async find(jobId: string): Promise<MaterializationJob | undefined> {
    const rows = await this.db.query<Row[]>('SELECT * FROM materialization_jobs WHERE job_id = $1', [jobId]);
    return rows[0] && toJob(rows[0]);
  }
}
