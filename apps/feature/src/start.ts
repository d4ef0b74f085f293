import { type ServiceConfig } from '@mlops/config';
import { EventTables1764000000000, publishedBy } from '@mlops/events';
import { runServiceProcess } from '@mlops/platform';
import { type Boot } from '@mlops/telemetry';
import { FeatureModule } from './feature.module';

export function start({ config, telemetry }: Boot<ServiceConfig>): void {
  void runServiceProcess(
    { name: 'feature', module: FeatureModule, entities: [], migrations: [EventTables1764000000000], publishes: publishedBy('feature'), config },
    telemetry,
  );
}
