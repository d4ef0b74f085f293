import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type ChangeCause, type Deployment, type DeploymentSpec } from '../domain/deployment';
import { type GuardCheck } from '../domain/deployments';

interface Row {
  revision: string;
  spec: DeploymentSpec & { progress?: { step: number; stepStartedAt: string } };
  change_cause: ChangeCause;
  change_reason: string;
  updated_by: string;
  updated_at: Date;
}

/** The change being stored, and who made it. */
export interface DeploymentChange {
  cause: ChangeCause;
  reason: string;
  actor: string;
  /** Guard comparisons behind an automatic rollback. */
  checks?: GuardCheck[];
}

const COLUMNS = 'revision, spec, change_cause, change_reason, updated_by, updated_at';

function toDeployment(row: Row): Deployment {
  const { progress, ...spec } = row.spec;
  return {
    ...spec,
    ...(progress ? { progress: { step: progress.step, stepStartedAt: new Date(progress.stepStartedAt) } } : {}),
    revision: Number(row.revision),
    changeCause: row.change_cause,
    changeReason: row.change_reason,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}

@Injectable()
export class DeploymentRepository {
  constructor(private readonly db: DataSource) {}

  async get(modelName: string, executor: SqlExecutor = this.db): Promise<Deployment | undefined> {
    const rows = (await executor.query(`SELECT ${COLUMNS} FROM deployments WHERE model_name = $1`, [modelName])) as Row[];
    return rows[0] && toDeployment(rows[0]);
  }

  /** The deployment, locked until the transaction ends: changes to one model are serialized. */
  async lock(tx: SqlExecutor, modelName: string): Promise<Deployment | undefined> {
    // A first deployment has no row to lock; the advisory lock serializes its creation too.
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('serving.deployment:' || $1))", [modelName]);
    return this.get(modelName, tx);
  }

  async list(offset: number, limit: number): Promise<Deployment[]> {
    const rows = await this.db.query<Row[]>(`SELECT ${COLUMNS} FROM deployments ORDER BY model_name OFFSET $1 LIMIT $2`, [offset, limit]);
    return rows.map(toDeployment);
  }

  /** Every deployment's revision: what a replica compares its routing against. */
  async revisions(): Promise<Map<string, number>> {
    const rows = await this.db.query<{ model_name: string; revision: string }[]>('SELECT model_name, revision FROM deployments');
    return new Map(rows.map((r) => [r.model_name, Number(r.revision)]));
  }

  /** Stores the next revision of a deployment, and its history row. Call under {@link lock}. */
  async put(tx: SqlExecutor, spec: DeploymentSpec, previousRevision: number, change: DeploymentChange): Promise<Deployment> {
    const rows = (await tx.query(
      `INSERT INTO deployments (model_name, revision, spec, change_cause, change_reason, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (model_name) DO UPDATE SET revision = excluded.revision, spec = excluded.spec, change_cause = excluded.change_cause,
         change_reason = excluded.change_reason, updated_by = excluded.updated_by, updated_at = now()
       RETURNING ${COLUMNS}`,
      [spec.modelName, previousRevision + 1, JSON.stringify(spec), change.cause, change.reason, change.actor],
    )) as Row[];
    await tx.query(
      `INSERT INTO deployment_history (model_name, revision, spec, change_cause, change_reason, updated_by, updated_at, guard_checks)
       SELECT model_name, revision, spec, change_cause, change_reason, updated_by, updated_at, $2 FROM deployments WHERE model_name = $1`,
      [spec.modelName, change.checks ? JSON.stringify(change.checks) : null],
    );
    return toDeployment(rows[0]);
  }
}
