import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, type HeadObjectCommandOutput, S3Client, type S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { type ArtifactStore, type PutOptions, type PutResult, type StoredArtifact } from './artifact-store';
import { collect, IncomingContent, verified } from './content';
import { digestHex } from './digest';
import { ArtifactNotFoundError } from './errors';

/** The largest object one CopyObject can copy, and so the largest artifact this store takes. */
const MAX_OBJECT_BYTES = 5 * 1024 ** 3;

export interface S3ArtifactStoreOptions {
  bucket: string;
  /** Key prefix under which `sha256/` and `incoming/` live; default: the bucket's root. */
  prefix?: string;
  /** Path-style requests (`<endpoint>/<bucket>/<key>`), which MinIO and moto need; default false (virtual-hosted). */
  forcePathStyle?: boolean;
  /** A client to use instead of one configured from the environment (`forcePathStyle` is then the client's own). */
  client?: S3Client;
}

/**
 * A content-addressed store in an S3 bucket (or any S3-compatible one): `<prefix>/sha256/<hex>`
 * holds each content once, with its digest in the object's metadata (`x-amz-meta-digest`). The
 * digest is known only once all of the content has passed, so content is uploaded (multipart when
 * large) to `<prefix>/incoming/<uuid>` while it is hashed, then copied to its final key, which
 * appears whole, and the temporary object is deleted; a refused put leaves nothing behind.
 *
 * The client is configured the standard way, from the environment: region (`AWS_REGION`),
 * credentials (the default chain: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, profiles, web
 * identity, instance roles) and endpoint (`AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`).
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;

  constructor(options: S3ArtifactStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    // Reads are verified against the SHA-256 digest, so the SDK's own CRC check of responses would only
    // hash everything twice (and it misreads some S3-compatible servers' multipart checksums). Uploads
    // keep the SDK's default checksums, which the server verifies.
    this.client = options.client ?? new S3Client({ forcePathStyle: options.forcePathStyle ?? false, responseChecksumValidation: 'WHEN_REQUIRED' });
  }

  async put(content: AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    const incoming = new IncomingContent(options, MAX_OBJECT_BYTES);
    const temporary = this.key('incoming', randomUUID());
    try {
      // Multipart beyond one part (5 MiB); lib-storage aborts the multipart upload if the content fails.
      await new Upload({ client: this.client, params: { Bucket: this.bucket, Key: temporary, Body: Readable.from(incoming.pass(content)) } }).done();
      const { digest, sizeBytes } = incoming.finish();
      const key = this.key('sha256', digestHex(digest));
      // Same size: the same content (an object of another size under this key is replaced, which repairs it).
      const alreadyExisted = (await this.head(key))?.ContentLength === sizeBytes;
      if (!alreadyExisted) {
        await this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket, Key: key, CopySource: `${this.bucket}/${temporary.split('/').map(encodeURIComponent).join('/')}`,
            MetadataDirective: 'REPLACE', Metadata: { digest }, ContentType: options.mediaType,
          }),
        );
      }
      return { digest, sizeBytes, uri: this.uri(key), alreadyExisted };
    } catch (error) {
      throw incoming.refusal ?? error;
    } finally {
      // Best effort: a temporary object left behind (a failed delete, a crashed writer) is garbage
      // that a lifecycle rule on `incoming/` expires (see the README).
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: temporary })).catch(() => undefined);
    }
  }

  async stat(digest: string): Promise<StoredArtifact | undefined> {
    const key = this.key('sha256', digestHex(digest));
    const head = await this.head(key);
    return head && { digest, sizeBytes: head.ContentLength ?? 0, uri: this.uri(key) };
  }

  async *read(digest: string): AsyncGenerator<Uint8Array> {
    const key = this.key('sha256', digestHex(digest));
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })).catch((error: unknown) => {
      throw isNotFound(error) ? new ArtifactNotFoundError(digest) : error;
    });
    if (!(response.Body instanceof Readable)) throw new Error(`GetObject of ${this.uri(key)} returned no readable body`);
    yield* verified(digest, response.Body as AsyncIterable<Uint8Array>, this.uri(key));
  }

  readAll(digest: string): Promise<Buffer> {
    return collect(this.read(digest));
  }

  private async head(key: string): Promise<HeadObjectCommandOutput | undefined> {
    return this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
  }

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].filter((part) => part !== '').join('/');
  }

  private uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }
}

function isNotFound(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as Partial<S3ServiceException>;
  return name === 'NotFound' || name === 'NoSuchKey' || $metadata?.httpStatusCode === 404;
}
