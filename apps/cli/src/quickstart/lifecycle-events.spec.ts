import { type Kafka } from 'kafkajs';
import { Events } from '@mlops/events';
import { commonV1, eventsV1 } from '@mlops/proto';
import { LifecycleEvents } from './lifecycle-events';

const followed = () => new LifecycleEvents({} as Kafka, { model: 'flights-delay-ab12', dataset: 'flights_ab12' }, () => undefined);

describe('LifecycleEvents.describe', () => {
  it('follows the model and dataset, and ignores other models', () => {
    const events = followed();
    const promoted = (modelName: string) => eventsV1.ModelPromoted.fromPartial({
      modelName, version: 2, alias: 'champion', requestedBy: 'service:registry', rollout: { kind: commonV1.RolloutKind.ROLLOUT_KIND_CANARY },
    });
    expect(events.describe(Events.modelPromoted, promoted('flights-delay-ab12'))).toBe('v2 promoted to champion (canary rollout; requested by service:registry, no person involved)');
    expect(events.describe(Events.modelPromoted, promoted('someone-else'))).toBeUndefined();
    expect(events.describe(Events.snapshotCreated, eventsV1.SnapshotCreated.fromPartial({ dataset: 'flights_ab12', rowCount: 10, eventTimeRange: { end: new Date('2001-03-31T23:00:00Z') } })))
      .toBe('snapshot of flights_ab12, 10 rows through 2001-03-31');
    expect(events.describe(Events.snapshotCreated, eventsV1.SnapshotCreated.fromPartial({ dataset: 'flights_other' }))).toBeUndefined();
  });

  it('follows a training run only once a retrain request for the model has named it', () => {
    const events = followed();
    const started = eventsV1.TrainingRunStarted.fromPartial({ runId: 'run-2', retrainRequestId: 'req-1', startedBy: 'monitoring' });
    expect(events.describe(Events.trainingRunStarted, started)).toBeUndefined();
    expect(events.describe(Events.retrainRequested, eventsV1.RetrainRequested.fromPartial({ modelName: 'flights-delay-ab12', retrainRequestId: 'req-1', modelVersion: 1, reason: 'drift' })))
      .toBe('retrain of v1 requested (drift)');
    expect(events.describe(Events.trainingRunStarted, started)).toBe('run run-2 started by monitoring');
  });

  it('names the arms that take traffic and why serving changed', () => {
    const changed = eventsV1.DeploymentChanged.fromPartial({
      modelName: 'flights-delay-ab12', revision: 5, stableVersion: 1, cause: eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_AUTO_ROLLBACK,
      arms: [{ arm: 'stable', version: 1, weight: 1 }, { arm: 'standby', version: 2, weight: 0 }],
    });
    expect(followed().describe(Events.deploymentChanged, changed)).toBe('serving revision 5 (auto rollback): stable v1 100%');
  });
});
