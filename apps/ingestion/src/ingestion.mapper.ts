import { commonV1, type eventsV1, ingestionV1 as pb } from '@mlops/proto';
import { type DataContract, type Expectation, type FieldSpec, type FieldType } from './domain/contract';
import { type ContractDiff, type FieldChange } from './domain/contract-diff';
import { type CanonicalValue, type Violation, type ViolationRule } from './domain/record-validator';
import { type StoredContract } from './contracts/contract.repository';
import { type ImportJob } from './imports/import-job.repository';
import { type SnapshotRecord } from './snapshots/snapshot.repository';

/** Translations between the domain and the generated protobuf types; nothing else. */

const DATA_TYPES: Record<FieldType, commonV1.DataType> = {
  int: commonV1.DataType.DATA_TYPE_INT,
  float: commonV1.DataType.DATA_TYPE_FLOAT,
  string: commonV1.DataType.DATA_TYPE_STRING,
  bool: commonV1.DataType.DATA_TYPE_BOOL,
  timestamp: commonV1.DataType.DATA_TYPE_TIMESTAMP,
  categorical: commonV1.DataType.DATA_TYPE_CATEGORICAL,
};

const RULES: Record<ViolationRule, pb.ViolationRule> = {
  parse: pb.ViolationRule.VIOLATION_RULE_PARSE,
  type: pb.ViolationRule.VIOLATION_RULE_TYPE,
  required: pb.ViolationRule.VIOLATION_RULE_REQUIRED,
  nullable: pb.ViolationRule.VIOLATION_RULE_NULLABLE,
  category: pb.ViolationRule.VIOLATION_RULE_CATEGORY,
  range: pb.ViolationRule.VIOLATION_RULE_RANGE,
  pattern: pb.ViolationRule.VIOLATION_RULE_PATTERN,
  unknown_field: pb.ViolationRule.VIOLATION_RULE_UNKNOWN_FIELD,
};

export const ruleName = (rule: pb.ViolationRule): ViolationRule | undefined =>
  (Object.entries(RULES) as [ViolationRule, pb.ViolationRule][]).find(([, n]) => n === rule)?.[0];

export const toViolation = (v: Violation): pb.RecordViolation => ({ field: v.field, rule: RULES[v.rule], message: v.message });

const CHANGE_KINDS: Record<FieldChange['kind'], pb.FieldChangeKind> = {
  added: pb.FieldChangeKind.FIELD_CHANGE_KIND_ADDED,
  removed: pb.FieldChangeKind.FIELD_CHANGE_KIND_REMOVED,
  type_changed: pb.FieldChangeKind.FIELD_CHANGE_KIND_TYPE_CHANGED,
  nullability_changed: pb.FieldChangeKind.FIELD_CHANGE_KIND_NULLABILITY_CHANGED,
  constraint_changed: pb.FieldChangeKind.FIELD_CHANGE_KIND_CONSTRAINT_CHANGED,
  role_changed: pb.FieldChangeKind.FIELD_CHANGE_KIND_ROLE_CHANGED,
};

export function toFieldSpec(f: FieldSpec): pb.FieldSpec {
  return {
    name: f.name,
    type: DATA_TYPES[f.type],
    required: f.required,
    nullable: f.nullable,
    allowedCategories: f.categories,
    range: f.min === undefined && f.max === undefined ? undefined : { min: f.min, max: f.max },
    pattern: f.pattern ?? '',
    description: f.description,
  };
}

function toExpectation(e: Expectation): pb.Expectation {
  switch (e.kind) {
    case 'null_rate':
      return { name: e.name, kind: { $case: 'nullRate', value: { field: e.field, maxRate: e.maxRate } } };
    case 'out_of_range':
      return { name: e.name, kind: { $case: 'outOfRange', value: { field: e.field, maxRate: e.maxRate } } };
    case 'uniqueness':
      return { name: e.name, kind: { $case: 'uniqueness', value: { fields: e.fields } } };
    case 'freshness':
      return { name: e.name, kind: { $case: 'freshness', value: { maxAge: { seconds: Math.floor(e.maxAgeSeconds), nanos: Math.round((e.maxAgeSeconds % 1) * 1e9) } } } };
  }
}

export function toContract(stored: StoredContract): pb.DataContract {
  const c: DataContract = stored.contract;
  return {
    dataset: c.dataset,
    version: c.version,
    description: c.description,
    fields: c.fields.map(toFieldSpec),
    entityKeys: c.entityKeys,
    eventTimeField: c.eventTimeField,
    expectations: c.expectations.map(toExpectation),
    source: c.source && {
      topic: c.source.topic,
      encoding: c.source.encoding === 'protobuf' ? pb.ValueEncoding.VALUE_ENCODING_PROTOBUF : pb.ValueEncoding.VALUE_ENCODING_JSON,
      protobufMessage: c.source.protobuf?.message ?? '',
      protobufSchema: c.source.protobuf?.schema ?? '',
      partitionConcurrency: c.source.partitionConcurrency,
    },
    snapshotPolicy: c.snapshotPolicy && { everyRows: c.snapshotPolicy.everyRows ?? 0, every: c.snapshotPolicy.everySeconds === undefined ? undefined : { seconds: c.snapshotPolicy.everySeconds, nanos: 0 } },
    digest: stored.digest,
    document: stored.document,
    format: stored.format === 'json' ? pb.ContractFormat.CONTRACT_FORMAT_JSON : pb.ContractFormat.CONTRACT_FORMAT_YAML,
    appliedAt: stored.appliedAt,
    appliedBy: stored.appliedBy,
  };
}

