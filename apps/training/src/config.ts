import { z } from 'zod';
import { serviceConfigSchema } from '@mlops/config';

/** The training service's settings, read from the environment (see README.md for each one). */
export const trainingConfig = serviceConfigSchema({ grpcPort: 50053, metricsPort: 9103 }).extend({
  /** Where run artifacts are stored, content-addressed. */
  ARTIFACT_DIR: z.string().min(1).default('var/artifacts'),
  /** Largest artifact LogArtifact accepts. */
  ARTIFACT_MAX_BYTES: z.coerce.number().int().min(1).default(512 * 1024 * 1024),
});

export type TrainingConfig = z.output<typeof trainingConfig>;
