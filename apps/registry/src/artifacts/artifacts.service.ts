import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { ARTIFACT_STORE, ArtifactCorruptedError, ArtifactMismatchError, ArtifactNotFoundError, type ArtifactStore, ArtifactTooLargeError, isDigest, type PutResult } from '@mlops/artifacts';
import { RpcError } from '@mlops/grpc';
import { SERVICE_CONFIG } from '@mlops/platform';
import { type RegistryConfig } from '../config';
import { type ArtifactRef } from '../domain/model-version';

export interface UploadHeader {
  mediaType: string;
  sizeBytes: number;
  expectedDigest: string;
}

/** The registry's view of the content-addressed store: uploads, verified downloads, and checks of what versions reference. */
@Injectable()
export class ArtifactsService {
  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(SERVICE_CONFIG) private readonly config: RegistryConfig,
  ) {}

  async upload(header: UploadHeader, chunks: AsyncIterable<Uint8Array>): Promise<PutResult> {
    const limit = this.config.ARTIFACT_MAX_BYTES;
    if (header.expectedDigest && !isDigest(header.expectedDigest)) throw RpcError.invalidArgument('expected_digest is not a sha256 digest', [{ field: 'header.expected_digest', description: '"sha256:" and 64 lower-case hex digits, or empty' }]);
    try {
      return await this.store.put(chunks, { expectedDigest: header.expectedDigest || undefined, expectedSizeBytes: header.sizeBytes || undefined, maxBytes: limit, mediaType: header.mediaType || undefined });
    } catch (error) {
      if (error instanceof ArtifactMismatchError) throw new RpcError(status.DATA_LOSS, `the upload does not match its header: ${error.message}`, [{ field: 'header', description: error.message }], 'ARTIFACT_MISMATCH');
      if (error instanceof ArtifactTooLargeError) throw tooLarge(limit);
      throw error;
    }
  }

  /** The artifact's reference, then its content; the content is checked against the digest as it streams (DATA_LOSS at the end if it no longer matches). */
  async download(digest: string): Promise<{ artifact: ArtifactRef; chunks: AsyncIterable<Uint8Array> }> {
    if (!isDigest(digest)) throw RpcError.invalidArgument(`"${digest}" is not a sha256 digest`, [{ field: 'digest', description: '"sha256:" and 64 lower-case hex digits' }]);
    const stored = await this.store.stat(digest);
    if (!stored) throw RpcError.notFound(`artifact ${digest} is not in the store`);
    const store = this.store;
    async function* verified(): AsyncGenerator<Uint8Array> {
      try {
        yield* store.read(digest);
      } catch (error) {
        throw asDataLoss(error, digest);
      }
    }
    return { artifact: { digest, sizeBytes: stored.sizeBytes, mediaType: '', uri: stored.uri }, chunks: verified() };
  }

  /**
   * The whole content of an artifact a version references, verified: absent is FAILED_PRECONDITION
   * (upload it first), another size INVALID_ARGUMENT, bytes that no longer hash to the digest DATA_LOSS.
   */
  async contentOf(ref: ArtifactRef, field: string): Promise<{ content: Buffer; uri: string }> {
    const uri = await this.located(ref, field);
    try {
      return { content: await this.store.readAll(ref.digest), uri };
    } catch (error) {
      throw asDataLoss(error, ref.digest);
    }
  }

  /** Where a referenced artifact is, once its presence and size are checked (no content read). */
  async located(ref: ArtifactRef, field: string): Promise<string> {
    const stored = await this.store.stat(ref.digest);
    if (!stored) {
      throw new RpcError(status.FAILED_PRECONDITION, `artifact ${ref.digest} is not in the artifact store`, [{ field: `${field}.digest`, description: 'upload it first (UploadArtifact), or point the producing service at the same ARTIFACT_STORE' }], 'ARTIFACT_MISSING');
    }
    if (ref.sizeBytes && ref.sizeBytes !== stored.sizeBytes) {
      throw RpcError.invalidArgument(`artifact ${ref.digest} is ${stored.sizeBytes} bytes, not ${ref.sizeBytes}`, [{ field: `${field}.size_bytes`, description: `the stored content is ${stored.sizeBytes} bytes` }]);
    }
    return stored.uri;
  }
}

function tooLarge(limit: number): RpcError {
  return new RpcError(status.RESOURCE_EXHAUSTED, `artifacts are at most ${limit} bytes (ARTIFACT_MAX_BYTES)`, [{ field: 'chunk', description: `at most ${limit} bytes in all` }], 'ARTIFACT_TOO_LARGE');
}

function asDataLoss(error: unknown, digest: string): unknown {
  if (error instanceof ArtifactCorruptedError) return new RpcError(status.DATA_LOSS, `artifact ${digest} is corrupted in the store: ${error.message}`, [], 'ARTIFACT_CORRUPTED');
  if (error instanceof ArtifactNotFoundError) return RpcError.notFound(`artifact ${digest} is not in the store`);
  return error;
}