export function toFieldChanges(diff: ContractDiff | undefined): pb.FieldChange[] {
  return (diff?.changes ?? []).map((c) => ({
    field: c.field,
    kind: CHANGE_KINDS[c.kind],
    breaking: c.breaking,
    description: c.description,
    before: c.before && toFieldSpec(c.before),
    after: c.after && toFieldSpec(c.after),
  }));
}

const JOB_STATES = {
  queued: pb.ImportJobState.IMPORT_JOB_STATE_QUEUED,
  running: pb.ImportJobState.IMPORT_JOB_STATE_RUNNING,
  succeeded: pb.ImportJobState.IMPORT_JOB_STATE_SUCCEEDED,
  failed: pb.ImportJobState.IMPORT_JOB_STATE_FAILED,
} as const;

const FORMATS = { csv: pb.FileFormat.FILE_FORMAT_CSV, jsonl: pb.FileFormat.FILE_FORMAT_JSONL, parquet: pb.FileFormat.FILE_FORMAT_PARQUET } as const;

export const fileFormatName = (format: pb.FileFormat) => (Object.entries(FORMATS).find(([, n]) => n === format)?.[0] as keyof typeof FORMATS | undefined);

export function toImportJob(job: ImportJob): pb.ImportJob {
  return {
    jobId: job.jobId,
    dataset: job.dataset,
    source: job.source,
    format: FORMATS[job.format],
    state: JOB_STATES[job.state],
    bytesTotal: job.bytesTotal,
    bytesRead: job.bytesRead,
    rowsRead: job.rowsRead,
    rowsStored: job.rowsStored,
    rowsQuarantined: job.rowsQuarantined,
    progress: job.bytesTotal > 0 ? Math.min(1, job.bytesRead / job.bytesTotal) : job.state === 'succeeded' ? 1 : 0,
    contractVersion: job.contractVersion,
    batchId: job.jobId,
    error: job.error,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}

const TRIGGERS = { manual: pb.SnapshotTrigger.SNAPSHOT_TRIGGER_MANUAL, schedule: pb.SnapshotTrigger.SNAPSHOT_TRIGGER_SCHEDULE, size: pb.SnapshotTrigger.SNAPSHOT_TRIGGER_SIZE } as const;

export function toSnapshot(s: SnapshotRecord): pb.Snapshot {
  return {
    snapshotId: s.snapshotId,
    dataset: s.dataset,
    contractVersion: s.contractVersion,
    rowCount: s.rowCount,
    // What it holds [min, max]; older snapshots know only the range they were chosen by.
    eventTimeRange: { start: s.eventMin ?? s.timeStart, end: s.eventMax ?? s.timeEnd },
    receivedCount: s.receivedCount,
    quarantinedCount: s.quarantinedCount,
    sizeBytes: s.sizeBytes,
    trigger: TRIGGERS[s.trigger],
    description: s.description,
    labels: s.labels,
    createdAt: s.createdAt,
    createdBy: s.createdBy,
  };
}

export function toColumns(contract: DataContract, names: string[]): commonV1.ColumnSchema[] {
  return names.map((name) => {
    const field = contract.fields.find((f) => f.name === name)!;
    return { name, type: DATA_TYPES[field.type], nullable: field.nullable };
  });
}

export function toValue(field: FieldSpec, value: CanonicalValue): commonV1.FeatureValue {
  if (value === null) return { kind: { $case: 'nullValue', value: 0 } };
  switch (field.type) {
    case 'int':
      return { kind: { $case: 'int64Value', value: value as number } };
    case 'float':
      return { kind: { $case: 'doubleValue', value: value as number } };
    case 'bool':
      return { kind: { $case: 'boolValue', value: value as boolean } };
    case 'timestamp':
      return { kind: { $case: 'timestampValue', value: new Date(value as string) } };
    case 'string':
    case 'categorical':
      return { kind: { $case: 'stringValue', value: value as string } };
  }
}

export function toContractAppliedEvent(stored: StoredContract, previousVersion: string): eventsV1.ContractApplied {
  const { contract } = stored;
  return {
    dataset: contract.dataset,
    version: contract.version,
    previousVersion,
    breaking: stored.breaking,
    fields: contract.fields.map((f) => ({ name: f.name, type: DATA_TYPES[f.type], nullable: f.nullable, required: f.required, allowedCategories: f.categories })),
    entityKeys: contract.entityKeys,
    eventTimeField: contract.eventTimeField,
    sourceTopic: contract.source?.topic ?? '',
    digest: stored.digest,
    appliedBy: stored.appliedBy,
  };
}
