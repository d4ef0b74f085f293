/** Injection token for a service's ArtifactStore (a plain symbol: this library does not depend on Nest). */
export const ARTIFACT_STORE = Symbol('ARTIFACT_STORE');
