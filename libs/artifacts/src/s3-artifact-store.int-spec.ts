import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3TestServer } from '@mlops/testing';
import { ArtifactCorruptedError, ArtifactMismatchError, ArtifactNotFoundError, ArtifactTooLargeError, createArtifactStore, InvalidDigestError, type S3ArtifactStore } from './index';

const MiB = 1024 * 1024;
const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function* chunked(bytes: Uint8Array, size = 256 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('S3ArtifactStore (a real S3-compatible server)', () => {
  const server = new S3TestServer(join(__dirname, '../../..'));
  const bucket = process.env.S3_TEST_BUCKET ?? `artifacts-it-${randomBytes(4).toString('hex')}`;
  const prefix = `it/${randomBytes(4).toString('hex')}`;
  let store: S3ArtifactStore;
  /** Every command the store's client sent, by name. */
  const sent: string[] = [];

  beforeAll(async () => {
    await server.start();
    // Configured the way a service is: location and path style from settings, the rest from the standard AWS variables.
    Object.assign(process.env, server.env());
    store = createArtifactStore(`s3://${bucket}/${prefix}/`, { forcePathStyle: true }) as S3ArtifactStore;
    store.client.middlewareStack.add((next, context) => (args) => {
      sent.push(context.commandName as string);
      return next(args);
    }, { step: 'initialize' });
    if (!process.env.S3_TEST_BUCKET) await store.client.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  afterAll(async () => {
    store?.client.destroy();
    await server.stop();
  });

  beforeEach(() => {
    sent.length = 0;
  });

  const keys = async () => ((await store.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }))).Contents ?? []).map((o) => o.Key!.slice(prefix.length + 1)).sort();
  const openUploads = async () => (await store.client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: `${prefix}/` }))).Uploads ?? [];
  const keyOf = (digest: string) => `${prefix}/sha256/${digest.slice('sha256:'.length)}`;

  it('stores content under its digest with the digest as metadata, stats and reads it back', async () => {
    const content = randomBytes(300_000);
    const digest = digestOf(content);
    const put = await store.put(chunked(content, 64 * 1024), { expectedDigest: digest, expectedSizeBytes: content.length, mediaType: 'application/onnx' });
    expect(put).toEqual({ digest, sizeBytes: content.length, uri: `s3://${bucket}/${keyOf(digest)}`, alreadyExisted: false });
    const head = await store.client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(digest) }));
    expect([head.Metadata, head.ContentType, head.ContentLength]).toEqual([{ digest }, 'application/onnx', content.length]);
    expect(await store.stat(digest)).toEqual({ digest, sizeBytes: content.length, uri: put.uri });
    expect(await store.readAll(digest)).toEqual(content);
    expect(await keys()).toEqual([`sha256/${digest.slice('sha256:'.length)}`]);
  });

  it('stores the same content once', async () => {
    const content = Buffer.from('the same model, twice');
    expect((await store.put(chunked(content))).alreadyExisted).toBe(false);
    sent.length = 0;
    expect((await store.put(chunked(content))).alreadyExisted).toBe(true);
    expect(sent).not.toContain('CopyObjectCommand');
    expect((await keys()).filter((k) => k.startsWith('incoming/'))).toEqual([]);
  });

  it('uploads large content in parts, and reads it back whole', async () => {
    const content = randomBytes(12 * MiB + 123);
    const put = await store.put(chunked(content));
    expect(sent.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
    expect(sent).toContain('CompleteMultipartUploadCommand');
    expect([put.digest, put.sizeBytes]).toEqual([digestOf(content), content.length]);
    expect((await store.readAll(put.digest)).equals(content)).toBe(true);
    expect(await openUploads()).toEqual([]);
  });

  describe('refusals leave nothing behind', () => {
    let before: string[];
    beforeEach(async () => {
      before = await keys();
    });
    afterEach(async () => {
      expect(await keys()).toEqual(before);
      expect(await openUploads()).toEqual([]);
    });

    it.each([
      ['a wrong digest', { expectedDigest: `sha256:${'0'.repeat(64)}` }, 'digest'],
      ['a smaller size than declared', { expectedSizeBytes: 1_000_001 }, 'size'],
      ['a larger size than declared', { expectedSizeBytes: 999_999 }, 'size'],
    ])('%s', async (_, options, which) => {
      const refused = await store.put(chunked(randomBytes(1_000_000)), options).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ArtifactMismatchError);
      expect((refused as ArtifactMismatchError).which).toBe(which);
    });

    it('a wrong digest on multipart content', async () => {
      await expect(store.put(chunked(randomBytes(6 * MiB)), { expectedDigest: `sha256:${'0'.repeat(64)}` })).rejects.toBeInstanceOf(ArtifactMismatchError);
      expect(sent).toContain('CompleteMultipartUploadCommand');
    });

    it('content past maxBytes, stopped in the middle of a multipart upload', async () => {
      await expect(store.put(chunked(randomBytes(16 * MiB)), { maxBytes: 11 * MiB })).rejects.toThrow(ArtifactTooLargeError);
      expect(sent).toContain('UploadPartCommand');
      expect(sent).toContain('AbortMultipartUploadCommand');
    });

    it('content that fails on the way', async () => {
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield randomBytes(1000);
        throw new Error('client went away');
      }
      await expect(store.put(failing())).rejects.toThrow('client went away');
    });
  });

  it('refuses to hand out an object whose bytes were changed', async () => {
    const content = randomBytes(100_000);
    const { digest } = await store.put(chunked(content));
    const altered = Buffer.from(content);
    altered[50_000] ^= 0xff;
    await store.client.send(new PutObjectCommand({ Bucket: bucket, Key: keyOf(digest), Body: altered }));
    const error = await store.readAll(digest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactCorruptedError);
    expect(error).toMatchObject({ expectedDigest: digest, actualDigest: digestOf(altered) });
  });

  it('answers absent content with undefined (stat) and ArtifactNotFoundError (read), and refuses malformed digests', async () => {
    const absent = `sha256:${'a'.repeat(64)}`;
    expect(await store.stat(absent)).toBeUndefined();
    await expect(store.readAll(absent)).rejects.toEqual(new ArtifactNotFoundError(absent));
    await expect(store.stat('sha256:ABC')).rejects.toThrow(InvalidDigestError);
    await expect(store.readAll('sha256:ABC')).rejects.toThrow(InvalidDigestError);
  });
});
