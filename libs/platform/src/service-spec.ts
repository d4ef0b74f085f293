import { type Type } from '@nestjs/common';
import { type MixedList } from 'typeorm';
import { type ServiceConfig } from '@mlops/config';
import { type EventDefinition } from '@mlops/events';

/** What a service declares about itself; the platform does the rest of the wiring. */
export interface ServiceSpec {
  /** Service name: also its database schema, Kafka client id and consumer group. */
  name: string;
  /** The service's Nest module: its gRPC controllers, event handlers and repositories. */
  module: Type;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's type for entity/migration classes
  entities: MixedList<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  /** Events the service publishes (their topics are created at start-up). */
  publishes: EventDefinition<unknown>[];
  config: ServiceConfig;
}
