import { Module } from '@nestjs/common';
import { InferenceController } from './inference.controller';
import { ServingController } from './serving.controller';

@Module({ providers: [ServingController, InferenceController] })
export class ServingModule {}
