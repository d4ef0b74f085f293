import { EventTables1764000000000, publishedBy } from '@mlops/events';
import { runServiceProcess } from '@mlops/platform';
import { type Boot } from '@mlops/telemetry';
import { type FeatureConfig } from './config';
import { FeatureModule } from './feature.module';
import { FeatureSchema1764000000201 } from './migrations/1764000000201-feature-schema';

export function start({ config, telemetry }: Boot<FeatureConfig>): void {
  void runServiceProcess(
    { name: 'feature', module: FeatureModule, entities: [], migrations: [EventTables1764000000000, FeatureSchema1764000000201], publishes: publishedBy('feature'), config },
    telemetry,
  );
}
