import { Injectable } from '@nestjs/common';
import { type ServiceImplementation } from '@mlops/grpc';
import { GrpcController } from '@mlops/platform';
import { registryV1 } from '@mlops/proto';
import { type RegisteredModel } from '../domain/registered-model';
import { RegisteredModelService } from './registered-model.service';

const toMessage = (model: RegisteredModel): registryV1.RegisteredModel => ({
  ...model,
  aliases: {},
  latestVersion: 0,
  updatedAt: model.createdAt,
});

/** The registry gRPC API. Calls beyond registered models answer UNIMPLEMENTED until the registry issue. */
@Injectable()
@GrpcController(registryV1.RegistryServiceService)
export class RegistryController implements ServiceImplementation<typeof registryV1.RegistryServiceService> {
  constructor(private readonly models: RegisteredModelService) {}

  async createRegisteredModel(request: registryV1.CreateRegisteredModelRequest): Promise<registryV1.CreateRegisteredModelResponse> {
    return { registeredModel: toMessage(await this.models.create(request)) };
  }

  async getRegisteredModel(request: registryV1.GetRegisteredModelRequest): Promise<registryV1.GetRegisteredModelResponse> {
    return { registeredModel: toMessage(await this.models.get(request.name)) };
  }
}
