import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type commonV1 } from '@mlops/proto';

export interface MonitoredVersion {
  modelName: string;
  version: number;
  /** The training reference profile's artifact; absent for a version registered without one. */
  referenceProfile: commonV1.ArtifactRef | undefined;
  task: commonV1.TaskType;
}

/** The versions monitoring watches, learned from the registry's `model version registered` events. */
@Injectable()
export class MonitoredVersionRepository {
  constructor(private readonly db: DataSource) {}

  async upsert(tx: SqlExecutor, modelName: string, version: number, referenceProfile: commonV1.ArtifactRef | undefined): Promise<void> {
    await tx.query(
      `INSERT INTO monitored_versions (model_name, version, reference_profile) VALUES ($1, $2, $3)
       ON CONFLICT (model_name, version) DO UPDATE SET reference_profile = EXCLUDED.reference_profile`,
      [modelName, version, referenceProfile ? JSON.stringify(referenceProfile) : null],
    );
  }

  async find(modelName: string, version: number, tx: SqlExecutor = this.db): Promise<MonitoredVersion | undefined> {
    const [row] = (await tx.query(
      `SELECT v.reference_profile, m.task FROM monitored_versions v LEFT JOIN monitored_models m ON m.name = v.model_name
       WHERE v.model_name = $1 AND v.version = $2`,
      [modelName, version],
    )) as { reference_profile: commonV1.ArtifactRef | null; task: number | null }[];
    return row && { modelName, version, referenceProfile: row.reference_profile ?? undefined, task: row.task ?? 0 };
  }

  /** The versions of a model that are known, for "is this model or version known" checks. */
  async versionsOf(modelName: string): Promise<number[]> {
    const rows = await this.db.query<{ version: number }[]>('SELECT version FROM monitored_versions WHERE model_name = $1 ORDER BY version', [modelName]);
    return rows.map((r) => r.version);
  }
}
