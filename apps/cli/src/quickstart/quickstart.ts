import { Kafka, logLevel } from 'kafkajs';
import { dropKafkajsTimeoutWarning } from '@mlops/events';
import { commonV1, ingestionV1, registryV1, servingV1, trainingV1 } from '@mlops/proto';
import { enrichDeployment } from '../commands/serving';
import { stageName, statusName } from '../commands/training';
import { CliError } from '../core/cli-error';
import { EXIT } from '../core/exit-codes';
import { type Output } from '../core/output';
import { type Platform } from '../core/platform';
import { closeTheLoop, type LoopOutcome } from './close-the-loop';
import { flightsContract } from './contract';
import { defineAndMaterialize } from './feature-store';
import { featureNames } from './features';
import { type FlightRecord, readFlightMonths } from './flights';
import { ingested } from './ingested';
import { REVIEWED_PROMOTION } from './policies';
import { FlightTraffic, numberOf } from './traffic';
import { until } from './until';

export interface QuickstartOptions {
  /** Requests promotion (contributor) and approves it (approver): two people, as the registry's four-eyes rule wants. */
  requester: Platform;
  approver: Platform;
  /** Sets policies and the deployment's enrichment (admin). */
  owner: Platform;
  out: Output;
  kafkaBrokers: string[];
  /** Every n-th flight of January–June is replayed. */
  every: number;
  /** Suffix of the dataset, topic, feature and model names, so a second run starts clean. */
  run: string;
}

export interface QuickstartResult {
  model: string;
  dataset: string;
  firstPredictionMs: number;
  loop: LoopOutcome;
}

/** Broken rows the producer mixes in, so the contract has something to quarantine. */
const BROKEN = 3;
const CUTOFF = new Date('2001-02-15T00:00:00Z');

/**
 * The whole loop on real flights. First half: January–February through Kafka → contract validation
 * (broken rows quarantined) → feature definitions applied and materialized → a GBDT trained
 * point-in-time and tracked → registered, gated, approved by a second person, promoted → served
 * with online features → the first prediction, with the time it took. Second half: see `closeTheLoop`.
 */
