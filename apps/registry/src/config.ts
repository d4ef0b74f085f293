import { z } from 'zod';
import { artifactStoreConfig } from '@mlops/artifacts';
// Settings load before telemetry starts: this file imports settings shapes only, never grpc-js or a meter.
import { authConfig, requireOneTokenKey } from '@mlops/auth/config';
import { serviceConfigSchema } from '@mlops/config';

/** The registry service's settings, read from the environment (see README.md for each one). */
export const registryConfig = serviceConfigSchema({ grpcPort: 20054, metricsPort: 9104 })
  .extend(artifactStoreConfig)
  .extend(authConfig)
  .extend({
    /** Largest artifact UploadArtifact accepts. */
    ARTIFACT_MAX_BYTES: z.coerce.number().int().min(1).default(2 * 1024 * 1024 * 1024),
  })
  .superRefine(requireOneTokenKey);

export type RegistryConfig = z.output<typeof registryConfig>;
