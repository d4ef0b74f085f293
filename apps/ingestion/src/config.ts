import { z } from 'zod';
import { serviceConfigSchema } from '@mlops/config';

/** The ingestion service's settings, read from the environment (see README.md for each one). */
export const ingestionConfig = serviceConfigSchema({ grpcPort: 20051, metricsPort: 9101 }).extend({
  /** How often the set of upstream topics to consume is reconciled with the applied contracts. */
  SOURCE_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
  /** Largest record batch one IngestRecords message may carry (RESOURCE_EXHAUSTED above). */
  INGEST_MAX_BATCH_RECORDS: z.coerce.number().int().min(1).default(10_000),
  /** Rows per validation/write transaction of a file import, unless the request says otherwise. */
  IMPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(5_000),
  /** How often idle import workers look for queued jobs. */
  IMPORT_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(1_000),
  /** How often datasets' snapshot policies (contract `snapshots:`) are checked. */
  SNAPSHOT_POLICY_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
});

export type IngestionConfig = z.output<typeof ingestionConfig>;
