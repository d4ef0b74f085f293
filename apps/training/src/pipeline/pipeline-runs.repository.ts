import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';

/** QUEUED → RUNNING (leased by one replica) → DONE; CANCEL_REQUESTED while a running run stops. */
export type PipelineState = 'QUEUED' | 'RUNNING' | 'CANCEL_REQUESTED' | 'DONE';
export type Stage = 'QUEUED' | 'FETCH' | 'SPLIT' | 'TRAIN' | 'EVALUATE' | 'PROFILE' | 'PACKAGE' | 'DONE';

export interface PipelineRow {
  run_id: string;
  request_id: string | null;
  spec: unknown;
  state: PipelineState;
  stage: Stage;
  progress: number;
  message: string;
  attempt: number;
  failure: unknown;
  outputs: unknown;
  cancel_reason: string;
  retrain_request_id: string;
  /** Read the newest snapshot of the spec's dataset instead of the one named (retrains). */
  refresh_data: boolean;
  updated_at: Date;
}

export interface QueueOptions {
  requestId?: string;
  retrainRequestId?: string;
  refreshData?: boolean;
}

export interface Activity {
  stage: Stage;
  progress: number;
  message: string;
}

@Injectable()
export class PipelineRunsRepository {
  constructor(private readonly db: DataSource) {}

  async insert(tx: SqlExecutor, runId: string, spec: unknown, options: QueueOptions): Promise<void> {
    await tx.query('INSERT INTO pipeline_runs (run_id, request_id, spec, state, retrain_request_id, refresh_data) VALUES ($1, $2, $3, $4, $5, $6)', [
      runId, options.requestId || null, JSON.stringify(spec), 'QUEUED', options.retrainRequestId ?? '', options.refreshData ?? false,
    ]);
  }

  /** The newest successful run that registers as `modelName`: what a retrain of that model repeats. */
  async latestSucceeded(tx: SqlExecutor, modelName: string): Promise<PipelineRow | undefined> {
    const rows = (await tx.query(`SELECT * FROM pipeline_runs WHERE spec->>'registerAs' = $1 AND outputs IS NOT NULL ORDER BY queued_at DESC LIMIT 1`, [modelName])) as PipelineRow[];
    return rows[0];
  }

  /** Records the spec as it was run (a refreshed data source resolved to its snapshot). */
  async resolveSpec(runId: string, spec: unknown): Promise<void> {
    await this.db.query('UPDATE pipeline_runs SET spec = $2, updated_at = now() WHERE run_id = $1', [runId, JSON.stringify(spec)]);
  }

  async byRequestId(requestId: string, tx: SqlExecutor = this.db): Promise<string | undefined> {
    const rows = (await tx.query('SELECT run_id FROM pipeline_runs WHERE request_id = $1', [requestId])) as { run_id: string }[];
    return rows[0]?.run_id;
  }

  async get(runId: string, tx: SqlExecutor = this.db): Promise<PipelineRow | undefined> {
    const rows = (await tx.query('SELECT * FROM pipeline_runs WHERE run_id = $1', [runId])) as PipelineRow[];
    return rows[0];
  }

  /**
   * Leases the oldest waiting run to `owner`: a queued one whose retry delay has passed, or one whose
   * previous holder stopped renewing its lease (a crashed replica). SKIP LOCKED lets replicas claim
   * different runs at once.
   */
  async claim(tx: SqlExecutor, owner: string, leaseMs: number): Promise<PipelineRow | undefined> {
    const [rows] = (await tx.query(
      `UPDATE pipeline_runs SET state = CASE WHEN state = 'CANCEL_REQUESTED' THEN state ELSE 'RUNNING' END,
              attempt = attempt + 1, lease_owner = $1, lease_until = now() + ($2::bigint * interval '1 millisecond'), updated_at = now()
       WHERE run_id = (SELECT run_id FROM pipeline_runs
                       WHERE (state = 'QUEUED' AND not_before <= now()) OR (state IN ('RUNNING', 'CANCEL_REQUESTED') AND coalesce(lease_until, '-infinity') < now())
                       ORDER BY queued_at FOR UPDATE SKIP LOCKED LIMIT 1)
       RETURNING *`,
      [owner, leaseMs],
    )) as [PipelineRow[], number];
    return rows[0];
  }

  /** Renews the lease and records progress; returns the state, or undefined when the lease was lost. */
  async heartbeat(runId: string, owner: string, leaseMs: number, activity: Activity): Promise<PipelineState | undefined> {
    const [rows] = await this.db.query<[{ state: PipelineState }[], number]>(
      `UPDATE pipeline_runs SET lease_until = now() + ($3::bigint * interval '1 millisecond'), stage = $4, progress = $5, message = $6, updated_at = now()
       WHERE run_id = $1 AND lease_owner = $2 AND state IN ('RUNNING', 'CANCEL_REQUESTED') RETURNING state`,
      [runId, owner, leaseMs, activity.stage, activity.progress, activity.message],
    );
    return rows[0]?.state;
  }

  /** Locks the run's row; undefined when this replica no longer holds it. */
  async lockHeld(tx: SqlExecutor, runId: string, owner: string): Promise<PipelineState | undefined> {
    const rows = (await tx.query('SELECT state FROM pipeline_runs WHERE run_id = $1 AND lease_owner = $2 FOR UPDATE', [runId, owner])) as { state: PipelineState }[];
    return rows[0]?.state;
  }

  async lock(tx: SqlExecutor, runId: string): Promise<PipelineRow | undefined> {
    const rows = (await tx.query('SELECT * FROM pipeline_runs WHERE run_id = $1 FOR UPDATE', [runId])) as PipelineRow[];
    return rows[0];
  }

  async requeue(tx: SqlExecutor, runId: string, delayMs: number, failure: unknown): Promise<void> {
    await tx.query(
      `UPDATE pipeline_runs SET state = 'QUEUED', stage = 'QUEUED', progress = 0, message = 'waiting to retry', lease_owner = NULL, lease_until = NULL,
              not_before = now() + ($2::bigint * interval '1 millisecond'), failure = $3, updated_at = now() WHERE run_id = $1`,
      [runId, delayMs, JSON.stringify(failure)],
    );
  }

  async finish(tx: SqlExecutor, runId: string, ended: { stage: Stage; failure?: unknown; outputs?: unknown; message: string }): Promise<void> {
    await tx.query(
      `UPDATE pipeline_runs SET state = 'DONE', stage = $2, progress = CASE WHEN $4::jsonb IS NULL THEN progress ELSE 1 END, message = $5,
              failure = $3, outputs = $4, lease_owner = NULL, lease_until = NULL, updated_at = now() WHERE run_id = $1`,
      [runId, ended.stage, ended.failure === undefined ? null : JSON.stringify(ended.failure), ended.outputs === undefined ? null : JSON.stringify(ended.outputs), ended.message],
    );
  }

  async requestCancel(tx: SqlExecutor, runId: string, reason: string): Promise<void> {
    await tx.query(`UPDATE pipeline_runs SET state = 'CANCEL_REQUESTED', cancel_reason = $2, updated_at = now() WHERE run_id = $1`, [runId, reason]);
  }
}
