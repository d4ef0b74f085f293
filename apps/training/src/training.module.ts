import { Module } from '@nestjs/common';
import { TrainingController } from './training.controller';

@Module({ providers: [TrainingController] })
export class TrainingModule {}
