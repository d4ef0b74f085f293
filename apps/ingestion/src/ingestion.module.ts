import { Module } from '@nestjs/common';
import { IngestionController } from './ingestion.controller';

@Module({ providers: [IngestionController] })
export class IngestionModule {}
