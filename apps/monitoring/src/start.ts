import { type ServiceConfig } from '@mlops/config';
import { EventTables1764000000000, publishedBy } from '@mlops/events';
import { runServiceProcess } from '@mlops/platform';
import { type Boot } from '@mlops/telemetry';
import { MonitoringSchema1764000000001 } from './migrations/1764000000001-monitoring-schema';
import { MonitoringModule } from './monitoring.module';

export function start({ config, telemetry }: Boot<ServiceConfig>): void {
  void runServiceProcess(
    {
      name: 'monitoring',
      module: MonitoringModule,
      entities: [],
      migrations: [EventTables1764000000000, MonitoringSchema1764000000001],
      publishes: publishedBy('monitoring'),
      config,
    },
    telemetry,
  );
}
