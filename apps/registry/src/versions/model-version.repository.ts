import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type ArtifactRef, type Lineage, type ModelVersion, type NewModelVersion, type Stage } from '../domain/model-version';
import { type Signature } from '../domain/signature';

interface Row {
  model_name: string;
  version: number;
  request_id: string;
  fingerprint: string;
  artifact: ArtifactRef;
  signature: Signature;
  metrics: Record<string, number>;
  reference_profile: ArtifactRef | null;
  lineage: Lineage;
  stage: Stage;
  tags: Record<string, string>;
  description: string;
  created_by: string;
  created_at: Date;
  aliases: string[];
}

// Aliases live in their own table; each read joins them so a version always says what points at it.
const SELECT = `
  SELECT v.model_name, v.version, v.request_id, v.fingerprint, v.artifact, v.signature, v.metrics, v.reference_profile, v.lineage,
         v.stage, v.tags, v.description, v.created_by, v.created_at,
         coalesce((SELECT array_agg(a.alias ORDER BY a.alias) FROM aliases a WHERE a.model_name = v.model_name AND a.version = v.version), '{}') AS aliases
  FROM model_versions v`;

const toVersion = (row: Row): ModelVersion => ({
  modelName: row.model_name, version: row.version, requestId: row.request_id, artifact: row.artifact, signature: row.signature, metrics: row.metrics,
  referenceProfile: row.reference_profile ?? undefined, lineage: row.lineage, stage: row.stage, tags: row.tags, description: row.description,
  createdBy: row.created_by, createdAt: row.created_at, aliases: row.aliases,
});

interface StoredVersion {
  version: ModelVersion;
  fingerprint: string;
}

@Injectable()
export class ModelVersionRepository {
  constructor(private readonly db: DataSource) {}

  async insert(tx: SqlExecutor, input: NewModelVersion, version: number, fingerprint: string, createdBy: string): Promise<void> {
    await tx.query(
      `INSERT INTO model_versions (model_name, version, request_id, fingerprint, artifact, signature, metrics, reference_profile, lineage, tags, description, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        input.modelName, version, input.requestId, fingerprint, JSON.stringify(input.artifact), JSON.stringify(input.signature), JSON.stringify(input.metrics),
        input.referenceProfile ? JSON.stringify(input.referenceProfile) : null, JSON.stringify(input.lineage), JSON.stringify(input.tags), input.description, createdBy,
      ],
    );
  }

  async byRequestId(modelName: string, requestId: string, executor: SqlExecutor = this.db): Promise<StoredVersion | undefined> {
    const rows = (await executor.query(`${SELECT} WHERE v.model_name = $1 AND v.request_id = $2`, [modelName, requestId])) as Row[];
    return rows[0] && { version: toVersion(rows[0]), fingerprint: rows[0].fingerprint };
  }

  async get(modelName: string, version: number, executor: SqlExecutor = this.db): Promise<ModelVersion | undefined> {
    const rows = (await executor.query(`${SELECT} WHERE v.model_name = $1 AND v.version = $2`, [modelName, version])) as Row[];
    return rows[0] && toVersion(rows[0]);
  }

  async list(modelName: string, offset: number, limit: number): Promise<ModelVersion[]> {
    const rows = await this.db.query<Row[]>(`${SELECT} WHERE v.model_name = $1 ORDER BY v.version DESC LIMIT $2 OFFSET $3`, [modelName, limit, offset]);
    return rows.map(toVersion);
  }

  async setStage(tx: SqlExecutor, modelName: string, version: number, stage: Stage): Promise<void> {
    await tx.query('UPDATE model_versions SET stage = $3 WHERE model_name = $1 AND version = $2', [modelName, version, stage]);
  }

  async setTags(tx: SqlExecutor, modelName: string, version: number, tags: Record<string, string>): Promise<void> {
    await tx.query('UPDATE model_versions SET tags = $3 WHERE model_name = $1 AND version = $2', [modelName, version, JSON.stringify(tags)]);
  }

  /** Versions whose lineage names the snapshot or run, oldest first. */
  async derivedFrom(subject: { snapshotId: string } | { runId: string }): Promise<ModelVersion[]> {
    const [condition, value] = 'snapshotId' in subject ? [`v.lineage->>'datasetSnapshotId' = $1`, subject.snapshotId] : [`v.lineage->>'trainingRunId' = $1`, subject.runId];
    const rows = await this.db.query<Row[]>(`${SELECT} WHERE ${condition} ORDER BY v.created_at, v.model_name, v.version`, [value]);
    return rows.map(toVersion);
  }
}
