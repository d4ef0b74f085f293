/**
 * @jest-environment ../jest.onnx-environment.js
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { type Producer } from 'kafkajs';
import { Client } from 'pg';
import { LocalArtifactStore } from '@mlops/artifacts';
import { issueToken } from '@mlops/auth';
import { envelopeHeaders, type EventDefinition, Events, headerText, newEnvelope } from '@mlops/events';
import { decodeStatusDetails } from '@mlops/grpc';
import { commonV1, eventsV1, servingV1 as pb } from '@mlops/proto';
import { eventually, freePort, infrastructure, KafkaProbe, PrivateKafka, ServiceProcess } from '@mlops/testing';
import { encodeModel } from '../apps/training/src/domain/onnx/onnx-model';
import { pipelineModel } from '../apps/training/src/domain/onnx/pipeline-onnx';
import { DEFAULT_GBDT, trainGbdt } from '../apps/training/src/domain/gbdt';
import { seededRandom } from '../apps/training/src/domain/pipeline/split';
import { fitEncodings, type FeatureColumn, treeInputs } from '../apps/training/src/domain/preprocessing';
import { scoreWithOnnx } from '../apps/training/src/pipeline/onnx-scorer';
import { constantModel } from './fixtures/onnx-graph';
import { FakeFeatureService } from './support/fake-feature-service';
import { call, failure } from './support/grpc';

const WORKSPACE = join(__dirname, '..');
const PORT = 21655;
const METRICS_PORT = PORT - 12_000;
const STORE = join(mkdtempSync(join(tmpdir(), 'mlops-serving-')), 'store');
const SECRET = randomBytes(32).toString('hex');
const MAX_BATCH = 50;
const FP32 = commonV1.TensorDataType.TENSOR_DATA_TYPE_FP32;
const BYTES = commonV1.TensorDataType.TENSOR_DATA_TYPE_BYTES;

const tensor = (name: string, datatype: commonV1.TensorDataType, nullable = true) => ({ name, datatype, shape: [-1, 1], nullable });
const SIGNATURE = commonV1.ModelSignature.fromPartial({ inputs: [tensor('distance', FP32), tensor('origin', BYTES)], outputs: [tensor('probability', FP32, false)] });
/** A signature whose extra required input callers do not send: every request to that version fails. */
const STRICTER = commonV1.ModelSignature.fromPartial({ ...SIGNATURE, inputs: [...SIGNATURE.inputs, tensor('carrier', BYTES, false)] });
const constant = (value: number, extra: string[] = []) =>
  constantModel([{ name: 'distance', kind: 'numeric' }, { name: 'origin', kind: 'categorical' }, ...extra.map((name) => ({ name, kind: 'categorical' as const }))], value, 'probability');

const double = (value: number): commonV1.FeatureValue => ({ kind: { $case: 'doubleValue', value } });
const text = (value: string): commonV1.FeatureValue => ({ kind: { $case: 'stringValue', value } });
const flight = (distance: number, origin = 'SFO'): pb.Instance => ({ features: { distance: double(distance), origin: text(origin) }, entityKey: undefined });
const probability = (response: pb.PredictResponse, i = 0) => response.predictions[i].outputs.probability.doubleValues[0];
const violations = (error: grpc.ServiceError) => decodeStatusDetails(error).fieldViolations.map((v) => v.field);

