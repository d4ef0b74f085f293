/**
 * @jest-environment ../jest.onnx-environment.js
 */
import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Kafka, logLevel } from 'kafkajs';
import * as ort from 'onnxruntime-node';
import { LocalArtifactStore } from '@mlops/artifacts';
import { issueToken } from '@mlops/auth';
import { decodeStatusDetails } from '@mlops/grpc';
import { deadLetterTopic, envelopeHeaders, Events, headerText, newEnvelope } from '@mlops/events';
import { commonV1, eventsV1, ingestionV1 as ipb, registryV1, trainingV1 as pb } from '@mlops/proto';
import { eventually, infrastructure, KafkaProbe, ServiceProcess } from '@mlops/testing';
import { call, createTopic, failure } from './support/grpc';
import { type Flight, flightsContract, readFlights } from './support/flights';

const WORKSPACE = join(__dirname, '..');
const INGESTION_PORT = 21451;
const TRAINING_PORT = 21453;
const REGISTRY_PORT = 21454;
const AUTH_TOKEN_SECRET = randomBytes(32).toString('hex');
const ARTIFACTS = join(mkdtempSync(join(tmpdir(), 'mlops-pipeline-')), 'store');
/** The training service's store, read as any reader would: by digest, verified. */
const artifacts = new LocalArtifactStore(ARTIFACTS);
const FLIGHTS = 30_000;
const { RunStatus, PipelineStage, FailureKind } = pb;

