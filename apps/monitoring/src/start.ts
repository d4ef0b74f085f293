import { EventTables1764000000000, publishedBy, SourceOffsets1764000000001 } from '@mlops/events';
import { runServiceProcess } from '@mlops/platform';
import { type Boot } from '@mlops/telemetry';
import { type MonitoringConfig } from './config';
import { MonitoringSchema1764000000001 } from './migrations/1764000000001-monitoring-schema';
import { MonitoringWindows1764000000002 } from './migrations/1764000000002-monitoring-windows';
import { MonitoringLookups1764000000003 } from './migrations/1764000000003-monitoring-lookups';
import { MonitoringModule } from './monitoring.module';

export function start({ config, telemetry }: Boot<MonitoringConfig>): void {
  void runServiceProcess(
    {
      name: 'monitoring',
      module: MonitoringModule,
      entities: [],
      migrations: [EventTables1764000000000, SourceOffsets1764000000001, MonitoringSchema1764000000001, MonitoringWindows1764000000002, MonitoringLookups1764000000003],
      publishes: publishedBy('monitoring'),
      config,
    },
    telemetry,
  );
}