describe('serving on real Kafka and PostgreSQL: rollouts from registry events, hot swap, canary, A/B, shadow, OIP, parity, guards', () => {
  const infra = infrastructure();
  const run = randomBytes(3).toString('hex');
  const model = `flights-${run}`;
  const store = new LocalArtifactStore(STORE);
  const features = new FakeFeatureService();
  const env: Record<string, string> = {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','), DATABASE_URL: infra.databaseUrl, METRICS_PORT: String(METRICS_PORT), LOG_LEVEL: 'warn', ARTIFACT_STORE: STORE,
    AUTH_TOKEN_SECRET: SECRET, REGISTRY_ADDRESS: '127.0.0.1:1', SERVING_MAX_BATCH: String(MAX_BATCH), SERVING_SYNC_INTERVAL_MS: '200', SERVING_ROLLOUT_INTERVAL_MS: '200',
    PREDICTION_LOG_LINGER_MS: '5', SERVING_WARMUP_RUNS: '5',
    // Few slots, so requests queue: a hot swap must not release a version a queued request was routed to.
    SERVING_MAX_CONCURRENCY: '4',
  };
  const service = new ServiceProcess({ name: 'serving', grpcPort: PORT, workspaceRoot: WORKSPACE, env });
  const probe = new KafkaProbe(infra.kafkaBrokers);
  const db = new Client({ connectionString: infra.databaseUrl });
  let producer: Producer;
  let client: pb.ServingServiceClient;
  const tokens: Record<string, string> = {};
  const as = (who: string) => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${tokens[who]}`);
    return metadata;
  };
  const versions: Record<number, commonV1.ArtifactRef> = {};

  const predict = (request: Partial<pb.PredictRequest>) => call<pb.PredictResponse>((cb) => client.predict(pb.PredictRequest.fromPartial({ modelName: model, ...request }), cb));
  const getDeployment = (name = model) => call<pb.GetDeploymentResponse>((cb) => client.getDeployment({ modelName: name }, as('vic'), cb));
  const setDeployment = (deployment: Partial<pb.Deployment>, who = 'root', expectedRevision = 0) =>
    call<pb.SetDeploymentResponse>((cb) => client.setDeployment({ deployment: pb.Deployment.fromPartial({ modelName: model, ...deployment }), expectedRevision, reason: 'test' }, as(who), cb));

  /** Produces the event as its producer would; resolves to its event id. */
  async function emit<T>(definition: EventDefinition<T>, payload: T): Promise<string> {
    const envelope = newEnvelope(definition);
    await producer.send({ topic: definition.topic, messages: [{ key: definition.key(payload), value: Buffer.from(definition.codec.encode(payload).finish()), headers: envelopeHeaders(envelope) }] });
    return envelope.id;
  }
  /** Waits until serving's consumer has handled the event (committed with its effect). */
  const processed = (eventId: string) =>
    eventually(async () => expect((await db.query('SELECT 1 FROM serving.processed_events WHERE event_id = $1', [eventId])).rowCount).toBe(1), 30_000);

  async function store_(bytes: Uint8Array): Promise<commonV1.ArtifactRef> {
    const stored = await store.put((async function* () { yield bytes; })(), { mediaType: 'application/onnx' });
    return { digest: stored.digest, sizeBytes: stored.sizeBytes, mediaType: 'application/onnx', uri: stored.uri };
  }

  const promoted = (version: number, previousVersion: number, rollout?: Partial<commonV1.RolloutStrategy>, signature = SIGNATURE, name = model) =>
    eventsV1.ModelPromoted.fromPartial({
      modelName: name, version, previousVersion, alias: 'champion', artifact: versions[version], signature, promotionId: randomBytes(8).toString('hex'),
      requestedBy: 'alice', approvedBy: ['bob'], reason: `promote ${version}`, rollout: rollout && commonV1.RolloutStrategy.fromPartial(rollout),
    });
  /** A topic's events for this run's model, decoded once each: the prediction log grows to thousands of entries. */
  const decodedOn = <T extends { modelName: string }>(topic: string, decode: (bytes: Buffer) => T) => {
    const seen: T[] = [];
    return () => {
      for (const message of probe.on(topic).slice(seen.length)) seen.push(decode(message.value!));
      return seen.filter((e) => e.modelName === model);
    };
  };
  const changes = decodedOn(Events.deploymentChanged.topic, (b) => eventsV1.DeploymentChanged.decode(b));
  const logged = decodedOn(Events.predictionLogged.topic, (b) => eventsV1.PredictionLogged.decode(b));
  /** The sum of a Prometheus series over the lines that carry every one of `labels` (e.g. `code="3"`). */
  const metric = async (name: string, port = METRICS_PORT, labels: string[] = []) => {
    const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return body.split('\n').filter((line) => line.startsWith(name) && labels.every((l) => line.includes(l))).reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  };

  beforeAll(async () => {
    for (const [subject, roles] of Object.entries({ root: ['admin'], bob: ['approver'], vic: ['viewer'] } as const)) tokens[subject] = await issueToken({ secret: SECRET, subject, roles: [...roles] });
    for (const [version, value] of [[1, 0.1], [2, 0.2], [3, 0.3]] as const) versions[version] = await store_(constant(value));
    versions[4] = await store_(constant(0.4, ['carrier']));
    await db.connect();
    // Deployments left by earlier runs name artifacts in their own temporary stores: start from none.
    if ((await db.query("SELECT to_regclass('serving.deployments') AS t")).rows[0].t) await db.query('TRUNCATE serving.deployments, serving.deployment_history, serving.servable_versions');
    service.start();
    await service.waitUntilServing();
    client = new pb.ServingServiceClient(`127.0.0.1:${PORT}`, grpc.credentials.createInsecure());
    // The prediction log's history (every earlier run, benchmarks included) is not this run's business: read it from now on.
    await probe.start([Events.deploymentChanged.topic, Events.predictionLogged.topic], { fromBeginning: false });
    producer = probe.client.producer();
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await producer?.disconnect();
    await probe.stop();
    await service.stop();
    await features.stop();
    await db.end();
  });

  it('deploys a promoted version from the registry event, loaded and warmed, and predicts with it', async () => {
    await emit(Events.modelPromoted, promoted(1, 0));
    await eventually(async () => expect((await getDeployment()).deployment?.stableVersion).toBe(1), 30_000);
    const { deployment, arms } = await getDeployment();
    expect(deployment).toMatchObject({ revision: 1, alias: 'champion', changeSource: pb.DeploymentChangeSource.DEPLOYMENT_CHANGE_SOURCE_PROMOTION, updatedBy: 'bob' });
    expect(arms).toEqual([expect.objectContaining({ arm: 'stable', version: 1, state: pb.LoadState.LOAD_STATE_READY, artifactDigest: versions[1].digest })]);
    await eventually(() => expect(changes().map((c) => [c.revision, c.stableVersion, c.cause])).toEqual([[1, 1, eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_PROMOTION]]));

    const answer = await predict({ instances: [flight(300), flight(1200, 'JFK')], requestId: `first-${run}` });
    expect(answer).toMatchObject({ requestId: `first-${run}`, modelName: model, modelVersion: 1, arm: 'stable' });
    expect(answer.predictions.map((p) => p.outputs.probability.shape)).toEqual([[1], [1]]);
    expect([probability(answer, 0), probability(answer, 1)].map((p) => Math.fround(p))).toEqual([Math.fround(0.1), Math.fround(0.1)]);
    expect((await predict({ instances: [flight(1)], target: { $case: 'alias', value: 'champion' } })).modelVersion).toBe(1);
    expect((await predict({ instances: [flight(1)], target: { $case: 'version', value: 1 } })).modelVersion).toBe(1);

    // The same promotion again (a second event for it) changes nothing.
    await processed(await emit(Events.modelPromoted, promoted(1, 0)));
    expect((await getDeployment()).deployment?.revision).toBe(1);
  });

  it('refuses bad input precisely and keeps serving everyone else', async () => {
    const refused = async (request: Partial<pb.PredictRequest>) => failure(predict(request));
    const unknownModel = await refused({ modelName: `nope-${run}`, instances: [flight(1)] });
    expect([unknownModel.code, unknownModel.details]).toEqual([grpc.status.NOT_FOUND, `model "nope-${run}" is not deployed on this server`]);
    const unknownVersion = await refused({ instances: [flight(1)], target: { $case: 'version', value: 9 } });
    expect([unknownVersion.code, unknownVersion.details]).toEqual([grpc.status.NOT_FOUND, `version 9 of model "${model}" is not deployed (deployed: 1)`]);
    expect((await refused({ instances: [flight(1)], target: { $case: 'alias', value: 'staging' } })).code).toBe(grpc.status.NOT_FOUND);

    const empty = await refused({ instances: [] });
    expect([empty.code, violations(empty)]).toEqual([grpc.status.INVALID_ARGUMENT, ['instances']]);
    const oversized = await refused({ instances: Array.from({ length: MAX_BATCH + 1 }, () => flight(1)) });
    expect([oversized.code, oversized.details]).toEqual([grpc.status.INVALID_ARGUMENT, `invalid request: instances has ${MAX_BATCH + 1} instances; at most ${MAX_BATCH} per request`]);

    const wrongType = await refused({ instances: [flight(1), { features: { distance: text('far'), origin: text('SFO') }, entityKey: undefined }] });
    expect([wrongType.code, violations(wrongType)]).toEqual([grpc.status.INVALID_ARGUMENT, ['instances[1].features.distance']]);
    const nan = await refused({ instances: [{ features: { distance: double(Number.NaN), origin: text('SFO') }, entityKey: undefined }] });
    expect([nan.code, violations(nan)]).toEqual([grpc.status.INVALID_ARGUMENT, ['instances[0].features.distance']]);
    expect(nan.details).toContain('NaN');
    const unknownFeature = await refused({ instances: [{ features: { distance: double(1), origin: text('SFO'), distnace: double(2) }, entityKey: undefined }] });
    expect([unknownFeature.code, violations(unknownFeature)]).toEqual([grpc.status.INVALID_ARGUMENT, ['instances[0].features.distnace']]);
    const unknownOutput = await refused({ instances: [flight(1)], outputNames: ['label'] });
    expect(violations(unknownOutput)).toEqual(['output_names[0]']);

    // Missing values of nullable inputs are the model's to impute, not errors.
    const partial = await predict({ instances: [{ features: { origin: text('SFO') }, entityKey: undefined }] });
    expect(Math.fround(probability(partial))).toBe(Math.fround(0.1));
    // Refused requests are counted by status code (INVALID_ARGUMENT = 3, NOT_FOUND = 5), with the model; the server still answers.
    expect(await metric('serving_requests_total{', METRICS_PORT, ['rpc_grpc_status_code="3"', `model="${model}"`])).toBeGreaterThanOrEqual(6);
    expect(await metric('serving_requests_total{', METRICS_PORT, ['rpc_grpc_status_code="5"', `model="${model}"`])).toBeGreaterThanOrEqual(2);
    expect(await metric('serving_request_duration_count{', METRICS_PORT, [`model="${model}"`, 'version="1"', 'arm="stable"'])).toBeGreaterThanOrEqual(4);
    expect((await predict({ instances: [flight(1)] })).modelVersion).toBe(1);
  });

  it('speaks the Open Inference Protocol to a client built only from the standard proto', async () => {
    const definition = protoLoader.loadSync(join(WORKSPACE, 'proto/inference/grpc_predict_v2.proto'), { keepCase: true, longs: Number, defaults: true });
    const { inference } = grpc.loadPackageDefinition(definition) as unknown as { inference: { GRPCInferenceService: grpc.ServiceClientConstructor } };
    const oip = new inference.GRPCInferenceService(`127.0.0.1:${PORT}`, grpc.credentials.createInsecure()) as unknown as Record<string, (request: object, cb: (e: grpc.ServiceError | null, r: Record<string, unknown>) => void) => void>;
    const ask = (method: string, request: object) => call<Record<string, unknown>>((cb) => { oip[method].call(oip, request, cb); });
    try {
      expect(await ask('ServerLive', {})).toEqual({ live: true });
      expect(await ask('ServerReady', {})).toEqual({ ready: true });
      expect(await ask('ServerMetadata', {})).toMatchObject({ name: 'mlops-serving' });
      expect(await ask('ModelReady', { name: model, version: '' })).toEqual({ ready: true });
      expect(await ask('ModelReady', { name: model, version: '7' })).toEqual({ ready: false });
      expect(await ask('ModelMetadata', { name: model, version: '' })).toEqual({
        name: model, versions: ['1'], platform: 'onnxruntime_onnx',
        inputs: [{ name: 'distance', datatype: 'FP32', shape: [-1, 1] }, { name: 'origin', datatype: 'BYTES', shape: [-1, 1] }],
        outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }],
      });

      const typed = await ask('ModelInfer', {
        model_name: model, id: `oip-${run}`,
        inputs: [
          { name: 'distance', datatype: 'FP32', shape: [3, 1], contents: { fp32_contents: [100, 200, 300] } },
          { name: 'origin', datatype: 'BYTES', shape: [3, 1], contents: { bytes_contents: ['SFO', 'JFK', 'ORD'].map((s) => Buffer.from(s)) } },
        ],
      });
      expect(typed).toMatchObject({ model_name: model, model_version: '1', id: `oip-${run}`, raw_output_contents: [] });
      const [output] = typed.outputs as { name: string; datatype: string; shape: number[]; contents: { fp32_contents: number[] } }[];
      expect([output.name, output.datatype, output.shape]).toEqual(['probability', 'FP32', [3, 1]]);
      expect(output.contents.fp32_contents.map(Math.fround)).toEqual([0.1, 0.1, 0.1].map(Math.fround));

      // Triton's clients send and expect raw little-endian bytes; BYTES elements are length-prefixed.
      const distances = Buffer.alloc(8);
      distances.writeFloatLE(100, 0);
      distances.writeFloatLE(2_500, 4);
      const origins = Buffer.concat(['SFO', 'LAX'].map((s) => { const prefix = Buffer.alloc(4); prefix.writeUInt32LE(s.length); return Buffer.concat([prefix, Buffer.from(s)]); }));
      const raw = await ask('ModelInfer', {
        model_name: model, model_version: '1',
        inputs: [{ name: 'distance', datatype: 'FP32', shape: [2, 1] }, { name: 'origin', datatype: 'BYTES', shape: [2, 1] }],
        raw_input_contents: [distances, origins], outputs: [{ name: 'probability' }],
      });
      const [rawOutput] = raw.raw_output_contents as Buffer[];
      expect((raw.outputs as { shape: number[] }[])[0].shape).toEqual([2, 1]);
      expect([rawOutput.readFloatLE(0), rawOutput.readFloatLE(4)]).toEqual([Math.fround(0.1), Math.fround(0.1)]);

      const bad = async (request: object) => failure(ask('ModelInfer', { model_name: model, ...request }));
      const shape = await bad({ inputs: [{ name: 'distance', datatype: 'FP32', shape: [2, 1], contents: { fp32_contents: [1, 2, 3] } }, { name: 'origin', datatype: 'BYTES', shape: [2, 1], contents: { bytes_contents: [Buffer.from('a'), Buffer.from('b')] } }] });
      expect([shape.code, violations(shape)]).toEqual([grpc.status.INVALID_ARGUMENT, ['inputs[0].contents']]);
      const datatype = await bad({ inputs: [{ name: 'distance', datatype: 'FP64', shape: [1, 1], contents: { fp64_contents: [1] } }, { name: 'origin', datatype: 'BYTES', shape: [1, 1], contents: { bytes_contents: [Buffer.from('a')] } }] });
      expect([datatype.code, violations(datatype)]).toEqual([grpc.status.INVALID_ARGUMENT, ['inputs[0].datatype']]);
      const missing = await bad({ inputs: [{ name: 'distance', datatype: 'FP32', shape: [1, 1], contents: { fp32_contents: [1] } }] });
      expect(missing.details).toContain('origin');
      expect((await bad({ model_name: `nope-${run}`, inputs: [] })).code).toBe(grpc.status.NOT_FOUND);
      const empty = await bad({ inputs: [] });
      expect([empty.code, empty.details]).toEqual([grpc.status.INVALID_ARGUMENT, expect.stringContaining('distance')]);
      const rows = MAX_BATCH + 1;
      const oversized = await bad({ inputs: [
        { name: 'distance', datatype: 'FP32', shape: [rows, 1], contents: { fp32_contents: Array.from({ length: rows }, () => 1) } },
        { name: 'origin', datatype: 'BYTES', shape: [rows, 1], contents: { bytes_contents: Array.from({ length: rows }, () => Buffer.from('SFO')) } },
      ] });
      expect([oversized.code, violations(oversized)]).toEqual([grpc.status.INVALID_ARGUMENT, ['inputs']]);
      expect((await ask('ServerLive', {})).live).toBe(true);
    } finally {
      (oip as unknown as grpc.Client).close();
    }
  });

  it('swaps to a newly promoted version under continuous load with zero failed requests', async () => {
    const seen: { version: number; startedAt: number }[] = [];
    const failures: unknown[] = [];
    let stop = false;
    const client_ = async () => {
      while (!stop) {
        const startedAt = Date.now();
        await predict({ instances: [flight(500)] }).then(
          (answer) => {
            seen.push({ version: answer.modelVersion, startedAt });
            expect(Math.fround(probability(answer))).toBe(Math.fround(answer.modelVersion / 10));
          },
          (error: unknown) => failures.push(error),
        );
      }
    };
    const clients = Array.from({ length: 16 }, client_);
    await eventually(() => expect(seen.length).toBeGreaterThan(200));
    await emit(Events.modelPromoted, promoted(2, 1));
    await eventually(() => expect(changes().some((c) => c.stableVersion === 2)).toBe(true), 30_000);
    const switched = Date.now();
    await eventually(() => expect(seen.filter((s) => s.startedAt > switched + 200).length).toBeGreaterThan(200));
    stop = true;
    await Promise.all(clients);

    expect(failures).toEqual([]);
    expect(seen.some((s) => s.version === 1)).toBe(true);
    expect(seen.filter((s) => s.startedAt > switched + 200).every((s) => s.version === 2)).toBe(true);
    const { deployment, arms } = await getDeployment();
    // Immediate rollout: version 1 is unloaded once drained.
    expect([deployment?.stableVersion, arms.map((a) => a.version)]).toEqual([2, [2]]);
  });

  it('switches blue/green: the promoted version serves, the previous one stays warm as standby, and switching back is instant', async () => {
    await processed(await emit(Events.modelPromoted, promoted(3, 2, { kind: commonV1.RolloutKind.ROLLOUT_KIND_BLUE_GREEN })));
    const { deployment, arms } = await getDeployment();
    expect([deployment?.stableVersion, deployment?.blueGreen?.standbyVersion]).toEqual([3, 2]);
    expect(arms.map((a) => [a.arm, a.version, a.state])).toEqual([['stable', 3, pb.LoadState.LOAD_STATE_READY], ['standby', 2, pb.LoadState.LOAD_STATE_READY]]);
    expect((await predict({ instances: [flight(1)] })).modelVersion).toBe(3);
    // The standby is warm: switching to it loads nothing, and it answers at once.
    const loads = await metric('serving_model_load_duration_count');
    expect(loads).toBeGreaterThanOrEqual(3);
    await setDeployment({ stableVersion: 2, blueGreen: { standbyVersion: 3 } });
    expect((await predict({ instances: [flight(1)] })).modelVersion).toBe(2);
    expect(await metric('serving_model_load_duration_count')).toBe(loads);
    await setDeployment({ stableVersion: 2 });
  });

  it('sends a canary its weight of traffic, keeps A/B assignment sticky by key, and checks who may change deployments', async () => {
    const unauthenticated = (await failure(call((cb) => client.setDeployment({ deployment: pb.Deployment.fromPartial({ modelName: model, stableVersion: 2 }), expectedRevision: 0, reason: 'x' }, cb))));
    expect(unauthenticated.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(((await failure(setDeployment({ stableVersion: 2 }, 'bob')))).code).toBe(grpc.status.PERMISSION_DENIED);
    const invalid = (await failure(setDeployment({ stableVersion: 2, canary: { version: 2, weight: 1.5 } })));
    expect([invalid.code, violations(invalid).sort()]).toEqual([grpc.status.INVALID_ARGUMENT, ['deployment.canary.version', 'deployment.canary.weight']]);
    const stale = (await failure(setDeployment({ stableVersion: 2, canary: { version: 1, weight: 0.1 } }, 'root', 1)));
    expect([stale.code, violations(stale)]).toEqual([grpc.status.ABORTED, ['expected_revision']]);
    // A version serving never saw in an event is looked up in the registry, which is down here.
    expect(((await failure(setDeployment({ stableVersion: 2, canary: { version: 8, weight: 0.1 } })))).code).toBe(grpc.status.UNAVAILABLE);

    // Serving learns version 3 from its promotion (here as a shadow), so SetDeployment needs no registry lookup.
    await emit(Events.modelPromoted, promoted(3, 2, { kind: commonV1.RolloutKind.ROLLOUT_KIND_SHADOW }));
    await eventually(async () => expect((await getDeployment()).deployment?.shadow?.version).toBe(3), 30_000);

    const { deployment } = await setDeployment({ stableVersion: 2, canary: { version: 3, weight: 0.1 } });
    expect(deployment).toMatchObject({ stableVersion: 2, canary: { version: 3, weight: 0.1 }, changeSource: pb.DeploymentChangeSource.DEPLOYMENT_CHANGE_SOURCE_API, updatedBy: 'root' });
    const total = 4_000;
    const served: number[] = [];
    for (let i = 0; i < total; i += 40) {
      const batch = await Promise.all(Array.from({ length: 40 }, () => predict({ instances: [flight(10)] })));
      served.push(...batch.map((b) => b.modelVersion));
    }
    const share = served.filter((v) => v === 3).length / total;
    const sigma = Math.sqrt((0.1 * 0.9) / total);
    expect(Math.abs(share - 0.1)).toBeLessThan(4 * sigma);

    await setDeployment({ stableVersion: 2, abTest: { arms: [{ name: 'a', version: 2, weight: 1 }, { name: 'b', version: 3, weight: 1 }], salt: run } });
    const users = Array.from({ length: 300 }, (_, i) => `user-${i}`);
    const firstArm = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(users.map((user) => predict({ instances: [flight(10)], routingKey: user })));
      answers.forEach((answer, i) => {
        expect(answer.arm).toBe(answer.modelVersion === 2 ? 'ab:a' : 'ab:b');
        if (round === 0) firstArm.set(users[i], answer.arm);
        else expect(answer.arm).toBe(firstArm.get(users[i]));
      });
    }
    const inB = [...firstArm.values()].filter((arm) => arm === 'ab:b').length / users.length;
    expect(Math.abs(inB - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / users.length));
  });

  it('mirrors every request to the shadow and only ever answers with stable', async () => {
    await setDeployment({ stableVersion: 2, shadow: { version: 3, sampleRate: 1 } });
    const ids = Array.from({ length: 200 }, (_, i) => `shadow-${run}-${i}`);
    const answers = await Promise.all(ids.map((requestId) => predict({ instances: [flight(10)], requestId })));
    expect(answers.every((a) => a.modelVersion === 2 && a.arm === 'stable' && Math.fround(probability(a)) === Math.fround(0.2))).toBe(true);
    const wanted = new Set(ids);
    await eventually(() => {
      const shadowed = logged().filter((l) => l.arm === 'shadow' && wanted.has(l.requestId));
      expect(shadowed.length).toBe(ids.length);
      expect(shadowed.every((l) => l.modelVersion === 3 && l.statusCode === 0 && Math.fround(l.instances[0].outputs.probability.doubleValues[0]) === Math.fround(0.3))).toBe(true);
    }, 30_000);
    const stableLog = logged().filter((l) => l.arm === 'stable' && ids.includes(l.requestId));
    expect(stableLog).toHaveLength(ids.length);
    expect(stableLog[0]).toMatchObject({ modelVersion: 2, protocol: 'predict', sampleRate: 1, statusCode: 0 });
    expect(stableLog[0].instances[0].inputs).toEqual({ distance: double(10), origin: text('SFO') });

    // One trace from the caller through the prediction log: the caller's trace id reaches both entries' Kafka headers.
    const traceId = randomBytes(16).toString('hex');
    const metadata = new grpc.Metadata();
    metadata.set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
    const traced = `traced-${run}`;
    await call<pb.PredictResponse>((cb) => client.predict(pb.PredictRequest.fromPartial({ modelName: model, instances: [flight(10)], requestId: traced }), metadata, cb));
    await eventually(() => {
      const entries = probe.on(Events.predictionLogged.topic).filter((m) => eventsV1.PredictionLogged.decode(m.value!).requestId === traced);
      expect(entries.map((m) => [eventsV1.PredictionLogged.decode(m.value!).arm, headerText(m.headers, 'traceparent')?.split('-')[1]]).sort()).toEqual([['shadow', traceId], ['stable', traceId]]);
    });
  });

  it('steps a canary through its rollout while it passes its guard, and rolls back a canary that fails it', async () => {
    await setDeployment({ stableVersion: 2 });
    const guard = { enabled: true, maxErrorRateIncrease: 0.05, maxP99LatencyIncrease: 100, evaluationWindow: { seconds: 60, nanos: 0 }, minRequests: 20 };
    let stop = false;
    const failures: grpc.ServiceError[] = [];
    const traffic = Array.from({ length: 4 }, async () => {
      while (!stop) await predict({ instances: [flight(10)] }).catch((error: grpc.ServiceError) => failures.push(error));
    });
    try {
      await emit(Events.modelPromoted, promoted(3, 2, { kind: commonV1.RolloutKind.ROLLOUT_KIND_CANARY, canaryWeight: 0.2, canarySteps: [0.5, 1], stepInterval: { seconds: 1, nanos: 0 }, rollbackGuard: guard }));
      await eventually(async () => expect((await getDeployment()).deployment).toMatchObject({ stableVersion: 3, canary: undefined }), 60_000);
      // The outbox ships the last step's event shortly after the revision is stored.
      await eventually(() => {
        const steps = changes().filter((c) => c.cause === eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_ROLLOUT_STEP);
        expect(steps.map((s) => [s.stableVersion, s.arms.find((a) => a.arm === 'canary')?.weight ?? null])).toEqual([[2, 0.5], [3, null]]);
      });
      expect(failures).toEqual([]);

      // Version 4 needs an input callers do not send: every request it gets fails.
      await emit(Events.modelPromoted, promoted(4, 3, { kind: commonV1.RolloutKind.ROLLOUT_KIND_CANARY, canaryWeight: 0.5, canarySteps: [1], stepInterval: { seconds: 60, nanos: 0 }, rollbackGuard: guard }, STRICTER));
      await eventually(() => expect(changes().some((c) => c.cause === eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_AUTO_ROLLBACK)).toBe(true), 60_000);
    } finally {
      stop = true;
      await Promise.all(traffic);
    }
    const rollback = changes().find((c) => c.cause === eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_AUTO_ROLLBACK)!;
    expect(rollback).toMatchObject({ stableVersion: 3, actor: 'service:serving' });
    expect(rollback.arms.map((a) => a.arm)).not.toContain('canary');
    const errorRate = rollback.checks.find((c) => c.metric === 'error_rate')!;
    expect(errorRate).toMatchObject({ passed: false, stableValue: 0 });
    expect(errorRate.canaryValue).toBe(1);
    expect(rollback.reason).toContain('canary version 4 regressed');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((f) => f.code === grpc.status.INVALID_ARGUMENT && f.details.includes('carrier'))).toBe(true);
    expect((await getDeployment()).deployment?.canary).toBeUndefined();
    expect((await predict({ instances: [flight(10)] })).modelVersion).toBe(3);

    expect(rollback.rolledBackVersion).toBe(4);
    // The registry rolls the alias back too (it follows AUTO_ROLLBACK); its event is then a no-op here.
    const revision = (await getDeployment()).deployment!.revision;
    await processed(await emit(Events.modelRolledBack, eventsV1.ModelRolledBack.fromPartial({ modelName: model, alias: 'champion', fromVersion: 4, toVersion: 3, reason: 'serving rolled back', actor: 'service:serving', artifact: versions[3], signature: SIGNATURE })));
    expect((await getDeployment()).deployment!.revision).toBe(revision);
  });

  it('scores rows exactly as the training evaluation does (a GBDT with numeric and categorical inputs, missing values, unseen categories)', async () => {
    const rows = 600;
    const random = seededRandom('7');
    const origins = ['SFO', 'JFK', 'ORD', 'ATL', 'DEN'];
    const columns: FeatureColumn[] = [
      { name: 'distance', kind: 'numeric', values: Array.from({ length: rows }, (_, i) => (i % 17 === 0 ? null : Math.round(100 + random() * 2_400))) },
      { name: 'dep_hour', kind: 'numeric', values: Array.from({ length: rows }, () => Math.floor(random() * 24)) },
      { name: 'origin', kind: 'categorical', values: Array.from({ length: rows }, (_, i) => (i % 23 === 0 ? null : origins[Math.floor(random() * origins.length)])) },
    ];
    const labels = Array.from({ length: rows }, (_, i) => Number(((columns[1].values[i] as number) > 15 ? 0.6 : 0.2) + ((columns[2].values[i] as string) === 'ORD' ? 0.2 : 0) > random()));
    const encodings = fitEncodings(columns, labels);
    const { model: gbdt } = trainGbdt({ features: treeInputs(encodings, columns.map((c) => c.values)), labels }, undefined, { ...DEFAULT_GBDT, rounds: 40, maxDepth: 4, minSamplesLeaf: 10 });
    const bytes = encodeModel(pipelineModel(encodings, { kind: 'gbdt', model: gbdt }));
    const parityModel = `parity-${run}`;
    versions[10] = await store_(bytes);
    const signature = commonV1.ModelSignature.fromPartial({ inputs: [tensor('distance', FP32), tensor('dep_hour', FP32), tensor('origin', BYTES)], outputs: [tensor('probability', FP32, false)] });
    await emit(Events.modelPromoted, promoted(10, 0, undefined, signature, parityModel));
    await eventually(async () => expect((await getDeployment(parityModel)).deployment?.stableVersion).toBe(10), 30_000);

    // Rows the model never saw: an unseen category among them.
    const scored = Array.from({ length: 200 }, (_, i) => ({ distance: i % 9 === 0 ? null : 100 + i * 11.5, dep_hour: i % 24, origin: i % 13 === 0 ? 'XYZ' : origins[i % origins.length] }));
    const expected = await scoreWithOnnx(bytes, [
      { name: 'distance', kind: 'numeric', values: scored.map((r) => r.distance) },
      { name: 'dep_hour', kind: 'numeric', values: scored.map((r) => r.dep_hour) },
      { name: 'origin', kind: 'categorical', values: scored.map((r) => r.origin) },
    ], Uint32Array.from(scored.keys()), 'probability');
    const actual: number[] = [];
    for (let i = 0; i < scored.length; i += MAX_BATCH) {
      const instances = scored.slice(i, i + MAX_BATCH).map((r) => ({
        features: { ...(r.distance === null ? {} : { distance: double(r.distance) }), dep_hour: double(r.dep_hour), origin: text(r.origin) }, entityKey: undefined,
      }));
      const answer = await predict({ modelName: parityModel, instances });
      actual.push(...answer.predictions.map((p) => p.outputs.probability.doubleValues[0]));
    }
    expect(actual).toHaveLength(scored.length);
    const worst = Math.max(...actual.map((value, i) => Math.abs(value - expected[i])));
    expect(worst).toBeLessThan(1e-6);
    expect(new Set(actual.map((v) => v.toFixed(4))).size).toBeGreaterThan(5);
  });

  it('enriches instances from online features by entity key, and falls back as the deployment says when the lookup fails', async () => {
    const port = await features.start({ distance: 777 });
    // Enrichment needs the feature service's address at start-up: a second replica of the same deployments points at the fake.
    const replica = new ServiceProcess({
      name: 'serving', grpcPort: PORT + 10, workspaceRoot: WORKSPACE,
      env: { ...env, METRICS_PORT: String(METRICS_PORT + 10), FEATURE_ADDRESS: `127.0.0.1:${port}`, SERVING_MAX_CONCURRENCY: '1', SERVING_MAX_QUEUE: '2' },
    });
    replica.start();
    try {
      await replica.waitUntilServing();
      const replicaClient = new pb.ServingServiceClient(`127.0.0.1:${PORT + 10}`, grpc.credentials.createInsecure());
      const ask = (request: Partial<pb.PredictRequest>) => call<pb.PredictResponse>((cb) => replicaClient.predict(pb.PredictRequest.fromPartial({ modelName: model, ...request }), cb));
      const enrichment = { featureService: { name: 'flight_features', version: 0 }, fallback: pb.FeatureFallback.FEATURE_FALLBACK_DEFAULTS, defaults: { distance: double(500) }, timeoutMs: 500 };
      await setDeployment({ stableVersion: 3, enrichment });
      const keyed: pb.Instance = { features: { origin: text('SFO') }, entityKey: { joinKeys: { flight_id: text('F1') } } };
      await eventually(async () => expect((await ask({ instances: [keyed], returnFeatures: true })).predictions[0].features.distance).toEqual(double(777)), 30_000);
      expect(features.requests.at(-1)?.entities[0].joinKeys.flight_id).toEqual(text('F1'));
      // A value given with the instance wins over the looked-up one.
      expect((await ask({ instances: [{ ...keyed, features: { ...keyed.features, distance: double(5) } }], returnFeatures: true })).predictions[0].features.distance).toEqual(double(5));

      features.failing = true;
      const fallback = await ask({ instances: [keyed], returnFeatures: true });
      expect([fallback.predictions[0].features.distance.kind?.value, fallback.predictions[0].defaultedFeatures]).toEqual([500, ['distance']]);
      await eventually(async () => expect(await metric('serving_enrichment_fallbacks_total{', METRICS_PORT + 10)).toBeGreaterThanOrEqual(1));

      // Slow lookups: one request runs, two wait, the rest are refused at once instead of piling up.
      features.failing = false;
      features.delayMs = 300;
      const burst = await Promise.allSettled(Array.from({ length: 8 }, () => ask({ instances: [keyed] })));
      const refusedCodes = burst.flatMap((r) => (r.status === 'rejected' ? [(r.reason as grpc.ServiceError).code] : []));
      expect(burst.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
      expect(refusedCodes.length).toBeGreaterThanOrEqual(4);
      expect(new Set(refusedCodes)).toEqual(new Set([grpc.status.RESOURCE_EXHAUSTED]));
      // A deadline shorter than the lookup: the server cuts the lookup at the deadline and ends the call DEADLINE_EXCEEDED itself
      // (its own count by status code says so; a server that ignored the deadline would count a success).
      const late = await failure(call<pb.PredictResponse>((cb) => replicaClient.predict(pb.PredictRequest.fromPartial({ modelName: model, instances: [keyed] }), new grpc.Metadata(), { deadline: Date.now() + 100 }, cb)));
      expect(late.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      await eventually(async () => expect(await metric('serving_requests_total{', METRICS_PORT + 10, ['rpc_grpc_status_code="4"', `model="${model}"`])).toBe(1));
      features.delayMs = 0;

      features.failing = true;
      await setDeployment({ stableVersion: 3, enrichment: { ...enrichment, fallback: pb.FeatureFallback.FEATURE_FALLBACK_ERROR } });
      await eventually(async () => expect(((await failure(ask({ instances: [keyed] })))).code).toBe(grpc.status.UNAVAILABLE), 30_000);
      replicaClient.close();
    } finally {
      await replica.stop();
      features.failing = false;
      features.delayMs = 0;
      await setDeployment({ stableVersion: 3 });
    }
  });

  it('keeps predicting while Kafka is down, buffering the log up to its bound and then counting drops', async () => {
    const kafka = new PrivateKafka(WORKSPACE);
    const database = `serving_outage_${run}`;
    const admin = new Client({ connectionString: infra.databaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    let isolated: ServiceProcess | undefined;
    try {
      const brokers = await kafka.start();
      const [port, metricsPort] = [await freePort(), await freePort()];
      isolated = new ServiceProcess({
        name: 'serving', grpcPort: port, workspaceRoot: WORKSPACE,
        env: { ...env, KAFKA_BROKERS: brokers, METRICS_PORT: String(metricsPort), DATABASE_URL: infra.databaseUrl.replace(/\/[^/?]+(\?|$)/, `/${database}$1`), PREDICTION_LOG_BUFFER: '100' },
      });
      isolated.start();
      await isolated.waitUntilServing();
      const own = new KafkaProbe([brokers]);
      const ownProducer = own.client.producer();
      await ownProducer.connect();
      await ownProducer.send({ topic: Events.modelPromoted.topic, messages: [{ key: model, value: Buffer.from(eventsV1.ModelPromoted.encode(promoted(2, 0)).finish()), headers: envelopeHeaders(newEnvelope(Events.modelPromoted)) }] });
      await ownProducer.disconnect();
      const isolatedClient = new pb.ServingServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      const ask = () => call<pb.PredictResponse>((cb) => isolatedClient.predict(pb.PredictRequest.fromPartial({ modelName: model, instances: [flight(10)] }), cb));
      await eventually(async () => expect((await ask()).modelVersion).toBe(2), 60_000);
      const dropped = () => metric('events_buffered_dropped_total{', metricsPort);

      await kafka.stop();
      const answers = [];
      for (let i = 0; i < 300; i += 30) answers.push(...(await Promise.all(Array.from({ length: 30 }, ask))));
      expect(answers.every((a) => a.modelVersion === 2)).toBe(true);
      await eventually(async () => expect(await dropped()).toBeGreaterThanOrEqual(150), 30_000);
      isolatedClient.close();
      await own.stop().catch(() => undefined);
    } finally {
      await isolated?.stop();
      await kafka.destroy();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  });
});
