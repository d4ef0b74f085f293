import { type Consumer, type IHeaders, type Kafka } from 'kafkajs';
import { ensureTopics, type EventDefinition, Events, readEnvelope } from '@mlops/events';
import { enumName, eventsV1 } from '@mlops/proto';
import { CliError } from '../core/cli-error';
import { EXIT } from '../core/exit-codes';
import { rolloutKindName } from '../commands/registry';

/** What the quickstart follows: the events of its model, its dataset and the runs that retrain the model. */
export interface Followed {
  model: string;
  dataset: string;
}

/** One lifecycle event: its type, the decoded payload, and the line printed for it. */
export interface SeenEvent {
  type: string;
  payload: unknown;
  line: string;
}

const FOLLOWED_EVENTS = [
  Events.snapshotCreated, Events.trainingRunStarted, Events.trainingRunCompleted, Events.trainingRunFailed, Events.modelVersionRegistered,
  Events.modelPromoted, Events.modelRolledBack, Events.deploymentChanged, Events.alertFired, Events.alertResolved, Events.retrainRequested,
  Events.canaryRollbackRequested,
] as EventDefinition<unknown>[];

/** A fresh consumer group joins in a few seconds; a broker that cannot form the group should not hang the quickstart. */
const JOIN_TIMEOUT_MS = 60_000;
const percent = (weight: number) => `${Math.round(weight * 100)}%`;
const CAUSE_PREFIX = 'DEPLOYMENT_CHANGE_CAUSE_';

/**
 * Reads the platform's lifecycle events as they happen, so the loop's second half, which the
 * services run by themselves, is printed as it unfolds rather than reconstructed after.
 */
export class LifecycleEvents {
  readonly seen: SeenEvent[] = [];
  private readonly retrainRequests = new Set<string>();
  private consumer?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly followed: Followed,
    private readonly print: (line: string) => void,
  ) {}

  /** Starts reading events published from `since` on; resolves once the consumer has joined. */
  async start(since: Date): Promise<void> {
    // Subscribing to a topic nothing has published on yet would fail.
    const admin = this.kafka.admin();
    await admin.connect();
    await ensureTopics(admin, FOLLOWED_EVENTS).finally(() => admin.disconnect());
    this.consumer = this.kafka.consumer({ groupId: `mlops-quickstart-${this.followed.model}-${Date.now()}` });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: FOLLOWED_EVENTS.map((e) => e.topic), fromBeginning: true });
    const consumer = this.consumer;
    const joined = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CliError(`the quickstart's event consumer did not join within ${JOIN_TIMEOUT_MS / 1000} s: is Kafka healthy? see tmp/logs/`, EXIT.unavailable)), JOIN_TIMEOUT_MS);
      consumer.on(consumer.events.GROUP_JOIN, () => resolve(clearTimeout(timer)));
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(new CliError(`the quickstart's event consumer crashed: ${payload.error.message}`, EXIT.unavailable)));
    });
    await this.consumer.run({
      eachMessage: ({ topic, message }) => {
        const definition = FOLLOWED_EVENTS.find((e) => e.topic === topic);
        if (definition && message.value && Number(message.timestamp) >= since.getTime()) this.take(definition, message.value, message.headers);
        return Promise.resolve();
      },
    });
    await joined;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  private take(definition: EventDefinition<unknown>, value: Buffer, headers: IHeaders | undefined): void {
    const payload = definition.codec.decode(value);
    const line = this.describe(definition, payload);
    if (!line) return;
    const { type } = readEnvelope(headers);
    this.seen.push({ type, payload, line });
    this.print(`  event ${type}: ${line}`);
  }

  /** The event's line, or undefined for events of other models, datasets and runs. */
  describe(definition: EventDefinition<unknown>, payload: unknown): string | undefined {
    const { model, dataset } = this.followed;
    switch (definition.type) {
      case Events.snapshotCreated.type: {
        const e = payload as eventsV1.SnapshotCreated;
        return e.dataset === dataset ? `snapshot of ${e.dataset}, ${e.rowCount} rows through ${e.eventTimeRange?.end?.toISOString().slice(0, 10) ?? '?'}` : undefined;
      }
      case Events.retrainRequested.type: {
        const e = payload as eventsV1.RetrainRequested;
        if (e.modelName !== model) return undefined;
        this.retrainRequests.add(e.retrainRequestId);
        return `retrain of v${e.modelVersion} requested (${e.reason})`;
      }
      case Events.trainingRunStarted.type: {
        const e = payload as eventsV1.TrainingRunStarted;
        return this.retrainRequests.has(e.retrainRequestId) ? `run ${e.runId} started by ${e.startedBy || 'monitoring'}` : undefined;
      }
      case Events.trainingRunCompleted.type: {
        const e = payload as eventsV1.TrainingRunCompleted;
        return e.modelName === model ? `run ${e.runId} done: ${e.primaryMetric} ${e.metrics[e.primaryMetric]?.toFixed(3) ?? '?'}` : undefined;
      }
      case Events.trainingRunFailed.type: {
        const e = payload as eventsV1.TrainingRunFailed;
        return this.retrainRequests.has(e.retrainRequestId) ? `run ${e.runId} failed${e.willRetry ? ' (will retry)' : ''}: ${e.reason}` : undefined;
      }
      case Events.modelVersionRegistered.type: {
        const e = payload as eventsV1.ModelVersionRegistered;
        return e.modelName === model ? `${e.modelName} v${e.version} registered from run ${e.lineage?.trainingRunId ?? '?'}` : undefined;
      }
      case Events.modelPromoted.type: {
        const e = payload as eventsV1.ModelPromoted;
        const by = e.approvedBy.length > 0 ? `approved by ${e.approvedBy.join(', ')}` : 'no person involved';
        return e.modelName === model ? `v${e.version} promoted to ${e.alias} (${rolloutKindName(e.rollout?.kind ?? 0) || 'immediate'} rollout; requested by ${e.requestedBy}, ${by})` : undefined;
      }
      case Events.modelRolledBack.type: {
        const e = payload as eventsV1.ModelRolledBack;
        return e.modelName === model ? `${e.alias} rolled back from v${e.fromVersion} to v${e.toVersion}: ${e.reason}` : undefined;
      }
      case Events.deploymentChanged.type: {
        const e = payload as eventsV1.DeploymentChanged;
        if (e.modelName !== model) return undefined;
        const arms = e.arms.filter((a) => a.weight > 0).map((a) => `${a.arm} v${a.version} ${percent(a.weight)}`).join(', ');
        return `serving revision ${e.revision} (${enumName(eventsV1.DeploymentChangeCause, e.cause, CAUSE_PREFIX).toLowerCase().replaceAll('_', ' ')}): ${arms || `stable v${e.stableVersion}`}`;
      }
      case Events.alertFired.type: {
        const e = payload as eventsV1.AlertFired;
        return e.modelName === model ? `alert ${e.ruleName} fired on v${e.modelVersion} (${e.message})` : undefined;
      }
      case Events.alertResolved.type: {
        const e = payload as eventsV1.AlertResolved;
        return e.modelName === model ? `alert ${e.ruleName} resolved` : undefined;
      }
      case Events.canaryRollbackRequested.type: {
        const e = payload as eventsV1.CanaryRollbackRequested;
        return e.modelName === model ? `monitoring asks to roll canary v${e.canaryVersion} back: ${e.reason}` : undefined;
      }
      default:
        return undefined;
    }
  }
}
