import { Module } from '@nestjs/common';
import { FeatureController } from './feature.controller';

@Module({ providers: [FeatureController] })
export class FeatureModule {}
