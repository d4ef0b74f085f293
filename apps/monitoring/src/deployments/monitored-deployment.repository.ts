import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';

export interface DeploymentArm {
  arm: string;
  version: number;
  weight: number;
}

export interface MonitoredDeployment {
  modelName: string;
  revision: number;
  stableVersion: number;
  arms: DeploymentArm[];
}

/** Each model's current deployment as serving last announced it: which version is stable, which is the canary. */
@Injectable()
export class MonitoredDeploymentRepository {
  constructor(private readonly db: DataSource) {}

  /** Keeps the newest revision: events of one model arrive in order, but a replay must not move it back. */
  async record(tx: SqlExecutor, deployment: MonitoredDeployment, changedAt: Date): Promise<void> {
    await tx.query(
      `INSERT INTO monitored_deployments (model_name, revision, stable_version, arms, changed_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (model_name) DO UPDATE SET revision = EXCLUDED.revision, stable_version = EXCLUDED.stable_version, arms = EXCLUDED.arms, changed_at = EXCLUDED.changed_at
       WHERE monitored_deployments.revision < EXCLUDED.revision`,
      [deployment.modelName, deployment.revision, deployment.stableVersion, JSON.stringify(deployment.arms), changedAt],
    );
  }

  async find(modelName: string, tx: SqlExecutor = this.db): Promise<MonitoredDeployment | undefined> {
    const [row] = (await tx.query(
      'SELECT revision, stable_version, arms FROM monitored_deployments WHERE model_name = $1',
      [modelName],
    )) as { revision: string; stable_version: number; arms: DeploymentArm[] }[];
    return row && { modelName, revision: Number(row.revision), stableVersion: row.stable_version, arms: row.arms };
  }
}