export async function quickstart(options: QuickstartOptions): Promise<QuickstartResult> {
  const { requester: platform, approver, owner, out, run } = options;
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  const step = (text: string) => out.say(`[${seconds()} s] ${text}`);
  const dataset = `flights_${run}`;
  const topic = `upstream.flights.${run}`;
  const model = `flights-delay-${run}`;

  step(`reading January–June 2001 flights (every ${options.every}th) from vega-datasets`);
  const flights = await readFlightMonths(new Set([0, 1, 2, 3, 4, 5]), options.every);
  const winter = flights.filter((f) => new Date(f.date).getUTCMonth() < 2);

  step(`applying the data contract of "${dataset}" (source topic ${topic})`);
  dropKafkajsTimeoutWarning();
  const kafka = new Kafka({ clientId: 'mlops-quickstart', brokers: options.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect().catch((error: Error) => {
    throw new CliError(`cannot reach Kafka at ${options.kafkaBrokers.join(',')} (${error.message}): start the platform with \`npm start\`, or set KAFKA_BROKERS`, EXIT.unavailable);
  });
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
  await admin.disconnect();
  await platform.rpc('ingestion', 'applyContract', { document: flightsContract(dataset, topic), format: 0, dryRun: false });

  step(`replaying ${winter.length.toLocaleString('en')} January–February flights through Kafka in time order, with ${BROKEN} broken ones`);
  const broken: object[] = [{ ...winter[0], delay: 'late' }, { ...winter[1], distance: -5 }, { ...winter[2], origin: 'not an airport' }].slice(0, BROKEN);
  const producer = kafka.producer();
  await producer.connect();
  try {
    const records: object[] = [...winter.slice(0, 1000), ...broken, ...winter.slice(1000)];
    for (let i = 0; i < records.length; i += 5_000) {
      await producer.send({ topic, messages: records.slice(i, i + 5_000).map((f) => ({ key: (f as FlightRecord).origin, value: JSON.stringify(f) })) });
    }
    const stats = await ingested(platform, dataset, records.length, `all ${records.length} records of ${dataset}`);
    step(`contract validation: ${stats.stored} stored, ${stats.quarantined} quarantined`);
    const { snapshot } = await platform.rpc('ingestion', 'createSnapshot', ingestionV1.CreateSnapshotRequest.fromPartial({ dataset, description: 'quickstart training data' }));
    if (!snapshot) throw new CliError('ingestion returned no snapshot', EXIT.failure);
    step(`snapshot ${snapshot.snapshotId} (${snapshot.rowCount} rows)`);

    await defineAndMaterialize(platform, step, dataset, run, winter);

    const trained = await trainFirstModel(platform, step, run, snapshot.snapshotId, model);
    const version = await promoteFirstModel({ requester: platform, approver, owner }, step, model, trained.runId, featureNames(run).service);
    const traffic = new FlightTraffic(platform, producer, model);
    // The first flight of March: not ingested yet, so its airport's features are as of the end of February.
    const spring = flights.filter((f) => new Date(f.date).getUTCMonth() >= 2);
    const first = await traffic.predict([spring[0]], { withLabels: false });
    const firstPredictionMs = performance.now() - started;
    step(`first prediction: ${describePrediction(spring[0], first)}`);
    const sinceStart = Date.now() - Number(process.env.MLOPS_STARTED_AT_MS);
    step(`time to first prediction: ${(firstPredictionMs / 1000).toFixed(1)} s${Number.isFinite(sinceStart) ? `, ${(sinceStart / 1000).toFixed(1)} s after \`npm start\` began (install, build and start-up included)` : ''}`);

    const loop = await closeTheLoop({ platform, owner, kafka, producer, step, traffic, dataset, topic, model, baseRunId: trained.runId, spring });
    const { predictions, byArm, labels } = loop.traffic;
    step(`traffic: ${predictions} predictions served (${Object.entries(byArm).map(([arm, n]) => `${arm} ${n}`).join(', ')}), ${labels} outcomes sent as labels`);
    step(conclusion(loop, version));
    return { model, dataset, firstPredictionMs, loop };
  } finally {
    await producer.disconnect();
  }
}

async function trainFirstModel(platform: Platform, step: (text: string) => void, run: string, snapshotId: string, model: string): Promise<trainingV1.Run> {
  const { experiment } = await platform.rpc('training', 'createExperiment', { name: `quickstart-${run}`, description: 'flight delays, the quickstart', tags: {} });
  const spec = trainingV1.TrainingSpec.fromPartial({
    // Point-in-time: each flight gets its origin's features as they stood just before it left.
    data: { source: { $case: 'featureService', value: { featureService: { name: featureNames(run).service, version: 0 }, entitySnapshotId: snapshotId } } },
    label: { column: 'delay', expression: 'delay > 15', task: commonV1.TaskType.TASK_TYPE_BINARY_CLASSIFICATION },
    // Booleans train as 0/1 numbers, and the model takes them that way.
    features: ['origin', 'destination', 'distance', 'dark', 'mean_delay_7d', 'flights_1d'],
    trainer: { kind: { $case: 'builtin', value: trainingV1.BuiltinTrainerKind.BUILTIN_TRAINER_KIND_GBDT } },
    hyperparameters: { rounds: 60, max_depth: 6 },
    split: { kind: { $case: 'time', value: { timeColumn: 'date', train: { end: CUTOFF }, test: { start: CUTOFF }, validationFraction: 0.2 } } },
    seed: 7,
    registerAs: model,
  });
  const { run: queued } = await platform.rpc('training', 'startTrainingRun', trainingV1.StartTrainingRunRequest.fromPartial({ experimentId: experiment!.experimentId, name: 'gbdt', spec }));
  step(`training run ${queued!.runId}: a GBDT on the flight and its origin's features point-in-time, split in time at ${CUTOFF.toISOString().slice(0, 10)}`);
  let lastStage = '';
  const trained = await until(async () => {
    const { run: current } = await platform.rpc('training', 'getRun', { runId: queued!.runId });
    const stage = stageName(current!.stage);
    if (stage && stage !== lastStage) step(`  stage: ${(lastStage = stage)}`);
    if (current!.status === trainingV1.RunStatus.RUN_STATUS_FAILED || current!.status === trainingV1.RunStatus.RUN_STATUS_CANCELLED) {
      throw new CliError(`training run ${current!.runId} ended ${statusName(current!.status)}: ${current!.failure?.message ?? 'no reason given'}`, EXIT.failure);
    }
    return current!.status === trainingV1.RunStatus.RUN_STATUS_SUCCEEDED ? current! : undefined;
  }, `training run ${queued!.runId} to finish`);
  const metric = (key: string) => trained.metrics.find((m) => m.key === key)?.value;
  step(`trained: ROC-AUC ${metric('roc_auc')?.toFixed(3) ?? '?'}, accuracy ${metric('accuracy')?.toFixed(3) ?? '?'} on the held-out second half of February`);
  return trained;
}

async function promoteFirstModel(people: Pick<QuickstartOptions, 'requester' | 'approver' | 'owner'>, step: (text: string) => void, model: string, runId: string, featureService: string): Promise<number> {
  const { requester: platform, approver, owner } = people;
  const version = await until(async () => {
    // NOT_FOUND until the registry has taken the run's completion event.
    const answer = await platform.rpc('registry', 'listModelVersions', registryV1.ListModelVersionsRequest.fromPartial({ modelName: model }), { auth: true }).catch(() => undefined);
    return answer?.modelVersions.find((v) => v.lineage?.trainingRunId === runId);
  }, `the registry to register the run's model as "${model}"`);
  step(`registered ${model} v${version.version} from the run, with its reference profile`);
  await owner.rpc('registry', 'setPromotionPolicy', { modelName: model, content: { $case: 'document', value: REVIEWED_PROMOTION } }, { auth: true });

  const { promotion } = await platform.rpc('registry', 'requestPromotion', registryV1.RequestPromotionRequest.fromPartial({ modelName: model, version: version.version, reason: 'quickstart: first model' }), { auth: true });
  const gates = promotion!.gateResult?.checks.map((c) => c.message).join('; ');
  if (promotion!.state === registryV1.PromotionState.PROMOTION_STATE_GATES_FAILED) throw new CliError(`the gates refused ${model} v${version.version}: ${gates}`, EXIT.failure);
  step(`promotion requested by ${promotion!.requestedBy}: gates passed (${gates}), ${promotion!.requiredApprovals} approval needed from someone else`);
  await approver.rpc('registry', 'approvePromotion', { promotionId: promotion!.promotionId, reason: 'quickstart: looks right' }, { auth: true });
  step(`approved by a second person: ${model} v${version.version} is the champion`);

  await until(async () => {
    const answer = await platform.rpc('serving', 'getDeployment', { modelName: model }, { auth: true }).catch(() => undefined);
    return answer?.arms.some((a) => a.arm === 'stable' && a.version === version.version && a.state === servingV1.LoadState.LOAD_STATE_READY);
  }, `serving to load and warm ${model} v${version.version}`);
  // The airport's recent delays come from the online store; an airport without history gets nulls, which the model takes as missing.
  await enrichDeployment(owner, model, featureService, { fallback: servingV1.FeatureFallback.FEATURE_FALLBACK_DEFAULTS, timeoutMs: 1000 });
  step('serving loaded and warmed it, and looks up each request\'s origin airport in the online store');
  return version.version;
}

function describePrediction(flight: FlightRecord, answer: servingV1.PredictResponse): string {
  const prediction = answer.predictions[0];
  const probability = prediction?.outputs.probability?.doubleValues[0];
  const used = (name: string) => numberOf(prediction?.features[name]);
  const online = `${used('flights_1d') ?? '?'} flights from ${flight.origin} in the past day, ${used('mean_delay_7d')?.toFixed(1) ?? '?'} min mean delay over the week (online store)`;
  return `${flight.origin} → ${flight.destination}, ${flight.distance} miles${flight.dark ? ', in darkness' : ''}; ${online}: P(delay > 15 min) = ${probability?.toFixed(3) ?? '?'} (v${answer.modelVersion}, arm ${answer.arm})`;
}

function conclusion(loop: LoopOutcome, firstVersion: number): string {
  const v = loop.retrainedVersion;
  switch (loop.end) {
    case 'promoted':
      return `the loop closed: v${v} was retrained on drift, passed its gates, went through its canary and is the champion`;
    case 'rolled back':
      return `the loop closed: v${v} was retrained on drift and rolled out as a canary, which the evidence rolled back; v${loop.champion} stays champion`;
    case 'gates failed':
      return `the loop closed: v${v} was retrained on drift but failed its gates; v${firstVersion} stays champion`;
    case 'retrain failed':
      return `the retrain requested on drift failed (see \`mlops runs list\`); v${firstVersion} stays champion`;
    case 'no drift':
      return `no drift alert fired over March–June; v${firstVersion} stays champion`;
  }
}
