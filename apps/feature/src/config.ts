import { z } from 'zod';
import { serviceConfigSchema } from '@mlops/config';

/** The feature service's settings, read from the environment (see README.md for each one). */
export const featureConfig = serviceConfigSchema({ grpcPort: 20052, metricsPort: 9102 }).extend({
  /** How often idle workers look for queued batch materializations. */
  MATERIALIZATION_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(1_000),
  /** How often the online values of entities touched by new events are brought up to date. */
  CONTINUOUS_MATERIALIZATION_INTERVAL_MS: z.coerce.number().int().min(10).default(200),
  /** Most entities one GetOnlineFeatures call may ask for (RESOURCE_EXHAUSTED above). */
  ONLINE_MAX_ENTITIES: z.coerce.number().int().min(1).default(1_000),
  /** The ingestion service's gRPC address, for entity rows read from its snapshots. */
  INGESTION_ADDRESS: z.string().min(1).default('127.0.0.1:20051'),
  /** Most entity rows one GetHistoricalFeatures request may carry inline. */
  HISTORICAL_MAX_INLINE_ROWS: z.coerce.number().int().min(1).default(100_000),
});

export type FeatureConfig = z.output<typeof featureConfig>;
