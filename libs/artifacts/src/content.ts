import { createHash } from 'node:crypto';
import { type PutOptions } from './artifact-store';
import { digestHex } from './digest';
import { ArtifactCorruptedError, ArtifactMismatchError, ArtifactTooLargeError } from './errors';

/**
 * Hashes and counts content on its way into a store, enforcing PutOptions: past `maxBytes` or the
 * expected size it stops at once; the digest and the exact size are checked by `finish()`, which
 * the store calls before it makes the content visible. Options are checked on construction, before
 * any content is read.
 */
export class IncomingContent {
  private readonly hash = createHash('sha256');
  private sizeBytes = 0;
  private readonly maxBytes: number;
  /** The refusal raised while streaming, so the store can report it rather than its backend's echo of it. */
  refusal?: Error;

  constructor(
    private readonly options: PutOptions,
    backendMaxBytes = Number.POSITIVE_INFINITY,
  ) {
    if (options.expectedDigest !== undefined) digestHex(options.expectedDigest);
    const { expectedSizeBytes, maxBytes } = options;
    if (expectedSizeBytes !== undefined && !(Number.isSafeInteger(expectedSizeBytes) && expectedSizeBytes >= 0)) throw new RangeError(`expectedSizeBytes must be a whole number of bytes, not ${expectedSizeBytes}`);
    if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes >= 0)) throw new RangeError(`maxBytes must be a whole number of bytes, not ${maxBytes}`);
    this.maxBytes = Math.min(maxBytes ?? Number.POSITIVE_INFINITY, backendMaxBytes);
    if (expectedSizeBytes !== undefined && expectedSizeBytes > this.maxBytes) throw new ArtifactTooLargeError(this.maxBytes);
  }

  /** The content, passed through unchanged while it is hashed and counted. */
  async *pass(content: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of content) {
      this.sizeBytes += chunk.length;
      if (this.sizeBytes > this.maxBytes) throw this.refuse(new ArtifactTooLargeError(this.maxBytes));
      const expected = this.options.expectedSizeBytes;
      if (expected !== undefined && this.sizeBytes > expected) throw this.refuse(ArtifactMismatchError.size(expected, this.sizeBytes, false));
      this.hash.update(chunk);
      yield chunk;
    }
  }

  /** The content's digest and size once all of it has passed; ArtifactMismatchError if it is not what was declared. */
  finish(): { digest: string; sizeBytes: number } {
    const digest = `sha256:${this.hash.digest('hex')}`;
    const { expectedSizeBytes, expectedDigest } = this.options;
    if (expectedSizeBytes !== undefined && this.sizeBytes !== expectedSizeBytes) throw ArtifactMismatchError.size(expectedSizeBytes, this.sizeBytes, true);
    if (expectedDigest !== undefined && digest !== expectedDigest) throw ArtifactMismatchError.digest(expectedDigest, digest);
    return { digest, sizeBytes: this.sizeBytes };
  }

  private refuse(error: Error): Error {
    this.refusal = error;
    return error;
  }
}

/** Passes stored content through, and throws ArtifactCorruptedError after the last chunk if it does not hash to `digest`. */
export async function* verified(digest: string, content: AsyncIterable<Uint8Array>, location: string): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  for await (const chunk of content) {
    hash.update(chunk);
    yield chunk;
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== digest) throw new ArtifactCorruptedError(digest, actual, location);
}

/** All of an artifact's content in one buffer, once the read has verified it. */
export async function collect(content: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of content) chunks.push(chunk);
  return Buffer.concat(chunks);
}