describe('training pipeline on real flights (real Kafka, PostgreSQL, ingestion and training processes)', () => {
  const infra = infrastructure();
  const run = randomBytes(3).toString('hex');
  const dataset = `flights_train_${run}`;
  const topic = `upstream.flights.train.${run}`;
  const env = (port: number) => ({
    KAFKA_BROKERS: infra.kafkaBrokers.join(','), DATABASE_URL: infra.databaseUrl, METRICS_PORT: String(port - 12_000), LOG_LEVEL: 'warn',
    SOURCE_RECONCILE_INTERVAL_MS: '300', INGESTION_ADDRESS: `127.0.0.1:${INGESTION_PORT}`, ARTIFACT_STORE: ARTIFACTS, TRAINING_POLL_INTERVAL_MS: '200',
    TRAINING_CONCURRENCY: '2', TRAINING_WORK_DIR: join(ARTIFACTS, '..', 'work'),
  });
  const ingestion = new ServiceProcess({ name: 'ingestion', grpcPort: INGESTION_PORT, workspaceRoot: WORKSPACE, env: env(INGESTION_PORT) });
  const training = new ServiceProcess({ name: 'training', grpcPort: TRAINING_PORT, workspaceRoot: WORKSPACE, env: env(TRAINING_PORT) });
  // The registry takes the runs' models from the same artifact store, as in a deployment.
  const registry = new ServiceProcess({ name: 'registry', grpcPort: REGISTRY_PORT, workspaceRoot: WORKSPACE, env: { ...env(REGISTRY_PORT), AUTH_TOKEN_SECRET } });
  let ingest: ipb.IngestionServiceClient;
  let client: pb.TrainingServiceClient;
  let flights: Flight[];
  let snapshotId: string;
  let experimentId: string;
  let cutoff: Date;

  const spec = (overrides: Partial<pb.TrainingSpec> = {}): pb.TrainingSpec =>
    pb.TrainingSpec.fromPartial({
      data: { source: { $case: 'snapshotId', value: snapshotId } },
      label: { column: 'delay', expression: 'delay > 15' },
      features: ['origin', 'destination', 'distance'],
      trainer: { kind: { $case: 'builtin', value: pb.BuiltinTrainerKind.BUILTIN_TRAINER_KIND_GBDT } },
      hyperparameters: { rounds: 40, max_depth: 5 },
      split: { kind: { $case: 'time', value: { timeColumn: 'date', train: { end: cutoff }, test: { start: cutoff }, validationFraction: 0.2 } } },
      seed: 7,
      evaluation: { sliceFeatures: ['origin'], calibrationBins: 10 },
      ...overrides,
    });
  const start = async (s: pb.TrainingSpec, name = 'gbdt') => (await call<pb.StartTrainingRunResponse>((cb) => client.startTrainingRun(pb.StartTrainingRunRequest.fromPartial({ experimentId, name, spec: s }), cb))).run!;
  const getRun = async (runId: string) => (await call<pb.GetRunResponse>((cb) => client.getRun({ runId }, cb))).run!;
  async function watch(runId: string): Promise<pb.WatchRunResponse[]> {
    const updates: pb.WatchRunResponse[] = [];
    for await (const update of client.watchRun({ runId }) as AsyncIterable<pb.WatchRunResponse>) updates.push(update);
    return updates;
  }

  beforeAll(async () => {
    flights = await readFlights(FLIGHTS);
    const times = flights.map((f) => Date.parse(f.date)).sort((a, b) => a - b);
    cutoff = new Date(times[Math.floor(times.length * 0.7)]);
    const kafka = new Kafka({ clientId: 'training-e2e', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
    await createTopic(kafka, topic);
    ingestion.start();
    training.start();
    registry.start();
    await Promise.all([ingestion.waitUntilServing(), training.waitUntilServing(), registry.waitUntilServing()]);
    ingest = new ipb.IngestionServiceClient(`127.0.0.1:${INGESTION_PORT}`, grpc.credentials.createInsecure());
    client = new pb.TrainingServiceClient(`127.0.0.1:${TRAINING_PORT}`, grpc.credentials.createInsecure());
    await call((cb) => ingest.applyContract({ document: flightsContract(dataset, { topic }), format: 0, dryRun: false }, cb));
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < flights.length; i += 5_000) await producer.send({ topic, messages: flights.slice(i, i + 5_000).map((f) => ({ key: f.origin, value: JSON.stringify(f) })) });
    await producer.disconnect();
    await eventually(async () => {
      const stats = await call<ipb.GetDatasetStatsResponse>((cb) => ingest.getDatasetStats(ipb.GetDatasetStatsRequest.fromPartial({ dataset }), cb));
      const { stored } = stats;
      if (stored < FLIGHTS) throw new Error(`${stored} of ${FLIGHTS} flights stored`);
    }, 120_000, 500);
    snapshotId = (await call<ipb.CreateSnapshotResponse>((cb) => ingest.createSnapshot(ipb.CreateSnapshotRequest.fromPartial({ dataset }), cb))).snapshot!.snapshotId;
    experimentId = (await call<pb.CreateExperimentResponse>((cb) => client.createExperiment({ name: `pipeline-${run}`, description: '', tags: {} }, cb))).experiment!.experimentId;
  }, 180_000);

  afterAll(async () => {
    ingest?.close();
    client?.close();
    await Promise.all([ingestion.stop(), training.stop(), registry.stop()]);
  });

  it('trains a GBDT from a snapshot in stages, records its evaluation, and its ONNX model predicts from raw values', async () => {
    const queued = await start(spec());
    expect([queued.status === RunStatus.RUN_STATUS_QUEUED || queued.status === RunStatus.RUN_STATUS_RUNNING, queued.spec?.features]).toEqual([true, ['origin', 'destination', 'distance']]);
    const updates = await watch(queued.runId);
    expect(updates.at(-1)?.status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
    const stages = updates.map((u) => u.stage);
    expect(stages).toContain(PipelineStage.PIPELINE_STAGE_DONE);
    expect(updates.flatMap((u) => u.metrics.map((m) => m.key))).toContain('validation_log_loss');

    const done = await getRun(queued.runId);
    const metrics = Object.fromEntries(done.metrics.map((m) => [m.key, m.value]));
    expect(metrics.roc_auc).toBeGreaterThan(0.55);
    expect(done.outputs?.evaluation?.testRows).toBe(flights.filter((f) => Date.parse(f.date) >= cutoff.getTime()).length);
    expect(done.outputs?.evaluation?.slices.length).toBeGreaterThan(5);
    expect(done.outputs?.evaluation?.calibration.reduce((n, b) => n + b.count, 0)).toBe(done.outputs?.evaluation?.testRows);
    expect(done.params).toMatchObject({ trainer: 'gbdt', rounds: '40', maxDepth: '5' });
    expect([done.dataVersion?.snapshotId, done.environment?.runtime, done.progress]).toEqual([snapshotId, 'node', 1]);
    expect(done.artifacts.map((a) => a.path).sort()).toEqual(['evaluation.json', 'model/model.onnx', 'reference_profile.pb']);

    const model = done.artifacts.find((a) => a.path === 'model/model.onnx')!.artifact!;
    const session = await ort.InferenceSession.create(await artifacts.readAll(model.digest));
    expect(session.inputNames).toEqual(['origin', 'destination', 'distance']);
    const sample = flights.slice(-3);
    const output = await session.run({
      origin: new ort.Tensor('string', sample.map((f) => f.origin), [3, 1]),
      destination: new ort.Tensor('string', sample.map((f) => f.destination), [3, 1]),
      distance: new ort.Tensor('float32', Float32Array.from(sample.map((f) => f.distance)), [3, 1]),
    });
    const probabilities = Array.from(output.probability.data as Float32Array);
    expect(probabilities.every((p) => p > 0 && p < 1)).toBe(true);
  }, 180_000);

  it('retrains a model on a retrain request from Kafka: its base run moved onto the requested range, once per request id; an unknown model is dead-lettered', async () => {
    const model = `flights-delay-${run}`;
    const base = await start(spec({ hyperparameters: { rounds: 10 }, registerAs: model }), 'base');
    await watch(base.runId);
    const times = flights.map((f) => Date.parse(f.date)).sort((a, b) => a - b);
    const [from, to] = [new Date(times[Math.floor(times.length * 0.2)]), new Date(times[Math.floor(times.length * 0.6)])];
    const request = (id: string, modelName: string) => ({
      key: modelName,
      value: Buffer.from(eventsV1.RetrainRequested.encode(eventsV1.RetrainRequested.fromPartial({ retrainRequestId: id, modelName, modelVersion: 1, reason: 'drift on distance', dataRange: { start: from, end: to } })).finish()),
      headers: envelopeHeaders(newEnvelope(Events.retrainRequested)),
    });
    const kafka = new Kafka({ clientId: 'training-e2e-retrain', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const retrainId = `r-${run}`;
    // The same request twice (a re-sent event has a new event id) and one for a model nobody trained.
    await producer.send({ topic: Events.retrainRequested.topic, messages: [request(retrainId, model), request(retrainId, model), request(`r-unknown-${run}`, `nobody-${run}`)] });
    await producer.disconnect();

    const search = async () => (await call<pb.SearchRunsResponse>((cb) => client.searchRuns(pb.SearchRunsRequest.fromPartial({ experimentIds: [experimentId], filter: `tags.retrain_request_id = '${retrainId}'` }), cb))).runs;
    const [queued] = await eventually(async () => {
      const found = await search();
      if (found.length === 0) throw new Error('no retrain run yet');
      return found;
    }, 60_000, 300);
    await watch(queued.runId);
    const retrained = await getRun(queued.runId);
    expect([retrained.status, retrained.tags.base_run_id, retrained.spec?.registerAs, retrained.startedBy]).toEqual([RunStatus.RUN_STATUS_SUCCEEDED, base.runId, model, 'monitoring']);
    const split = retrained.spec?.split?.kind;
    expect(split?.$case === 'time' && [split.value.train?.start, split.value.train?.end, split.value.test?.start]).toEqual([from, to, to]);
    expect(retrained.outputs?.evaluation?.testRows).toBe(times.filter((t) => t >= to.getTime()).length);
    expect(retrained.dataVersion?.snapshotId).toBe(snapshotId);
    expect(await search()).toHaveLength(1);

    const probe = new KafkaProbe(infra.kafkaBrokers);
    await probe.start([deadLetterTopic('training'), Events.trainingRunCompleted.topic]);
    try {
      const reason = await eventually(() => {
        const found = probe.on(deadLetterTopic('training')).map((m) => headerText(m.headers, 'dead-letter-reason') ?? '').find((r) => r.includes(`nobody-${run}`));
        if (!found) throw new Error('not dead-lettered yet');
        return found;
      }, 30_000);
      expect(reason).toBe(`unprocessable: retrain request r-unknown-${run}: no successful run has registered model "nobody-${run}"`);
      const completed = await eventually(() => {
        const found = probe.on(Events.trainingRunCompleted.topic).map((m) => eventsV1.TrainingRunCompleted.decode(m.value!)).find((e) => e.runId === queued.runId);
        if (!found) throw new Error('no completed event yet');
        return found;
      }, 30_000);
      expect(completed).toMatchObject({ retrainRequestId: retrainId, modelName: model });
    } finally {
      await probe.stop();
    }

    // Both runs' models reached the registry through Kafka, with their lineage; the retrain names its request.
    const registryClient = new registryV1.RegistryServiceClient(`127.0.0.1:${REGISTRY_PORT}`, grpc.credentials.createInsecure());
    const viewer = new grpc.Metadata();
    viewer.set('authorization', `Bearer ${await issueToken({ secret: AUTH_TOKEN_SECRET, subject: 'e2e', roles: ['viewer'] })}`);
    try {
      const versions = await eventually(async () => {
        const listed = (await call<registryV1.ListModelVersionsResponse>((cb) => registryClient.listModelVersions(registryV1.ListModelVersionsRequest.fromPartial({ modelName: model }), viewer, cb))).modelVersions;
        if (listed.length < 2) throw new Error(`${listed.length} versions registered`);
        return listed;
      }, 60_000, 300);
      expect(versions.map((v) => [v.version, v.requestId, v.tags.retrain_request_id])).toEqual([[2, queued.runId, retrainId], [1, base.runId, undefined]]);
      const [retrainedVersion] = versions;
      expect(retrainedVersion.artifact?.digest).toBe(retrained.outputs?.model?.digest);
      expect(retrainedVersion.lineage).toMatchObject({ trainingRunId: queued.runId, experimentId, datasetSnapshotId: snapshotId, configDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
      expect(retrainedVersion.metrics.roc_auc).toBe(Object.fromEntries(retrained.metrics.map((m) => [m.key, m.value])).roc_auc);
      expect(retrainedVersion.metrics.latency_p99_ms).toBeGreaterThan(0);
    } finally {
      registryClient.close();
    }
  }, 180_000);

  it('gives the same metrics and model bytes when the same spec runs again', async () => {
    const [a, b] = await Promise.all([start(spec({ hyperparameters: { rounds: 15 } }), 'same-a'), start(spec({ hyperparameters: { rounds: 15 } }), 'same-b')]);
    await Promise.all([watch(a.runId), watch(b.runId)]);
    const [ra, rb] = await Promise.all([getRun(a.runId), getRun(b.runId)]);
    expect(ra.status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
    expect(ra.outputs?.model?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(rb.outputs?.model?.digest).toBe(ra.outputs?.model?.digest);
    expect(rb.outputs?.evaluation?.metrics).toEqual(ra.outputs?.evaluation?.metrics);
  }, 180_000);

  it('stops a running run within seconds of a cancel', async () => {
    const long = await start(spec({ hyperparameters: { rounds: 10_000, early_stopping_rounds: 0, max_depth: 12, min_samples_leaf: 1 } }), 'long');
    await eventually(async () => {
      if ((await getRun(long.runId)).stage !== PipelineStage.PIPELINE_STAGE_TRAIN) throw new Error('not training yet');
    }, 60_000, 100);
    const asked = Date.now();
    await call((cb) => client.cancelRun({ runId: long.runId, reason: 'wrong features' }, cb));
    const updates = await watch(long.runId);
    expect(updates.at(-1)?.status).toBe(RunStatus.RUN_STATUS_CANCELLED);
    expect(Date.now() - asked).toBeLessThan(10_000);
    expect((await getRun(long.runId)).outputs).toBeUndefined();
  }, 120_000);

  it('runs an external trainer through the contract, and fails one that crashes or overruns its timeout with its log attached', async () => {
    const external = (mode: string, timeoutSeconds = 60, workingDir = '') => spec({ trainer: { kind: { $case: 'external', value: { command: [process.execPath, join(__dirname, 'fixtures/external-trainer.js'), mode], env: {}, timeout: { seconds: timeoutSeconds, nanos: 0 }, workingDir } } }, hyperparameters: {} });
    const [ok, crash, hang, notOnnx] = await Promise.all([start(external('ok', 60, __dirname), 'external'), start(external('crash'), 'crash'), start(external('hang', 1), 'hang'), start(external('not-onnx'), 'not-onnx')]);
    await Promise.all([ok, crash, hang, notOnnx].map((r) => watch(r.runId)));
    const [okRun, crashRun, hangRun, notOnnxRun] = await Promise.all([ok, crash, hang, notOnnx].map((r) => getRun(r.runId)));
    expect(okRun.status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
    const okMetrics = Object.fromEntries(okRun.metrics.map((m) => [m.key, m.value]));
    expect(okMetrics['trainer.positive_rate']).toBeGreaterThan(0);
    // The platform evaluated the trainer's model itself: a constant scores exactly 0.5.
    expect([okMetrics.roc_auc, okRun.outputs?.evaluation?.testRows]).toEqual([0.5, flights.filter((f) => Date.parse(f.date) >= cutoff.getTime()).length]);
    expect(okRun.artifacts.map((a) => a.path).sort()).toEqual(['evaluation.json', 'logs/trainer.log', 'model/model.onnx', 'reference_profile.pb']);
    expect((await artifacts.readAll(okRun.artifacts.find((a) => a.path === 'logs/trainer.log')!.artifact!.digest)).toString('utf8')).toMatch(new RegExp(`^read \\d+ training rows with features origin, destination, distance in ${__dirname}\n`));

    expect([crashRun.status, crashRun.failure?.kind, crashRun.failure?.message]).toEqual([RunStatus.RUN_STATUS_FAILED, FailureKind.FAILURE_KIND_TRAINER_ERROR, expect.stringContaining('exited with code 3') as unknown]);
    expect(crashRun.failure?.message).toContain('out of memory in fold 3');
    expect((await artifacts.readAll(crashRun.failure!.log!.digest)).toString('utf8')).toContain('out of memory in fold 3');
    expect([hangRun.status, hangRun.failure?.kind]).toEqual([RunStatus.RUN_STATUS_FAILED, FailureKind.FAILURE_KIND_TIMEOUT]);
    expect((await artifacts.readAll(hangRun.failure!.log!.digest)).toString('utf8')).toContain('still training...');
    expect([notOnnxRun.failure?.kind, notOnnxRun.failure?.message]).toEqual([FailureKind.FAILURE_KIND_TRAINER_ERROR, expect.stringMatching(/^model\.onnx does not load in onnxruntime/) as unknown]);
  }, 120_000);

  it('trains regressors of the delay itself, and the ONNX `prediction` reproduces the recorded RMSE on the test rows', async () => {
    const regression = (trainer: pb.BuiltinTrainerKind, hyperparameters: Record<string, number>) =>
      spec({ label: { column: 'delay', expression: '', task: commonV1.TaskType.TASK_TYPE_REGRESSION }, trainer: { kind: { $case: 'builtin', value: trainer } }, hyperparameters });
    const [gbdt, linear] = await Promise.all([
      start(regression(pb.BuiltinTrainerKind.BUILTIN_TRAINER_KIND_GBDT, { rounds: 30 }), 'gbdt-regression'),
      start(regression(pb.BuiltinTrainerKind.BUILTIN_TRAINER_KIND_LINEAR_REGRESSION, { l2: 10 }), 'linear-regression'),
    ]);
    const [gbdtUpdates] = await Promise.all([watch(gbdt.runId), watch(linear.runId)]);
    expect(gbdtUpdates.flatMap((u) => u.metrics.map((m) => m.key))).toContain('validation_rmse');
    const test = flights.filter((f) => Date.parse(f.date) >= cutoff.getTime());
    for (const runId of [gbdt.runId, linear.runId]) {
      const done = await getRun(runId);
      expect([done.status, done.outputs?.signature?.outputs[0]?.name, done.outputs?.evaluation?.primaryMetric]).toEqual([RunStatus.RUN_STATUS_SUCCEEDED, 'prediction', 'rmse']);
      const metrics = Object.fromEntries(done.metrics.map((m) => [m.key, m.value]));
      expect(Object.keys(metrics)).toEqual(expect.arrayContaining(['rmse', 'mae', 'r2']));
      const session = await ort.InferenceSession.create(await artifacts.readAll(done.outputs!.model!.digest));
      const output = await session.run({
        origin: new ort.Tensor('string', test.map((f) => f.origin), [test.length, 1]),
        destination: new ort.Tensor('string', test.map((f) => f.destination), [test.length, 1]),
        distance: new ort.Tensor('float32', Float32Array.from(test.map((f) => f.distance)), [test.length, 1]),
      });
      const predicted = output.prediction.data as Float32Array;
      const rmse = Math.sqrt(test.reduce((sum, f, i) => sum + (predicted[i] - f.delay) ** 2, 0) / test.length);
      expect(Math.abs(rmse - metrics.rmse) / metrics.rmse).toBeLessThan(1e-5);
    }
  }, 180_000);

  it('refuses a bad spec field by field, and fails fast on data no model can learn from', async () => {
    const refused = await failure(start(spec({ hyperparameters: { max_depth: 99, learning_rate: 0 }, features: [] })));
    expect(refused.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(decodeStatusDetails(refused).fieldViolations.map((v) => v.field)).toEqual(['spec.features', 'spec.evaluation.slice_features[0]', 'spec.hyperparameters.max_depth', 'spec.hyperparameters.learning_rate']);

    const [unknown, oneClass] = await Promise.all([
      start(spec({ data: { source: { $case: 'snapshotId', value: 'sha256:0000' } } }), 'unknown'),
      start(spec({ label: { column: 'delay', expression: 'delay > 100000', task: 0 } }), 'one-class'),
    ]);
    await Promise.all([unknown, oneClass].map((r) => watch(r.runId)));
    const [u, o] = await Promise.all([getRun(unknown.runId), getRun(oneClass.runId)]);
    expect([u.status, u.failure?.kind, u.attempt]).toEqual([RunStatus.RUN_STATUS_FAILED, FailureKind.FAILURE_KIND_INVALID_INPUT, 1]);
    expect(u.failure?.message).toMatch(/^snapshot "sha256:0000": /);
    expect([o.failure?.kind, o.failure?.message]).toEqual([FailureKind.FAILURE_KIND_INVALID_INPUT, expect.stringMatching(/^the label has one class in the training rows \(all 0, \d+ rows\)/) as unknown]);
  }, 120_000);
});
