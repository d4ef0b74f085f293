import { EventTables1764000000000, publishedBy } from '@mlops/events';
import { runServiceProcess } from '@mlops/platform';
import { type Boot } from '@mlops/telemetry';
import { type RegistryConfig } from './config';
import { RegistrySchema1764000000001 } from './migrations/1764000000001-registry-schema';
import { Governance1764000000401 } from './migrations/1764000000401-governance';
import { RegistryModule } from './registry.module';

export function start({ config, telemetry }: Boot<RegistryConfig>): void {
  void runServiceProcess(
    {
      name: 'registry',
      module: RegistryModule,
      entities: [],
      migrations: [EventTables1764000000000, RegistrySchema1764000000001, Governance1764000000401],
      publishes: publishedBy('registry'),
      config,
    },
    telemetry,
  );
}
