import { fileURLToPath } from 'node:url';
import { type ArtifactStore } from './artifact-store';
import { LocalArtifactStore } from './local-artifact-store';
import { S3ArtifactStore } from './s3-artifact-store';

/** Where a store keeps its content, parsed from a location string (see parseArtifactLocation). */
export type ArtifactLocation = { kind: 'local'; root: string } | { kind: 's3'; bucket: string; prefix: string };

export interface ArtifactStoreOptions {
  /** S3 only: path-style requests, which MinIO and moto need; default false. */
  forcePathStyle?: boolean;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses a store location: a directory path (relative paths against the working directory), a
 * `file://` URL, or `s3://bucket` with an optional key prefix (`s3://bucket/some/prefix`). Throws an
 * Error saying what is wrong with anything else.
 */
export function parseArtifactLocation(location: string): ArtifactLocation {
  const value = location.trim();
  if (value === '') throw new Error('an artifact store location is a directory, a file:// URL or an s3://bucket/prefix URL, not empty');
  const s3 = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(value);
  if (s3) {
    const [, bucket, prefix = ''] = s3;
    if (!BUCKET.test(bucket)) throw new Error(`"${bucket}" in ${value} is not an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)`);
    return { kind: 's3', bucket, prefix: prefix.replace(/^\/+|\/+$/g, '') };
  }
  if (/^file:/i.test(value)) {
    try {
      return { kind: 'local', root: fileURLToPath(value) };
    } catch (error) {
      throw new Error(`${value} is not a local file:// URL: ${(error as Error).message}`, { cause: error });
    }
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value);
  if (scheme) throw new Error(`${value}: artifact stores are directories, file:// or s3:// URLs, not ${scheme[1]}://`);
  return { kind: 'local', root: value };
}

/** The store at a location (see parseArtifactLocation): a LocalArtifactStore or an S3ArtifactStore configured from the environment. */
export function createArtifactStore(location: string, options: ArtifactStoreOptions = {}): ArtifactStore {
  const parsed = parseArtifactLocation(location);
  switch (parsed.kind) {
    case 'local':
      return new LocalArtifactStore(parsed.root);
    case 's3':
      return new S3ArtifactStore({ bucket: parsed.bucket, prefix: parsed.prefix, forcePathStyle: options.forcePathStyle });
  }
}
