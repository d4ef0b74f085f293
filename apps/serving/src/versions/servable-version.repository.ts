import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type ServableVersion, versionKey } from '../domain/servable-version';
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

/**
 * Versions serving has learnt about. A version is immutable in the registry, so the first record
 * stands, and a record once read is kept in memory: every deployment change and sync reads them.
 */
@Injectable()
export class ServableVersionRepository {
  private readonly known = new Map<string, ServableVersion>();

  constructor(private readonly db: DataSource) {}

  async get(modelName: string, version: number): Promise<ServableVersion | undefined> {
    const key = versionKey(modelName, version);
    const known = this.known.get(key);
    if (known) return known;
    const rows = await this.db.query<Row[]>(
      'SELECT model_name, version, artifact_digest, artifact_size, signature FROM servable_versions WHERE model_name = $1 AND version = $2',
      [modelName, version],
    );
    if (rows[0]) this.known.set(key, toVersion(rows[0]));
    return this.known.get(key);
  }

  async put(version: ServableVersion): Promise<void> {
    await this.db.query(
      `INSERT INTO servable_versions (model_name, version, artifact_digest, artifact_size, signature) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (model_name, version) DO NOTHING`,
      [version.modelName, version.version, version.artifactDigest, version.artifactSize, JSON.stringify(version.signature)],
    );
  }
}
