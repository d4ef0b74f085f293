import { Kafka, logLevel } from 'kafkajs';
import { commonV1, enumName, ingestionV1, registryV1, servingV1, trainingV1 } from '@mlops/proto';
import { CliError } from '../core/cli-error';
import { EXIT } from '../core/exit-codes';
import { type Output } from '../core/output';
import { type Platform } from '../core/platform';
import { flightsContract } from './contract';
import { type FlightRecord, readFlightMonths } from './flights';

export interface QuickstartOptions {
  /** Requests promotion (contributor) and approves it (approver): two people, as the registry's four-eyes rule wants. */
  requester: Platform;
  approver: Platform;
  out: Output;
  kafkaBrokers: string[];
  /** Every n-th flight of January–February is replayed. */
  every: number;
  /** Suffix of the dataset, topic and model names, so a second run starts clean. */
  run: string;
}

const POLL_MS = 500;
const WAIT_MS = 10 * 60_000;
/** Broken rows the producer mixes in, so the contract has something to quarantine. */
const BROKEN = 3;

/**
 * The first half of the loop, on real flights: replay January–February through Kafka → contract
 * validation (broken rows quarantined) → a snapshot → a GBDT trained and tracked → registered,
 * gated, approved, promoted → deployed by serving → the first prediction, with the time it took.
 */
