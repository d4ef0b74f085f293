import { type Kafka, type Producer } from 'kafkajs';
import { Events } from '@mlops/events';
import { eventsV1, ingestionV1, monitoringV1, registryV1 } from '@mlops/proto';
import { type Platform } from '../core/platform';
import { type FlightRecord } from './flights';
import { datasetStats, ingested } from './ingested';
import { LifecycleEvents, type SeenEvent } from './lifecycle-events';
import { ALERT_RULES, AUTOMATIC_CANARY, DRIFT_WINDOW_PREDICTIONS, retrainPolicy } from './policies';
import { type FlightTraffic, type Traffic } from './traffic';
import { until } from './until';

export interface LoopContext {
  platform: Platform;
  /** Sets the policies (admin). */
  owner: Platform;
  kafka: Kafka;
  producer: Producer;
  step: (text: string) => void;
  /** Predictions and labels, counted from the first prediction on. */
  traffic: FlightTraffic;
  dataset: string;
  topic: string;
  model: string;
  baseRunId: string;
  /** March–June flights, in time order. */
  spring: readonly FlightRecord[];
}

export type LoopEnd = 'promoted' | 'rolled back' | 'gates failed' | 'retrain failed' | 'no drift';

export interface LoopOutcome {
  end: LoopEnd;
  champion: number;
  retrainedVersion?: number;
  traffic: Traffic;
  events: string[];
}

const BATCH = 100;
/** Windows still open when the replay ends are reported within seconds: no alert by then means no drift. */
const ALERT_GRACE_MS = 60_000;
const MONTHS = ['March', 'April', 'May', 'June'];
const PROMOTED = registryV1.PromotionState.PROMOTION_STATE_PROMOTED;
const GATES_FAILED = registryV1.PromotionState.PROMOTION_STATE_GATES_FAILED;

/**
 * The second half: March–June arrive month by month (each flight a prediction request before it
 * leaves, then its record to ingestion and its outcome as a label; a nightly snapshot) → darkness drifts with
 * the season → an alert fires → monitoring requests a retrain → training repeats the first run on
 * the newest snapshot → the registry registers and gates the new version and, by policy, promotes
 * it as a canary with no person involved → serving steps it up under its guard while traffic flows
 * → it becomes stable, or is rolled back on evidence. The services do all of it by themselves;
 * the quickstart only sends data and prints their events.
 */
export async function closeTheLoop(ctx: LoopContext): Promise<LoopOutcome> {
  const { platform, step, model } = ctx;
  await platform.rpc('monitoring', 'setAlertRules', { modelName: model, content: { $case: 'document', value: ALERT_RULES } }, { auth: true });
  await platform.rpc('monitoring', 'setRetrainPolicy', { policy: retrainPolicy(model, ctx.baseRunId) }, { auth: true });
  step(`monitoring: alert "darkness_drift" when darkness drifts in a window of ${DRIFT_WINDOW_PREDICTIONS} predictions; it requests a retrain of run ${ctx.baseRunId} (at most one a day)`);
  await ctx.owner.rpc('registry', 'setPromotionPolicy', { modelName: model, content: { $case: 'document', value: AUTOMATIC_CANARY } }, { auth: true });
  step('registry: a retrained version that passes its gates is promoted with no person involved, as a canary at 20% → 50% → 100% under serving\'s rollback guard');

  const events = new LifecycleEvents(ctx.kafka, { model, dataset: ctx.dataset }, (line) => step(line));
  const { traffic } = ctx;
  try {
    await events.start(new Date());
    for (const [index, name] of MONTHS.entries()) {
      const month = ctx.spring.filter((f) => new Date(f.date).getUTCMonth() === index + 2);
      const before = { ...traffic.sent.byArm };
      const received = (await datasetStats(platform, ctx.dataset)).received;
      for (let i = 0; i < month.length; i += BATCH) {
        const flights = month.slice(i, i + BATCH);
        // Predicted before departure, so the online store knows only earlier flights; then the flight
        // happens and its record, delay included, reaches ingestion, and its outcome monitoring.
        await traffic.predict(flights, { withLabels: true });
        await ctx.producer.send({ topic: ctx.topic, messages: flights.map((f) => ({ key: f.origin, value: JSON.stringify(f) })) });
      }
      await ingested(platform, ctx.dataset, received + month.length, `${name}'s ${month.length} flights`);
      const { snapshot } = await platform.rpc('ingestion', 'createSnapshot', ingestionV1.CreateSnapshotRequest.fromPartial({ dataset: ctx.dataset, description: `nightly snapshot, through ${name}` }));
      const arms = Object.entries(traffic.sent.byArm).flatMap(([arm, n]) => (n > (before[arm] ?? 0) ? [`${arm} ${n - (before[arm] ?? 0)}`] : [])).join(', ');
      step(`${name}: ${month.length.toLocaleString('en')} predictions served (${arms}), then the ${month.length.toLocaleString('en')} flights ingested with their delays and sent as labels; snapshot ${snapshot?.snapshotId.slice(0, 19)}… (${snapshot?.rowCount} rows)`);
    }
    const end = await settle(ctx, traffic, events);
    const { registeredModel } = await platform.rpc('registry', 'getRegisteredModel', { name: model }, { auth: true });
    const versions = await platform.rpc('registry', 'listModelVersions', registryV1.ListModelVersionsRequest.fromPartial({ modelName: model }), { auth: true });
    return { end, champion: registeredModel?.aliases.champion ?? 0, retrainedVersion: versions.modelVersions.find((v) => v.version > 1)?.version, traffic: traffic.sent, events: events.seen.map((e) => e.type) };
  } finally {
    await events.stop();
  }
}

