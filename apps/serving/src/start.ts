import { EventTables1764000000000, publishedBy } from '@mlops/events';
import { runServiceProcess } from '@mlops/platform';
import { type Boot } from '@mlops/telemetry';
import { type ServingConfig } from './config';
import { ServingSchema1764000000501 } from './migrations/1764000000501-serving-schema';
import { ServingModule } from './serving.module';

export function start({ config, telemetry }: Boot<ServingConfig>): void {
  void runServiceProcess(
    { name: 'serving', module: ServingModule, entities: [], migrations: [EventTables1764000000000, ServingSchema1764000000501], publishes: publishedBy('serving'), config },
    telemetry,
  );
}
