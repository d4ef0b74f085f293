import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArtifactCorruptedError, ArtifactMismatchError, ArtifactNotFoundError, ArtifactTooLargeError, InvalidDigestError, LocalArtifactStore } from './index';

const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function* chunked(bytes: Uint8Array, size = 1000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('LocalArtifactStore', () => {
  let root: string;
  let store: LocalArtifactStore;
  const content = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7) % 256));
  const digest = digestOf(content);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'artifacts-'));
    store = new LocalArtifactStore(join(root, 'store'));
  });

  afterEach(() => rm(root, { recursive: true, force: true }));

  const filesIn = async (dir: string) => readdir(join(root, 'store', dir)).catch(() => []);

  it('stores content under its digest, stats and reads it back', async () => {
    const put = await store.put(chunked(content), { expectedDigest: digest, expectedSizeBytes: content.length, mediaType: 'application/onnx' });
    const path = join(root, 'store', 'sha256', digest.slice('sha256:'.length));
    expect(put).toEqual({ digest, sizeBytes: content.length, uri: pathToFileURL(path).href, alreadyExisted: false });
    expect(await readFile(path)).toEqual(content);
    expect(await store.stat(digest)).toEqual({ digest, sizeBytes: content.length, uri: put.uri });
    expect(await store.readAll(digest)).toEqual(content);
    expect(await filesIn('incoming')).toEqual([]);
  });

  it('stores the same content once', async () => {
    expect((await store.put(chunked(content))).alreadyExisted).toBe(false);
    expect((await store.put(chunked(content, 333))).alreadyExisted).toBe(true);
    expect(await filesIn('sha256')).toEqual([digest.slice('sha256:'.length)]);
    expect(await filesIn('incoming')).toEqual([]);
  });

  it('stores empty content', async () => {
    const put = await store.put(chunked(Buffer.alloc(0)));
    expect([put.digest, put.sizeBytes]).toEqual([digestOf(Buffer.alloc(0)), 0]);
    expect(await store.readAll(put.digest)).toEqual(Buffer.alloc(0));
  });

  it.each([
    ['a wrong digest', { expectedDigest: `sha256:${'0'.repeat(64)}` }, 'digest'],
    ['a smaller size than declared', { expectedSizeBytes: content.length + 1 }, 'size'],
    ['a larger size than declared', { expectedSizeBytes: content.length - 1 }, 'size'],
  ])('refuses %s and leaves nothing', async (_, options, which) => {
    const refused = await store.put(chunked(content), options).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ArtifactMismatchError);
    expect((refused as ArtifactMismatchError).which).toBe(which);
    expect([await filesIn('sha256'), await filesIn('incoming')]).toEqual([[], []]);
  });

  it('stops reading content past maxBytes and leaves nothing', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        pulled++;
        yield Buffer.alloc(1000);
      }
    }
    await expect(store.put(endless(), { maxBytes: 4500 })).rejects.toThrow(ArtifactTooLargeError);
    expect(pulled).toBe(5);
    // Declared larger than allowed: refused before any content is read.
    await expect(store.put(chunked(content), { maxBytes: 100, expectedSizeBytes: content.length })).rejects.toThrow(ArtifactTooLargeError);
    expect([await filesIn('sha256'), await filesIn('incoming')]).toEqual([[], []]);
  });

  it('leaves nothing when the content itself fails', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('partial');
      throw new Error('client went away');
    }
    await expect(store.put(failing())).rejects.toThrow('client went away');
    expect([await filesIn('sha256'), await filesIn('incoming')]).toEqual([[], []]);
  });

  it('refuses to hand out content whose bytes changed on disk', async () => {
    await store.put(chunked(content));
    const path = join(root, 'store', 'sha256', digest.slice('sha256:'.length));
    const altered = Buffer.from(content);
    altered[5_000] ^= 0xff;
    await writeFile(path, altered);
    expect((await store.stat(digest))?.sizeBytes).toBe(content.length);
    const error = await store.readAll(digest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactCorruptedError);
    expect(error).toMatchObject({ expectedDigest: digest, actualDigest: digestOf(altered) });
    // A put of the real content sees a file of the same size and trusts it: repair is by deleting the file.
    await rm(path);
    await store.put(chunked(content));
    expect(await store.readAll(digest)).toEqual(content);
  });

  it('answers absent content with undefined (stat) and ArtifactNotFoundError (read), before any chunk', async () => {
    const absent = `sha256:${'a'.repeat(64)}`;
    expect(await store.stat(absent)).toBeUndefined();
    const chunks: Uint8Array[] = [];
    const error = await (async () => {
      for await (const chunk of store.read(absent)) chunks.push(chunk);
    })().catch((e: unknown) => e);
    expect([error, chunks]).toEqual([new ArtifactNotFoundError(absent), []]);
  });

  it('refuses malformed digests, before reading anything', async () => {
    for (const bad of ['sha256:ABC', `sha256:${'A'.repeat(64)}`, `md5:${'a'.repeat(32)}`, 'a'.repeat(64), `sha256:${'a'.repeat(64)}/../x`]) {
      await expect(store.stat(bad)).rejects.toThrow(InvalidDigestError);
      await expect(store.readAll(bad)).rejects.toThrow(InvalidDigestError);
    }
    let pulled = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      pulled++;
      yield content;
    }
    await expect(store.put(counted(), { expectedDigest: 'sha256:nope' })).rejects.toThrow(/"sha256:nope" is not a digest/);
    expect(pulled).toBe(0);
  });
});