/**
 * After the replay, waits for the loop to come to rest while live traffic keeps flowing (June's
 * flights again, labelled): the canary's guard judges only arms that receive requests.
 */
async function settle(ctx: LoopContext, traffic: FlightTraffic, events: LifecycleEvents): Promise<LoopEnd> {
  const { platform, model, step } = ctx;
  const june = ctx.spring.filter((f) => new Date(f.date).getUTCMonth() === 5);
  const alertDeadline = Date.now() + ALERT_GRACE_MS;
  let cursor = 0;
  let waitingFor = '';
  let gatesShown = false;
  const say = (what: string) => {
    if (what !== waitingFor) step(`waiting for ${(waitingFor = what)}`);
  };
  return until(async () => {
    for (let i = 0; i < 5; i++, cursor = (cursor + 20) % Math.max(1, june.length - 20)) await traffic.predict(june.slice(cursor, cursor + 20), { withLabels: true });
    const fired = (await platform.rpc('monitoring', 'listAlerts', monitoringV1.ListAlertsRequest.fromPartial({ modelName: model }))).alerts.length > 0;
    if (!fired) return Date.now() > alertDeadline ? 'no drift' : (say('the darkness alert'), undefined);
    if (events.seen.some((e) => e.type === Events.trainingRunFailed.type && !(e.payload as eventsV1.TrainingRunFailed).willRetry)) return 'retrain failed';
    const { promotions } = await platform.rpc('registry', 'listPromotionRequests', registryV1.ListPromotionRequestsRequest.fromPartial({ modelName: model }), { auth: true });
    const retrained = promotions.find((p) => p.version > 1);
    if (!retrained) return say('the retrain: training, then registration and gates'), undefined;
    if (retrained.state !== registryV1.PromotionState.PROMOTION_STATE_PENDING_APPROVAL && !gatesShown) {
      gatesShown = true;
      step(`registry gates for v${retrained.version} (checked when it was registered): ${retrained.gateResult?.checks.map((c) => `${c.message} (${c.passed ? 'passed' : 'failed'})`).join('; ') ?? 'none'}`);
    }
    if (retrained.state === GATES_FAILED) return 'gates failed';
    if (retrained.state !== PROMOTED) return say(`the promotion of v${retrained.version}`), undefined;
    const { deployment } = await platform.rpc('serving', 'getDeployment', { modelName: model }, { auth: true });
    if (deployment?.canary) return say(`canary v${deployment.canary.version} at ${Math.round(deployment.canary.weight * 100)}% to be judged`), undefined;
    if (deployment?.stableVersion === retrained.version) return 'promoted';
    const rolledBack = (e: SeenEvent) =>
      e.type === Events.modelRolledBack.type || (e.type === Events.deploymentChanged.type && (e.payload as eventsV1.DeploymentChanged).cause === eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_AUTO_ROLLBACK);
    if (events.seen.some(rolledBack)) return 'rolled back';
    return say('serving to take up the promotion'), undefined;
  }, 'the loop to come to rest');
}

