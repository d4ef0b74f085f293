import { type ModelSignature } from './signature';

/** A model version serving may load: where its bytes are and what it takes and produces. */
export interface ServableVersion {
  modelName: string;
  version: number;
  /** Content address in the artifact store; the bytes are verified against it on every load. */
  artifactDigest: string;
  artifactSize: number;
  signature: ModelSignature;
}

export const versionKey = (modelName: string, version: number): string => `${modelName}@${version}`;
