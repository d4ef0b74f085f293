import { status } from '@grpc/grpc-js';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RpcError } from '@mlops/grpc';
import { MonitoredVersionRepository } from '../versions/monitored-version.repository';

export interface RequiredModel {
  /** 0 = any version; another is checked against the model's known versions. */
  version?: number;
  /** Where the request names the model. */
  field?: string;
}

/**
 * Which models and versions monitoring has heard of from the registry, for the API to refuse a
 * misspelt name up front instead of answering with an empty result that looks like "all is well".
 */
@Injectable()
export class KnownModels {
  constructor(
    private readonly db: DataSource,
    private readonly versions: MonitoredVersionRepository,
  ) {}

  /** INVALID_ARGUMENT without a name; NOT_FOUND for a model, or a version, monitoring does not know. */
  async require(modelName: string, { version = 0, field = 'model_name' }: RequiredModel = {}): Promise<void> {
    if (!modelName) throw RpcError.invalidArgument(`${field} is required`, [{ field, description: 'is required' }]);
    const versions = await this.versions.versionsOf(modelName);
    if (versions.length === 0 && !(await this.registered(modelName))) {
      throw new RpcError(status.NOT_FOUND, `model "${modelName}" is not known to monitoring (it learns models from the registry's events)`, [{ field, description: 'not a registered model' }], 'MODEL_NOT_FOUND');
    }
    if (version !== 0 && !versions.includes(version)) {
      const known = versions.length > 0 ? `known versions: ${versions.join(', ')}` : 'no version is registered yet';
      throw new RpcError(status.NOT_FOUND, `version ${version} of model "${modelName}" is not known to monitoring (${known})`, [{ field: 'model_version', description: 'not a registered version' }], 'VERSION_NOT_FOUND');
    }
  }

  /** The newest version registered with a reference profile: the one that says which features the model has. */
  async newestProfiledVersion(modelName: string): Promise<number | undefined> {
    const [row] = await this.db.query<{ version: number | null }[]>(
      'SELECT max(version) AS version FROM monitored_versions WHERE model_name = $1 AND reference_profile IS NOT NULL',
      [modelName],
    );
    return row?.version ?? undefined;
  }

  private async registered(modelName: string): Promise<boolean> {
    const rows = await this.db.query<unknown[]>('SELECT 1 FROM monitored_models WHERE name = $1', [modelName]);
    return rows.length > 0;
  }
}
