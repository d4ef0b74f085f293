import { type ProtobufSchema } from './protobuf-decoder';
import { type SnapshotPolicy } from './snapshot-policy';

/** A data contract: what one dataset's records must look like, field by field and batch by batch. */
export type FieldType = 'int' | 'float' | 'string' | 'bool' | 'timestamp' | 'categorical';

export const FIELD_TYPES: readonly FieldType[] = ['int', 'float', 'string', 'bool', 'timestamp', 'categorical'];

export interface FieldSpec {
  name: string;
  type: FieldType;
  /** Must be present in every record. */
  required: boolean;
  /** May be null when present. */
  nullable: boolean;
  /** Allowed values of a categorical field. */
  categories: string[];
  /** Inclusive bounds of a numeric field; an absent bound is unbounded. */
  min?: number;
  max?: number;
  /** ECMAScript regular expression a string must match in full. */
  pattern?: string;
  description: string;
}

export type Expectation =
  | { name: string; kind: 'null_rate'; field: string; maxRate: number }
  | { name: string; kind: 'out_of_range'; field: string; maxRate: number }
  | { name: string; kind: 'uniqueness'; fields: string[] }
  | { name: string; kind: 'freshness'; maxAgeSeconds: number };

export interface KafkaSource {
  topic: string;
  encoding: 'json' | 'protobuf';
  /** The schema of protobuf-encoded values. */
  protobuf?: ProtobufSchema;
  /** Partitions of the topic consumed in parallel by one replica. */
  partitionConcurrency: number;
}

export interface DataContract {
  dataset: string;
  /** Semantic version; a breaking change needs a new major. */
  version: string;
  description: string;
  fields: FieldSpec[];
  entityKeys: string[];
  eventTimeField: string;
  expectations: Expectation[];
  source?: KafkaSource;
  /** Snapshots the service takes on its own; none when absent. */
  snapshotPolicy?: SnapshotPolicy;
}

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

export function parseSemVer(version: string): SemVer | undefined {
  const match = SEMVER.exec(version);
  return match ? { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) } : undefined;
}

export function compareSemVer(a: SemVer, b: SemVer): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}
