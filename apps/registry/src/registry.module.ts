import { Module } from '@nestjs/common';
import { RegistryController } from './models/registered-model.controller';
import { RegisteredModelRepository } from './models/registered-model.repository';
import { RegisteredModelService } from './models/registered-model.service';

@Module({ providers: [RegistryController, RegisteredModelService, RegisteredModelRepository] })
export class RegistryModule {}
