export { type ArtifactStore, type PutOptions, type PutResult, type StoredArtifact } from './artifact-store';
export { ArtifactCorruptedError, ArtifactMismatchError, ArtifactNotFoundError, ArtifactTooLargeError, InvalidDigestError } from './errors';
export { digestHex, isDigest } from './digest';
export { LocalArtifactStore } from './local-artifact-store';
export { S3ArtifactStore, type S3ArtifactStoreOptions } from './s3-artifact-store';
export { type ArtifactLocation, type ArtifactStoreOptions, createArtifactStore, parseArtifactLocation } from './create-artifact-store';
export { artifactStoreConfig, artifactStoreFromConfig, type ArtifactStoreConfig } from './config';
export { ARTIFACT_STORE } from './tokens';
