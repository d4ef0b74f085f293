import { eventsV1 as e } from '@mlops/proto';
import { defineEvent, type EventDefinition } from './event-definition';

/*
 * The event catalog: every lifecycle event, its topic, key and partition count, in one place.
 * Keys are chosen so that what must stay ordered shares a partition: a dataset's contract and
 * snapshots, a run's lifecycle, a model's versions, promotions, deployments and alerts.
 * Partition counts bound consumer parallelism (replicas of a consumer group <= partitions):
 * the prediction log and labels carry traffic, everything else is a trickle.
 */
const LOW_VOLUME = 3;
const HIGH_VOLUME = 12;

export const Events = {
  contractApplied: defineEvent<e.ContractApplied>({
    type: 'ingestion.contract.applied', version: 1, producer: 'ingestion', partitions: LOW_VOLUME,
    keyDescription: 'dataset', key: (p) => p.dataset, codec: e.ContractApplied,
  }),
  recordsQuarantined: defineEvent<e.RecordsQuarantined>({
    type: 'ingestion.records.quarantined', version: 1, producer: 'ingestion', partitions: LOW_VOLUME,
    keyDescription: 'dataset', key: (p) => p.dataset, codec: e.RecordsQuarantined,
  }),
  recordDeadLettered: defineEvent<e.RecordDeadLettered>({
    type: 'ingestion.record.dead_lettered', version: 1, producer: 'ingestion', partitions: LOW_VOLUME,
    keyDescription: 'dataset', key: (p) => p.dataset, codec: e.RecordDeadLettered,
  }),
  snapshotCreated: defineEvent<e.SnapshotCreated>({
    type: 'ingestion.snapshot.created', version: 1, producer: 'ingestion', partitions: LOW_VOLUME,
    keyDescription: 'dataset', key: (p) => p.dataset, codec: e.SnapshotCreated,
  }),
  expectationsBreached: defineEvent<e.ExpectationsBreached>({
    type: 'ingestion.expectations.breached', version: 1, producer: 'ingestion', partitions: LOW_VOLUME,
    keyDescription: 'dataset', key: (p) => p.dataset, codec: e.ExpectationsBreached,
  }),
  recordsStored: defineEvent<e.RecordsStored>({
    type: 'ingestion.records.stored', version: 1, producer: 'ingestion', partitions: HIGH_VOLUME,
    keyDescription: 'dataset: one dataset\'s rows arrive in the order they were stored', key: (p) => p.dataset, codec: e.RecordsStored,
  }),
  featureDefinitionsApplied: defineEvent<e.FeatureDefinitionsApplied>({
    type: 'feature.definitions.applied', version: 1, producer: 'feature', partitions: 1,
    keyDescription: 'constant "definitions": applied versions form one ordered stream', key: () => 'definitions', codec: e.FeatureDefinitionsApplied,
  }),
  materializationCompleted: defineEvent<e.MaterializationCompleted>({
    type: 'feature.materialization.completed', version: 1, producer: 'feature', partitions: LOW_VOLUME,
    keyDescription: 'first feature view of the job', key: (p) => p.featureViews[0]?.name ?? p.jobId, codec: e.MaterializationCompleted,
  }),
  trainingRunStarted: defineEvent<e.TrainingRunStarted>({
    type: 'training.run.started', version: 1, producer: 'training', partitions: LOW_VOLUME,
    keyDescription: 'run id', key: (p) => p.runId, codec: e.TrainingRunStarted,
  }),
  trainingRunCompleted: defineEvent<e.TrainingRunCompleted>({
    type: 'training.run.completed', version: 1, producer: 'training', partitions: LOW_VOLUME,
    keyDescription: 'run id', key: (p) => p.runId, codec: e.TrainingRunCompleted,
  }),
  trainingRunFailed: defineEvent<e.TrainingRunFailed>({
    type: 'training.run.failed', version: 1, producer: 'training', partitions: LOW_VOLUME,
    keyDescription: 'run id', key: (p) => p.runId, codec: e.TrainingRunFailed,
  }),
  trainingRunCancelled: defineEvent<e.TrainingRunCancelled>({
    type: 'training.run.cancelled', version: 1, producer: 'training', partitions: LOW_VOLUME,
    keyDescription: 'run id', key: (p) => p.runId, codec: e.TrainingRunCancelled,
  }),
  registeredModelCreated: defineEvent<e.RegisteredModelCreated>({
    type: 'registry.model.created', version: 1, producer: 'registry', partitions: LOW_VOLUME,
    keyDescription: 'model name', key: (p) => p.name, codec: e.RegisteredModelCreated,
  }),
  modelVersionRegistered: defineEvent<e.ModelVersionRegistered>({
    type: 'registry.model_version.registered', version: 1, producer: 'registry', partitions: LOW_VOLUME,
    keyDescription: 'model name', key: (p) => p.modelName, codec: e.ModelVersionRegistered,
  }),
  modelPromoted: defineEvent<e.ModelPromoted>({
    type: 'registry.model.promoted', version: 1, producer: 'registry', partitions: LOW_VOLUME,
    keyDescription: 'model name: promotions and rollbacks of one model stay ordered', key: (p) => p.modelName, codec: e.ModelPromoted,
  }),
  modelRolledBack: defineEvent<e.ModelRolledBack>({
    type: 'registry.model.rolled_back', version: 1, producer: 'registry', partitions: LOW_VOLUME,
    keyDescription: 'model name', key: (p) => p.modelName, codec: e.ModelRolledBack,
  }),
  deploymentChanged: defineEvent<e.DeploymentChanged>({
    type: 'serving.deployment.changed', version: 1, producer: 'serving', partitions: LOW_VOLUME,
    keyDescription: 'model name', key: (p) => p.modelName, codec: e.DeploymentChanged,
  }),
  predictionLogged: defineEvent<e.PredictionLogged>({
    type: 'serving.prediction.logged', version: 1, producer: 'serving', partitions: HIGH_VOLUME,
    keyDescription: 'model name: monitoring partitions its windows by model', key: (p) => p.modelName, codec: e.PredictionLogged,
  }),
  labelReceived: defineEvent<e.LabelReceived>({
    type: 'monitoring.label.received', version: 1, producer: 'upstream', partitions: HIGH_VOLUME,
    keyDescription: 'model name, so labels meet their predictions on the same consumer', key: (p) => p.modelName, codec: e.LabelReceived,
  }),
  driftDetected: defineEvent<e.DriftDetected>({
    type: 'monitoring.drift.detected', version: 1, producer: 'monitoring', partitions: LOW_VOLUME,
    keyDescription: 'model name', key: (p) => p.modelName, codec: e.DriftDetected,
  }),
  alertFired: defineEvent<e.AlertFired>({
    type: 'monitoring.alert.fired', version: 1, producer: 'monitoring', partitions: LOW_VOLUME,
    keyDescription: 'model name', key: (p) => p.modelName, codec: e.AlertFired,
  }),
  alertResolved: defineEvent<e.AlertResolved>({
    type: 'monitoring.alert.resolved', version: 1, producer: 'monitoring', partitions: LOW_VOLUME,
    keyDescription: 'model name', key: (p) => p.modelName, codec: e.AlertResolved,
  }),
  retrainRequested: defineEvent<e.RetrainRequested>({
    type: 'monitoring.retrain.requested', version: 1, producer: 'monitoring', partitions: LOW_VOLUME,
    keyDescription: 'model name', key: (p) => p.modelName, codec: e.RetrainRequested,
  }),
  canaryRollbackRequested: defineEvent<e.CanaryRollbackRequested>({
    type: 'monitoring.canary_rollback.requested', version: 1, producer: 'monitoring', partitions: LOW_VOLUME,
    keyDescription: 'model name', key: (p) => p.modelName, codec: e.CanaryRollbackRequested,
  }),
} as const satisfies Record<string, EventDefinition<unknown>>;

export const EVENT_CATALOG: readonly EventDefinition<unknown>[] = Object.values(Events);

/** The catalog entries a service publishes. */
export function publishedBy(service: string): EventDefinition<unknown>[] {
  return EVENT_CATALOG.filter((definition) => definition.producer === service);
}
