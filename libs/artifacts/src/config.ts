import { z } from 'zod';
import { type ArtifactStore } from './artifact-store';
import { createArtifactStore, parseArtifactLocation } from './create-artifact-store';

/**
 * The artifact store's settings, for a service's schema to extend (`serviceConfigSchema(…).extend(artifactStoreConfig)`).
 * S3 credentials, region and endpoint are not here: the AWS SDK reads its standard variables itself.
 */
export const artifactStoreConfig = {
  /** Where artifacts are stored: a directory (relative to the working directory), a file:// URL or s3://bucket/optional/prefix. */
  ARTIFACT_STORE: z
    .string()
    .trim()
    .superRefine((value, context) => {
      try {
        parseArtifactLocation(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .default('var/artifacts'),
  /** S3 only: path-style requests (`<endpoint>/<bucket>/<key>`), which MinIO and moto need. */
  ARTIFACT_S3_FORCE_PATH_STYLE: z.stringbool().default(false),
};

export type ArtifactStoreConfig = z.output<z.ZodObject<typeof artifactStoreConfig>>;

/** The store a service's validated settings describe; for a factory provider (`useFactory: artifactStoreFromConfig, inject: [SERVICE_CONFIG]`). */
export function artifactStoreFromConfig(config: ArtifactStoreConfig): ArtifactStore {
  return createArtifactStore(config.ARTIFACT_STORE, { forcePathStyle: config.ARTIFACT_S3_FORCE_PATH_STYLE });
}
