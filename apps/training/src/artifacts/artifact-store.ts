import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@mlops/platform';
import { type TrainingConfig } from '../config';

export interface StoredArtifact {
  digest: string;
  sizeBytes: number;
  uri: string;
}

/**
 * A content-addressed store on the local file system: content is written to a temporary file while
 * it is hashed, then renamed to `sha256/<hex>`, so a reader never sees a partial file and the same
 * content is stored once. (The registry issue brings S3-compatible storage behind the same shape.)
 */
@Injectable()
export class ArtifactStore {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: TrainingConfig) {}

  /** Stores the chunks; `check` sees the digest and size before the content becomes visible, and may refuse it. */
  async put(chunks: AsyncIterable<Uint8Array>, check: (digest: string, sizeBytes: number) => void = () => undefined): Promise<StoredArtifact> {
    const root = this.config.ARTIFACT_DIR;
    await mkdir(join(root, 'sha256'), { recursive: true });
    await mkdir(join(root, 'incoming'), { recursive: true });
    const temporary = join(root, 'incoming', randomUUID());
    const hash = createHash('sha256');
    let sizeBytes = 0;
    const file = createWriteStream(temporary);
    try {
      for await (const chunk of chunks) {
        hash.update(chunk);
        sizeBytes += chunk.length;
        if (!file.write(chunk)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
      }
      await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
      const hex = hash.digest('hex');
      check(`sha256:${hex}`, sizeBytes);
      const target = join(root, 'sha256', hex);
      const exists = await stat(target).then(() => true, () => false);
      if (exists) await rm(temporary, { force: true });
      else await rename(temporary, target);
      return { digest: `sha256:${hex}`, sizeBytes, uri: `file://${target}` };
    } catch (error) {
      file.destroy();
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
