import { Inject, Injectable } from '@nestjs/common';
import { ARTIFACT_STORE, type ArtifactStore } from '@mlops/artifacts';
import { commonV1 } from '@mlops/proto';
import { type ReferenceProfile } from '../domain/report/reference-profile';
import { referenceProfileFrom } from './reference-profile.mapper';
import { type MonitoredVersion } from './monitored-version.repository';

/** Profiles are immutable (content-addressed): a few hundred kept decoded is plenty for the versions being served. */
const CACHED_PROFILES = 256;

/** Reads a version's training reference profile from the shared artifact store, verified by digest, decoded once. */
@Injectable()
export class ReferenceProfiles {
  private readonly cache = new Map<string, commonV1.ReferenceProfile>();

  constructor(@Inject(ARTIFACT_STORE) private readonly store: ArtifactStore) {}

  async of(version: MonitoredVersion): Promise<ReferenceProfile | undefined> {
    const ref = version.referenceProfile;
    if (!ref) return undefined;
    let profile = this.cache.get(ref.digest);
    if (!profile) {
      profile = commonV1.ReferenceProfile.decode(await this.store.readAll(ref.digest));
      if (this.cache.size >= CACHED_PROFILES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(ref.digest, profile);
    }
    return referenceProfileFrom(profile, version.task);
  }
}
