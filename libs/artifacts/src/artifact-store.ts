/** Where content lives: its address (`sha256:<hex>`), size and an informational locator. */
export interface StoredArtifact {
  digest: string;
  sizeBytes: number;
  /** `file:///…/sha256/<hex>` or `s3://bucket/prefix/sha256/<hex>`; the digest is authoritative. */
  uri: string;
}

export interface PutOptions {
  /** Refuse (ArtifactMismatchError, nothing stored) when the content hashes to something else. */
  expectedDigest?: string;
  /** Refuse (ArtifactMismatchError, nothing stored) when the content has another size. */
  expectedSizeBytes?: number;
  /** Stop reading and refuse (ArtifactTooLargeError, nothing stored) past this many bytes. */
  maxBytes?: number;
  /** Recorded with the object where the backend can (S3 Content-Type). */
  mediaType?: string;
}

export interface PutResult extends StoredArtifact {
  /** Content of this digest (and size) was already stored, so it was not written again. */
  alreadyExisted: boolean;
}

/**
 * A content-addressed artifact store. Content is visible only once complete and verified, stored
 * once however often it is put, and checked against its digest on every read.
 */
export interface ArtifactStore {
  /**
   * Streams content in, hashing it on the way; it becomes visible under its digest only when complete.
   * Malformed options (an expectedDigest that is no digest: InvalidDigestError) are refused before any
   * content is read; an error thrown by `content` itself is rethrown as it is, with nothing stored.
   */
  put(content: AsyncIterable<Uint8Array>, options?: PutOptions): Promise<PutResult>;
  /** Where the content is and its size, or undefined when the store does not hold it. Reads no content. InvalidDigestError for a malformed digest. */
  stat(digest: string): Promise<StoredArtifact | undefined>;
  /**
   * Streams the content out, hashing it as it goes. Throws ArtifactNotFoundError before the first chunk
   * when absent, and ArtifactCorruptedError after the last chunk when the bytes no longer hash to the
   * digest: a reader must not use what it received until the iteration ends without error.
   * InvalidDigestError (on the first `next()`) for a malformed digest.
   */
  read(digest: string): AsyncIterable<Uint8Array>;
  /** The whole content, verified. */
  readAll(digest: string): Promise<Buffer>;
}
