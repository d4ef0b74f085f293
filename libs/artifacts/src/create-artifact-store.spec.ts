import { resolve } from 'node:path';
import { z } from 'zod';
import { loadConfig, ConfigError } from '@mlops/config';
import { artifactStoreConfig, artifactStoreFromConfig, createArtifactStore, digestHex, InvalidDigestError, isDigest, LocalArtifactStore, parseArtifactLocation, S3ArtifactStore } from './index';

describe('artifact store locations', () => {
  it('reads directories, file:// URLs and s3:// URLs', () => {
    expect(parseArtifactLocation('var/artifacts')).toEqual({ kind: 'local', root: 'var/artifacts' });
    expect(parseArtifactLocation('/srv/artifacts')).toEqual({ kind: 'local', root: '/srv/artifacts' });
    expect(parseArtifactLocation('file:///srv/my%20artifacts')).toEqual({ kind: 'local', root: '/srv/my artifacts' });
    expect(parseArtifactLocation('s3://ml-artifacts')).toEqual({ kind: 's3', bucket: 'ml-artifacts', prefix: '' });
    expect(parseArtifactLocation('s3://ml-artifacts/prod/training/')).toEqual({ kind: 's3', bucket: 'ml-artifacts', prefix: 'prod/training' });
  });

  it.each([
    ['', /not empty/],
    ['s3://', /not an S3 bucket name/],
    ['s3://Upper_Case/x', /not an S3 bucket name/],
    ['file://elsewhere/srv', /not a local file:\/\/ URL/],
    ['gs://bucket/x', /not gs:\/\//],
  ])('says what is wrong with %j', (location, problem) => {
    expect(() => parseArtifactLocation(location)).toThrow(problem);
  });

  it('creates the store a location names', () => {
    const local = createArtifactStore('var/artifacts');
    expect(local).toBeInstanceOf(LocalArtifactStore);
    expect((local as LocalArtifactStore).root).toBe(resolve('var/artifacts'));
    const s3 = createArtifactStore('s3://ml-artifacts/prod', { forcePathStyle: true }) as S3ArtifactStore;
    expect([s3, s3.bucket, s3.prefix, s3.client.config.forcePathStyle]).toEqual([expect.any(S3ArtifactStore), 'ml-artifacts', 'prod', true]);
    s3.client.destroy();
  });
});

describe('artifactStoreConfig', () => {
  const schema = z.object(artifactStoreConfig);

  it('defaults to var/artifacts on the local disk, virtual-hosted S3 addressing', () => {
    const config = loadConfig(schema, {});
    expect(config).toEqual({ ARTIFACT_STORE: 'var/artifacts', ARTIFACT_S3_FORCE_PATH_STYLE: false });
    expect(artifactStoreFromConfig(config)).toBeInstanceOf(LocalArtifactStore);
  });

  it('reads an S3 location and path-style addressing', () => {
    expect(loadConfig(schema, { ARTIFACT_STORE: ' s3://ml-artifacts/prod ', ARTIFACT_S3_FORCE_PATH_STYLE: 'true' })).toEqual({ ARTIFACT_STORE: 's3://ml-artifacts/prod', ARTIFACT_S3_FORCE_PATH_STYLE: true });
    expect(loadConfig(schema, { ARTIFACT_S3_FORCE_PATH_STYLE: 'false' }).ARTIFACT_S3_FORCE_PATH_STYLE).toBe(false);
  });

  it('names bad settings', () => {
    const error = (() => {
      try {
        loadConfig(schema, { ARTIFACT_STORE: 'gs://bucket', ARTIFACT_S3_FORCE_PATH_STYLE: 'maybe' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.issues.map((i) => i.setting).sort()).toEqual(['ARTIFACT_S3_FORCE_PATH_STYLE', 'ARTIFACT_STORE']);
    expect(error?.issues.find((i) => i.setting === 'ARTIFACT_STORE')?.problem).toMatch(/not gs:\/\//);
  });
});

describe('digests', () => {
  it('are sha256: and 64 lowercase hex digits', () => {
    const hex = 'ab'.repeat(32);
    expect([isDigest(`sha256:${hex}`), digestHex(`sha256:${hex}`)]).toEqual([true, hex]);
    for (const bad of [hex, `sha256:${hex.toUpperCase()}`, `sha256:${hex}0`, `sha512:${hex}`, ` sha256:${hex}`]) {
      expect(isDigest(bad)).toBe(false);
      expect(() => digestHex(bad)).toThrow(InvalidDigestError);
    }
  });
});
