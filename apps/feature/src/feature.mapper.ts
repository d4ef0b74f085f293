import { commonV1, featureV1 as pb } from '@mlops/proto';
import { type Entity, type Feature, type FeatureServiceDefinition, type FeatureView, type ValueType } from './domain/definitions';
import { type PlannedChange } from './domain/plan';
import { type FeatureValue } from './domain/point-in-time';
import { type Versioned } from './definitions/definitions.repository';
import { type MaterializationJob } from './materialization/materialization-job.repository';

const { DataType } = commonV1;
const DATA_TYPES: Record<ValueType, commonV1.DataType> = {
  int: DataType.DATA_TYPE_INT,
  float: DataType.DATA_TYPE_FLOAT,
  string: DataType.DATA_TYPE_STRING,
  bool: DataType.DATA_TYPE_BOOL,
  timestamp: DataType.DATA_TYPE_TIMESTAMP,
};
export const toDataType = (type: ValueType) => DATA_TYPES[type];

const NULL: commonV1.FeatureValue = { kind: { $case: 'nullValue', value: 0 } };

/** A feature value on the wire, typed by the feature's declared type. */
export function toValue(type: ValueType, value: FeatureValue): commonV1.FeatureValue {
  if (value === null) return NULL;
  switch (type) {
    case 'int':
      return typeof value === 'number' ? { kind: { $case: 'int64Value', value } } : NULL;
    case 'float':
      return typeof value === 'number' ? { kind: { $case: 'doubleValue', value } } : NULL;
    case 'bool':
      return typeof value === 'boolean' ? { kind: { $case: 'boolValue', value } } : NULL;
    case 'timestamp':
      return { kind: { $case: 'timestampValue', value: new Date(String(value)) } };
    case 'string':
      return { kind: { $case: 'stringValue', value: String(value) } };
  }
}

/** A wire value as a plain one (timestamps as ISO strings, as source rows hold them). */
export function fromValue(value: commonV1.FeatureValue | undefined): string | number | boolean | null {
  const kind = value?.kind;
  if (!kind || kind.$case === 'nullValue') return null;
  if (kind.$case === 'timestampValue') return kind.value.toISOString();
  return kind.value;
}

const ACTIONS = { create: pb.PlanAction.PLAN_ACTION_CREATE, update: pb.PlanAction.PLAN_ACTION_UPDATE, unchanged: pb.PlanAction.PLAN_ACTION_UNCHANGED, delete: pb.PlanAction.PLAN_ACTION_DELETE };
const KINDS = { entity: pb.ObjectKind.OBJECT_KIND_ENTITY, feature_view: pb.ObjectKind.OBJECT_KIND_FEATURE_VIEW, feature_service: pb.ObjectKind.OBJECT_KIND_FEATURE_SERVICE };

export function toPlannedChange(c: PlannedChange): pb.PlannedChange {
  return { kind: KINDS[c.kind], name: c.name, action: ACTIONS[c.action], fromVersion: c.fromVersion, toVersion: c.toVersion, incompatible: c.incompatible, details: c.details };
}

const duration = (seconds: number) => ({ seconds, nanos: 0 });
const FUNCTIONS = {
  count: pb.AggregationFunction.AGGREGATION_FUNCTION_COUNT,
  sum: pb.AggregationFunction.AGGREGATION_FUNCTION_SUM,
  mean: pb.AggregationFunction.AGGREGATION_FUNCTION_MEAN,
  min: pb.AggregationFunction.AGGREGATION_FUNCTION_MIN,
  max: pb.AggregationFunction.AGGREGATION_FUNCTION_MAX,
  last: pb.AggregationFunction.AGGREGATION_FUNCTION_LAST,
};

function toFeatureSpec(f: Feature): pb.FeatureSpec {
  const t = f.transformation;
  const transformation: pb.FeatureSpec['transformation'] =
    t.kind === 'field'
      ? { $case: 'sourceField', value: t.field }
      : t.kind === 'expression'
        ? { $case: 'expression', value: t.expression }
        : { $case: 'aggregation', value: { sourceField: t.field ?? '', function: FUNCTIONS[t.function], window: duration(t.windowSeconds) } };
  return { name: f.name, type: toDataType(f.type), transformation, description: f.description };
}

export function toFeatureView({ version, definition: v, appliedAt }: Versioned<FeatureView>, contractVersion: string): pb.FeatureView {
  return {
    name: v.name,
    version,
    entities: v.entities,
    sourceDataset: v.source,
    sourceContractVersion: contractVersion,
    eventTimeField: '',
    ttl: duration(v.ttlSeconds),
    features: v.features.map(toFeatureSpec),
    online: v.online,
    description: v.description,
    tags: v.tags,
    digest: '',
    appliedAt,
  };
}

export function toEntity({ version, definition: e }: Versioned<Entity>, types: Map<string, ValueType>): pb.Entity {
  return { name: e.name, joinKeys: e.joinKeys.map((k) => ({ name: k, type: toDataType(types.get(k) ?? 'string'), nullable: false })), description: e.description, version };
}

export function toFeatureService({ version, definition: s, appliedAt }: Versioned<FeatureServiceDefinition>, viewVersions: Map<string, number>): pb.FeatureServiceDefinition {
  return {
    name: s.name,
    version,
    projections: s.projections.map((p) => ({ featureView: { name: p.view, version: viewVersions.get(p.view) ?? 0 }, features: p.features })),
    description: s.description,
    digest: '',
    appliedAt,
  };
}

const STATES = {
  queued: pb.MaterializationJobState.MATERIALIZATION_JOB_STATE_QUEUED,
  running: pb.MaterializationJobState.MATERIALIZATION_JOB_STATE_RUNNING,
  succeeded: pb.MaterializationJobState.MATERIALIZATION_JOB_STATE_SUCCEEDED,
  failed: pb.MaterializationJobState.MATERIALIZATION_JOB_STATE_FAILED,
};

export function toJob(job: MaterializationJob, versions: Map<string, number>): pb.MaterializationJob {
  return {
    jobId: job.jobId,
    featureViews: job.views.map((name) => ({ name, version: versions.get(name) ?? 0 })),
    range: { start: job.start, end: job.end },
    state: STATES[job.state],
    rowsRead: job.rowsRead,
    valuesWritten: job.valuesWritten,
    error: job.error,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
  };
}
