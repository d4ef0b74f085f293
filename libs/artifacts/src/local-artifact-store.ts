import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { type ArtifactStore, type PutOptions, type PutResult, type StoredArtifact } from './artifact-store';
import { collect, IncomingContent, verified } from './content';
import { digestHex } from './digest';
import { ArtifactNotFoundError } from './errors';

/**
 * A content-addressed store in a directory: `<root>/sha256/<hex>` holds each content once. Content
 * is written (and flushed to disk) under `<root>/incoming/` while it is hashed, then renamed into
 * place, so a reader never sees a partial file. Several processes may share the directory (a rename
 * is atomic); files left in `incoming/` by a crashed writer are garbage and may be deleted.
 */
export class LocalArtifactStore implements ArtifactStore {
  /** The absolute directory (a relative `root` is resolved against the working directory). */
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(content: AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    const incoming = new IncomingContent(options);
    await mkdir(join(this.root, 'sha256'), { recursive: true });
    await mkdir(join(this.root, 'incoming'), { recursive: true });
    const temporary = join(this.root, 'incoming', randomUUID());
    try {
      // `flush`: the bytes are on disk before the rename makes them visible.
      await pipeline(Readable.from(incoming.pass(content)), createWriteStream(temporary, { flags: 'wx', flush: true }));
      const { digest, sizeBytes } = incoming.finish();
      const target = this.path(digestHex(digest));
      // Same size: the same content (a truncated or grown file is replaced, which repairs it).
      const existing = await stat(target).catch(() => undefined);
      const alreadyExisted = existing?.size === sizeBytes;
      if (alreadyExisted) await rm(temporary, { force: true });
      else await rename(temporary, target);
      return { digest, sizeBytes, uri: pathToFileURL(target).href, alreadyExisted };
    } catch (error) {
      await rm(temporary, { force: true });
      throw incoming.refusal ?? error;
    }
  }

  async stat(digest: string): Promise<StoredArtifact | undefined> {
    const target = this.path(digestHex(digest));
    const found = await stat(target).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    return found && { digest, sizeBytes: found.size, uri: pathToFileURL(target).href };
  }

  async *read(digest: string): AsyncGenerator<Uint8Array> {
    const target = this.path(digestHex(digest));
    // Opened first, so that absence is reported before any content.
    const file = await open(target, 'r').catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new ArtifactNotFoundError(digest) : error;
    });
    const stream = file.createReadStream({ autoClose: false, highWaterMark: 1 << 20 });
    try {
      yield* verified(digest, stream as AsyncIterable<Buffer>, target);
    } finally {
      stream.destroy();
      await file.close();
    }
  }

  readAll(digest: string): Promise<Buffer> {
    return collect(this.read(digest));
  }

  private path(hex: string): string {
    return join(this.root, 'sha256', hex);
  }
}
