import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { RpcError } from '@mlops/grpc';
import { SERVICE_CONFIG } from '@mlops/platform';
import { registryV1 } from '@mlops/proto';
import { type ServingConfig } from '../config';
import { type ServableVersion } from '../domain/servable-version';
import { servableFrom } from '../serving.mapper';
import { ServableVersionRepository } from './servable-version.repository';

const REGISTRY_TIMEOUT_MS = 10_000;

/**
 * Where serving learns a version's artifact and signature: from its own table (filled by the
 * registry's events), else once from the registry, asked with the caller's own credentials so
 * serving never holds a registry identity of its own.
 */
@Injectable()
export class VersionCatalog implements OnModuleDestroy {
  private readonly registry: registryV1.RegistryServiceClient;

  constructor(
    private readonly versions: ServableVersionRepository,
    @Inject(SERVICE_CONFIG) config: ServingConfig,
  ) {
    this.registry = new registryV1.RegistryServiceClient(config.REGISTRY_ADDRESS, credentials.createInsecure());
  }

  onModuleDestroy(): void {
    this.registry.close();
  }

  /** The version, or NOT_FOUND / UNAVAILABLE / the registry's own refusal, naming the field it came from. */
  async resolve(modelName: string, version: number, caller: Metadata, field: string): Promise<ServableVersion> {
    const known = await this.versions.get(modelName, version);
    if (known) return known;
    const metadata = new Metadata();
    const authorization = caller.get('authorization')[0];
    if (authorization) metadata.set('authorization', authorization);
    const response = await new Promise<registryV1.GetModelVersionResponse>((resolve, reject) =>
      this.registry.getModelVersion({ modelName, selector: { $case: 'version', value: version } }, metadata, { deadline: Date.now() + REGISTRY_TIMEOUT_MS }, (error, answer) =>
        error ? reject(this.refusal(error, modelName, version, field)) : resolve(answer),
      ),
    );
    const found = response.modelVersion;
    if (!found?.artifact?.digest) throw new RpcError(status.FAILED_PRECONDITION, `${field}: version ${version} of model "${modelName}" has no artifact`, [{ field, description: 'has no artifact' }], 'NO_ARTIFACT');
    const servable = servableFrom(modelName, version, found.artifact, found.signature);
    if (servable.signature.inputs.length === 0 || servable.signature.outputs.length === 0) {
      throw new RpcError(status.FAILED_PRECONDITION, `${field}: version ${version} of model "${modelName}" has no signature; serving cannot check inputs for it`, [{ field, description: 'has no signature' }], 'NO_SIGNATURE');
    }
    await this.versions.put(servable);
    return servable;
  }

  private refusal(error: ServiceError, modelName: string, version: number, field: string): RpcError {
    const details = error.details || error.message;
    if (error.code === status.NOT_FOUND) return new RpcError(status.NOT_FOUND, `${field}: version ${version} of model "${modelName}" is not in the registry`, [{ field, description: 'not a registered version' }], 'VERSION_NOT_FOUND');
    if (error.code === status.UNAUTHENTICATED || error.code === status.PERMISSION_DENIED) {
      return new RpcError(error.code, `the registry refused to show version ${version} of "${modelName}" with the caller's token: ${details}`, [], 'REGISTRY_REFUSED');
    }
    return RpcError.unavailable(`the registry could not be asked about version ${version} of "${modelName}": ${details}`);
  }
}
