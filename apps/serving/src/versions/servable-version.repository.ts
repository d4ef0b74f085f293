import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type ServableVersion } from '../domain/servable-version';
import { type ModelSignature } from '../domain/signature';

interface Row {
  model_name: string;
  version: number;
  artifact_digest: string;
  artifact_size: string;
  signature: ModelSignature;
}

const toVersion = (row: Row): ServableVersion => ({
  modelName: row.model_name, version: row.version, artifactDigest: row.artifact_digest, artifactSize: Number(row.artifact_size), signature: row.signature,
});

/** Versions serving has learnt about. A version is immutable in the registry, so the first record stands. */
@Injectable()
export class ServableVersionRepository {
  constructor(private readonly db: DataSource) {}

  async get(modelName: string, version: number, executor: SqlExecutor = this.db): Promise<ServableVersion | undefined> {
    const rows = (await executor.query(
      'SELECT model_name, version, artifact_digest, artifact_size, signature FROM servable_versions WHERE model_name = $1 AND version = $2',
      [modelName, version],
    )) as Row[];
    return rows[0] && toVersion(rows[0]);
  }

  async put(version: ServableVersion, executor: SqlExecutor = this.db): Promise<void> {
    await executor.query(
      `INSERT INTO servable_versions (model_name, version, artifact_digest, artifact_size, signature) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (model_name, version) DO NOTHING`,
      [version.modelName, version.version, version.artifactDigest, version.artifactSize, JSON.stringify(version.signature)],
    );
  }
}