export async function quickstart(options: QuickstartOptions): Promise<{ model: string; version: number; firstPredictionMs: number }> {
  const { requester: platform, approver, out, run } = options;
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  const step = (text: string) => out.say(`[${seconds()} s] ${text}`);
  const dataset = `flights_${run}`;
  const topic = `upstream.flights.${run}`;
  const model = `flights-delay-${run}`;

  step(`reading January–February 2001 flights (every ${options.every}th) from vega-datasets`);
  const flights = await readFlightMonths(new Set([0, 1]), options.every);

  step(`applying the data contract of "${dataset}" (source topic ${topic})`);
  const kafka = new Kafka({ clientId: 'mlops-quickstart', brokers: options.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
  await admin.disconnect();
  await platform.rpc('ingestion', 'applyContract', { document: flightsContract(dataset, topic), format: 0, dryRun: false });

  step(`replaying ${flights.length.toLocaleString('en')} flights through Kafka in time order, with ${BROKEN} broken ones`);
  const broken: object[] = [{ ...flights[0], delay: 'late' }, { ...flights[1], distance: -5 }, { ...flights[2], origin: 'not an airport' }].slice(0, BROKEN);
  const producer = kafka.producer();
  await producer.connect();
  const records: object[] = [...flights.slice(0, 1000), ...broken, ...flights.slice(1000)];
  for (let i = 0; i < records.length; i += 5_000) {
    await producer.send({ topic, messages: records.slice(i, i + 5_000).map((f) => ({ key: (f as FlightRecord).origin, value: JSON.stringify(f) })) });
  }
  await producer.disconnect();
  const stats = await until(async () => {
    const answer = await platform.rpc('ingestion', 'getDatasetStats', ingestionV1.GetDatasetStatsRequest.fromPartial({ dataset }));
    return answer.received >= records.length ? answer : undefined;
  }, `ingestion to take all ${records.length} records of ${dataset}`);
  step(`contract validation: ${stats.stored} stored, ${stats.quarantined} quarantined`);

  const { snapshot } = await platform.rpc('ingestion', 'createSnapshot', ingestionV1.CreateSnapshotRequest.fromPartial({ dataset, description: 'quickstart training data' }));
  if (!snapshot) throw new CliError('ingestion returned no snapshot', EXIT.failure);
  step(`snapshot ${snapshot.snapshotId} (${snapshot.rowCount} rows)`);

  const { experiment } = await platform.rpc('training', 'createExperiment', { name: `quickstart-${run}`, description: 'flight delays, the quickstart', tags: {} });
  const cutoff = new Date('2001-02-15T00:00:00Z');
  const spec = trainingV1.TrainingSpec.fromPartial({
    data: { source: { $case: 'snapshotId', value: snapshot.snapshotId } },
    label: { column: 'delay', expression: 'delay > 15', task: commonV1.TaskType.TASK_TYPE_BINARY_CLASSIFICATION },
    // Booleans train as 0/1 numbers, and the model takes them that way.
    features: ['origin', 'destination', 'distance', 'dark'],
    trainer: { kind: { $case: 'builtin', value: trainingV1.BuiltinTrainerKind.BUILTIN_TRAINER_KIND_GBDT } },
    hyperparameters: { rounds: 60, max_depth: 6 },
    split: { kind: { $case: 'time', value: { timeColumn: 'date', train: { end: cutoff }, test: { start: cutoff }, validationFraction: 0.2 } } },
    seed: 7,
    registerAs: model,
  });
  const { run: queued } = await platform.rpc('training', 'startTrainingRun', trainingV1.StartTrainingRunRequest.fromPartial({ experimentId: experiment!.experimentId, name: 'gbdt', spec }));
  step(`training run ${queued!.runId}: a GBDT on origin, destination, distance and darkness, split in time at ${cutoff.toISOString().slice(0, 10)}`);
  let lastStage = '';
  const trained = await until(async () => {
    const { run: current } = await platform.rpc('training', 'getRun', { runId: queued!.runId });
    const stage = enumName(trainingV1.PipelineStage, current!.stage, 'PIPELINE_STAGE_').toLowerCase();
    if (stage && stage !== lastStage) step(`  stage: ${(lastStage = stage)}`);
    if (current!.status === trainingV1.RunStatus.RUN_STATUS_FAILED || current!.status === trainingV1.RunStatus.RUN_STATUS_CANCELLED) {
      throw new CliError(`training run ${current!.runId} ended ${enumName(trainingV1.RunStatus, current!.status, 'RUN_STATUS_').toLowerCase()}: ${current!.failure?.message ?? 'no reason given'}`, EXIT.failure);
    }
    return current!.status === trainingV1.RunStatus.RUN_STATUS_SUCCEEDED ? current! : undefined;
  }, `training run ${queued!.runId} to finish`);
  const metric = (key: string) => trained.metrics.find((m) => m.key === key)?.value;
  step(`trained: ROC-AUC ${metric('roc_auc')?.toFixed(3) ?? '?'}, accuracy ${metric('accuracy')?.toFixed(3) ?? '?'} on the held-out second half of February`);

  const version = await until(async () => {
    // NOT_FOUND until the registry has taken the run's completion event.
    const answer = await platform.rpc('registry', 'listModelVersions', registryV1.ListModelVersionsRequest.fromPartial({ modelName: model }), { auth: true }).catch(() => undefined);
    return answer?.modelVersions.find((v) => v.lineage?.trainingRunId === trained.runId);
  }, `the registry to register the run's model as "${model}"`);
  step(`registered ${model} v${version.version} from the run, with its reference profile`);

  const { promotion } = await platform.rpc('registry', 'requestPromotion', registryV1.RequestPromotionRequest.fromPartial({ modelName: model, version: version.version, reason: 'quickstart: first model' }), { auth: true });
  step(`promotion requested: gates ${promotion!.gateResult?.passed === false ? 'failed' : 'passed'}, ${promotion!.requiredApprovals} approval needed (from someone else)`);
  await approver.rpc('registry', 'approvePromotion', { promotionId: promotion!.promotionId, reason: 'quickstart: looks right' }, { auth: true });
  step(`approved by a second person: ${model} v${version.version} is the champion`);

  await until(async () => {
    const answer = await platform.rpc('serving', 'getDeployment', { modelName: model }, { auth: true }).catch(() => undefined);
    return answer?.arms.some((a) => a.arm === 'stable' && a.version === version.version && a.state === servingV1.LoadState.LOAD_STATE_READY);
  }, `serving to load and warm ${model} v${version.version}`);
  step('serving loaded and warmed it');

  const sample = flights.at(-1)!;
  const answer = await platform.rpc('serving', 'predict', servingV1.PredictRequest.fromPartial({
    modelName: model,
    instances: [{ features: { origin: text(sample.origin), destination: text(sample.destination), distance: { kind: { $case: 'doubleValue', value: sample.distance } }, dark: { kind: { $case: 'doubleValue', value: sample.dark ? 1 : 0 } } } }],
  }));
  const firstPredictionMs = performance.now() - started;
  const probability = answer.predictions[0]?.outputs.probability?.doubleValues[0];
  step(`first prediction: ${sample.origin} → ${sample.destination}, ${sample.distance} miles${sample.dark ? ', in darkness' : ''}: P(delay > 15 min) = ${probability?.toFixed(3) ?? '?'} (v${answer.modelVersion}, arm ${answer.arm})`);
  step(`time to first prediction: ${(firstPredictionMs / 1000).toFixed(1)} s`);
  return { model, version: version.version, firstPredictionMs };
}

const text = (value: string): commonV1.FeatureValue => ({ kind: { $case: 'stringValue', value } });

/** Polls `check` until it returns something, or fails after WAIT_MS saying what it waited for. */
async function until<T>(check: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new CliError(`gave up waiting for ${what} after ${WAIT_MS / 60_000} minutes: see tmp/logs/`, EXIT.unavailable);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
