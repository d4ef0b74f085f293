import { z } from 'zod';
import { artifactStoreConfig } from '@mlops/artifacts';
import { serviceConfigSchema } from '@mlops/config';

/** The training service's settings, read from the environment (see README.md for each one). */
export const trainingConfig = serviceConfigSchema({ grpcPort: 20053, metricsPort: 9103 }).extend({
  /** Where run artifacts are stored, content-addressed: ARTIFACT_STORE (a directory or s3:// URL), ARTIFACT_S3_FORCE_PATH_STYLE. */
  ...artifactStoreConfig,
  /** Largest artifact LogArtifact accepts. */
  ARTIFACT_MAX_BYTES: z.coerce.number().int().min(1).default(512 * 1024 * 1024),
  /** The ingestion service's gRPC address: training data read from dataset snapshots. */
  INGESTION_ADDRESS: z.string().min(1).default('127.0.0.1:20051'),
  /** The feature service's gRPC address: training data retrieved point-in-time. */
  FEATURE_ADDRESS: z.string().min(1).default('127.0.0.1:20052'),
  /** Pipeline runs this replica trains at once (each in its own worker thread or process). */
  TRAINING_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /** How often an idle replica looks for queued runs. */
  TRAINING_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(1_000),
  /** A running run's lease; a replica that stops renewing it (a crash) loses the run to another. */
  TRAINING_LEASE_MS: z.coerce.number().int().min(1_000).default(30_000),
  /** Attempts of a run that fails on infrastructure (a bad spec or bad data is never retried). */
  TRAINING_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  /** Where external trainers get their files (a fresh directory per run attempt). */
  TRAINING_WORK_DIR: z.string().min(1).default('var/training'),
});

export type TrainingConfig = z.output<typeof trainingConfig>;
