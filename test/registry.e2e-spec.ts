/**
 * @jest-environment ../jest.onnx-environment.js
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Client } from 'pg';
import { issueToken, type Role } from '@mlops/auth';
import { deadLetterTopic, envelopeHeaders, Events, headerText, newEnvelope } from '@mlops/events';
import { decodeStatusDetails } from '@mlops/grpc';
import { commonV1, eventsV1, registryV1 as pb } from '@mlops/proto';
import { eventually, infrastructure, KafkaProbe, ServiceProcess } from '@mlops/testing';
import { constantModel } from './fixtures/onnx-graph';
import { failure } from './support/grpc';

const WORKSPACE = join(__dirname, '..');
const PORT = 21654;
const STORE = join(mkdtempSync(join(tmpdir(), 'mlops-registry-')), 'store');
const SECRET = randomBytes(32).toString('hex');
const { PromotionState } = pb;
const FP32 = commonV1.TensorDataType.TENSOR_DATA_TYPE_FP32;
const BYTES = commonV1.TensorDataType.TENSOR_DATA_TYPE_BYTES;

const SIGNATURE: commonV1.ModelSignature = commonV1.ModelSignature.fromPartial({
  inputs: [{ name: 'distance', datatype: FP32, shape: [-1, 1] }, { name: 'origin', datatype: BYTES, shape: [-1, 1] }],
  outputs: [{ name: 'probability', datatype: FP32, shape: [-1, 1] }],
});
/** The same graph's inputs in the other order: a signature that differs from SIGNATURE and still matches the model. */
const SWAPPED_SIGNATURE: commonV1.ModelSignature = commonV1.ModelSignature.fromPartial({ ...SIGNATURE, inputs: [...SIGNATURE.inputs].reverse() });
const modelBytes = (value: number) => Buffer.from(constantModel([{ name: 'distance', kind: 'numeric' }, { name: 'origin', kind: 'categorical' }], value, 'probability'));

type Callback<T> = (error: grpc.ServiceError | null, response: T) => void;
type Methods = typeof pb.RegistryServiceService;
type UnaryMethod = { [K in keyof Methods]: Methods[K]['requestStream'] extends false ? (Methods[K]['responseStream'] extends false ? K : never) : never }[keyof Methods];
type RequestOf<K extends UnaryMethod> = Parameters<Methods[K]['requestSerialize']>[0];
type ResponseOf<K extends UnaryMethod> = ReturnType<Methods[K]['responseDeserialize']>;

describe('registry on real PostgreSQL and Kafka: versions, gates, four eyes, one champion, rollback, audit, artifacts', () => {
  const infra = infrastructure();
  const run = randomBytes(3).toString('hex');
  const service = new ServiceProcess({
    name: 'registry', grpcPort: PORT, workspaceRoot: WORKSPACE,
    env: { KAFKA_BROKERS: infra.kafkaBrokers.join(','), DATABASE_URL: infra.databaseUrl, METRICS_PORT: String(PORT - 12_000), LOG_LEVEL: 'warn', ARTIFACT_STORE: STORE, AUTH_TOKEN_SECRET: SECRET },
  });
  const probe = new KafkaProbe(infra.kafkaBrokers);
  const db = new Client({ connectionString: infra.databaseUrl });
  let client: pb.RegistryServiceClient;
  const tokens: Record<string, string> = {};
  const as = (who: string) => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${tokens[who]}`);
    return metadata;
  };
  /** A unary call made as `who`, typed by the method's definition. */
  const rpc = <K extends UnaryMethod>(method: K, request: RequestOf<K>, who = 'alice') =>
    new Promise<ResponseOf<K>>((resolve, reject) => {
      const invoke = client[method] as unknown as (req: RequestOf<K>, md: grpc.Metadata, cb: Callback<ResponseOf<K>>) => unknown;
      invoke.call(client, request, as(who), (error: grpc.ServiceError | null, response: ResponseOf<K>) => (error ? reject(error) : resolve(response)));
    });

  async function upload(content: Buffer, header: Partial<pb.UploadArtifactHeader> = {}, who = 'alice'): Promise<pb.UploadArtifactResponse> {
    return new Promise((resolve, reject) => {
      const stream = client.uploadArtifact(as(who), (error, response) => (error ? reject(error) : resolve(response)));
      stream.write({ message: { $case: 'header', value: { mediaType: 'application/onnx', sizeBytes: content.length, expectedDigest: '', ...header } } });
      for (let i = 0; i < content.length; i += 1_000) stream.write({ message: { $case: 'chunk', value: content.subarray(i, i + 1_000) } });
      stream.end();
    });
  }

  async function download(digest: string, who = 'vic'): Promise<{ header?: commonV1.ArtifactRef; content: Buffer }> {
    const chunks: Buffer[] = [];
    let header: commonV1.ArtifactRef | undefined;
    for await (const message of client.downloadArtifact({ digest }, as(who)) as AsyncIterable<pb.DownloadArtifactResponse>) {
      if (message.message?.$case === 'artifact') header = message.message.value;
      if (message.message?.$case === 'chunk') chunks.push(Buffer.from(message.message.value));
    }
    return { header, content: Buffer.concat(chunks) };
  }

  const createModel = (name: string) => rpc('createRegisteredModel', { name, description: 'delay > 15 min', owner: '', tags: {}, task: commonV1.TaskType.TASK_TYPE_BINARY_CLASSIFICATION });

  /** Uploads a model predicting `value` and registers it with these metrics. */
  async function register(modelName: string, requestId: string, metrics: Record<string, number>, value = Math.random(), extra: Partial<pb.CreateModelVersionRequest> = {}) {
    const { artifact } = await upload(modelBytes(value));
    return rpc('createModelVersion', pb.CreateModelVersionRequest.fromPartial({ requestId, modelName, artifact, signature: SIGNATURE, metrics, ...extra }));
  }

  const request = (modelName: string, version: number, who = 'alice', extra: Partial<pb.RequestPromotionRequest> = {}) =>
    rpc('requestPromotion', pb.RequestPromotionRequest.fromPartial({ modelName, version, reason: `promote ${version}`, ...extra }), who);
  /** A person's promotion request, approved by a second person. */
  const promoteApproved = async (modelName: string, version: number) => {
    const pending = (await request(modelName, version)).promotion!;
    expect([pending.state, pending.requiredApprovals]).toEqual([PromotionState.PROMOTION_STATE_PENDING_APPROVAL, 1]);
    expect((await rpc('approvePromotion', { promotionId: pending.promotionId, reason: 'ok' }, 'bob')).promotion!.state).toBe(PromotionState.PROMOTION_STATE_PROMOTED);
  };
  const champion = async (modelName: string) => (await rpc('getRegisteredModel', { name: modelName }, 'vic')).registeredModel!.aliases.champion;
  const promotedEvents = (modelName: string) => probe.on(Events.modelPromoted.topic).map((m) => eventsV1.ModelPromoted.decode(m.value!)).filter((e) => e.modelName === modelName);
  const rolledBackEvents = (modelName: string) => probe.on(Events.modelRolledBack.topic).map((m) => eventsV1.ModelRolledBack.decode(m.value!)).filter((e) => e.modelName === modelName);

  const POLICY = `
# roc_auc may not fall more than 0.002 below the champion's, nor under 0.6
gates:
  - metric: roc_auc
    max_regression: 0.002
    floor: 0.6
  - metric: log_loss
    ceiling: 0.7
max_p99_latency_ms: 1000
required_approvals: 1
rollout:
  kind: canary
  canary_weight: 0.1
  canary_steps: [0.5, 1]
  step_interval_seconds: 60
`;

  beforeAll(async () => {
    const roles: Record<string, Role[]> = { alice: ['contributor'], bob: ['approver'], carol: ['approver'], root: ['admin'], vic: ['viewer'] };
    for (const [subject, granted] of Object.entries(roles)) tokens[subject] = await issueToken({ secret: SECRET, subject, roles: granted });
    tokens.mallory = await issueToken({ secret: randomBytes(32).toString('hex'), subject: 'mallory', roles: ['admin'] });
    await db.connect();
    service.start();
    await service.waitUntilServing();
    client = new pb.RegistryServiceClient(`127.0.0.1:${PORT}`, grpc.credentials.createInsecure());
    await probe.start([Events.modelPromoted.topic, Events.modelRolledBack.topic, Events.modelVersionRegistered.topic, deadLetterTopic('registry')]);
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await probe.stop();
    await db.end();
    await service.stop();
  });

  it('registers a completed run from Kafka once, checked against its artifact, and puts it up for promotion when the policy allows', async () => {
    const model = `flights-${run}-kafka`;
    await createModel(model);
    await rpc('setPromotionPolicy', { modelName: model, content: { $case: 'document', value: 'required_approvals: 0\nallow_automatic_promotion: true\ngates: [{metric: roc_auc, floor: 0.6}]' } }, 'root');
    const { artifact } = await upload(modelBytes(0.3));
    const runId = `run-${run}`;
    const lineage = commonV1.Lineage.fromPartial({
      trainingRunId: runId, dataset: 'flights', datasetSnapshotId: `snap-${run}`, featureService: { name: 'delay_features', version: 3 }, featureViews: [{ name: 'origin_stats', version: 2 }],
      codeCommit: 'abc123', codeRepository: 'git@example.com:ml/flights.git', configDigest: 'sha256:cfg',
    });
    const event = eventsV1.TrainingRunCompleted.fromPartial({
      runId, experimentId: 'exp-1', runName: 'gbdt', modelName: model, task: commonV1.TaskType.TASK_TYPE_BINARY_CLASSIFICATION, model: artifact, signature: SIGNATURE,
      metrics: { roc_auc: 0.71, log_loss: 0.45 }, primaryMetric: 'roc_auc', lineage, retrainRequestId: `rr-${run}`, startedBy: 'monitoring',
    });
    const missing = eventsV1.TrainingRunCompleted.fromPartial({ ...event, runId: `gone-${run}`, model: { ...artifact, digest: `sha256:${'0'.repeat(64)}` } });
    const producer = probe.client.producer();
    await producer.connect();
    const message = (e: eventsV1.TrainingRunCompleted) => ({ key: e.runId, value: Buffer.from(eventsV1.TrainingRunCompleted.encode(e).finish()), headers: envelopeHeaders(newEnvelope(Events.trainingRunCompleted)) });
    // The same run twice (a redelivery from training's outbox carries a new envelope id), and one whose artifact is not in the store.
    await producer.send({ topic: Events.trainingRunCompleted.topic, messages: [message(event), message(event), message(missing)] });
    await producer.disconnect();

    const registered = await eventually(async () => (await rpc('getModelVersion', { modelName: model, selector: { $case: 'version', value: 1 } }, 'vic')).modelVersion!, 60_000);
    expect([registered.createdBy, registered.requestId, registered.lineage?.experimentId, registered.tags.retrain_request_id]).toEqual(['service:training', runId, 'exp-1', `rr-${run}`]);
    expect(registered.metrics.latency_p99_ms).toBeGreaterThan(0);
    // The automatic promotion passed its floor and moved the champion without a person.
    await eventually(async () => expect(await champion(model)).toBe(1), 30_000);
    const [promoted] = await eventually(() => {
      const events = promotedEvents(model);
      if (events.length === 0) throw new Error('no promotion event yet');
      return events;
    }, 30_000);
    expect([promoted.version, promoted.previousVersion, promoted.requestedBy, promoted.artifact?.digest]).toEqual([1, 0, 'service:registry', artifact!.digest]);

    const reason = await eventually(() => {
      const found = probe.on(deadLetterTopic('registry')).map((m) => headerText(m.headers, 'dead-letter-reason') ?? '').find((r) => r.includes(`gone-${run}`));
      if (!found) throw new Error('not dead-lettered yet');
      return found;
    }, 30_000);
    expect(reason).toContain('is not in the artifact store');
    const versions = await rpc('listModelVersions', pb.ListModelVersionsRequest.fromPartial({ modelName: model }), 'vic');
    expect(versions.modelVersions.map((v) => v.version)).toEqual([1]);
    expect(probe.on(Events.modelVersionRegistered.topic).map((m) => eventsV1.ModelVersionRegistered.decode(m.value!)).filter((e) => e.modelName === model)).toHaveLength(1);

    // Lineage: upstream from the version, downstream from the snapshot.
    const upstream = await rpc('getLineage', pb.GetLineageRequest.fromPartial({ subject: { $case: 'modelVersion', value: { modelName: model, version: 1 } } }), 'vic');
    expect(upstream.nodes.map((n) => n.id)).toEqual([
      `model_version:${model}/1`, `training_run:${runId}`, `snapshot:snap-${run}`, 'feature_service:delay_features/3', 'feature_view:origin_stats/2', 'commit:abc123', 'config:sha256:cfg',
    ]);
    expect(upstream.edges).toContainEqual({ fromId: `training_run:${runId}`, toId: `snapshot:snap-${run}`, relation: 'trained_on' });
    const downstream = await rpc('getLineage', pb.GetLineageRequest.fromPartial({ subject: { $case: 'snapshotId', value: `snap-${run}` } }), 'vic');
    expect(downstream.nodes.filter((n) => n.kind === pb.LineageNodeKind.LINEAGE_NODE_KIND_MODEL_VERSION).map((n) => n.id)).toEqual([`model_version:${model}/1`]);
  }, 120_000);

  it('runs the full flow: gates against the champion, a second identity approves, the alias moves, `model promoted` once; a failing gate keeps its numbers', async () => {
    const model = `flights-${run}-flow`;
    await createModel(model);
    const policy = await rpc('setPromotionPolicy', { modelName: model, content: { $case: 'document', value: POLICY } }, 'root');
    expect([policy.policy?.revision, policy.policy?.requiredApprovals, policy.policy?.metricGates.map((g) => g.metric)]).toEqual([1, 1, ['roc_auc', 'log_loss']]);

    const v1 = (await register(model, `${model}-1`, { roc_auc: 0.7, log_loss: 0.5 })).modelVersion!;
    const first = (await request(model, v1.version)).promotion!;
    expect(first.state).toBe(PromotionState.PROMOTION_STATE_PENDING_APPROVAL);
    expect(first.gateResult?.checks.map((c) => [c.name, c.passed])).toEqual([['roc_auc.max_regression', true], ['roc_auc.floor', true], ['log_loss.ceiling', true], ['latency_p99', true]]);

    const selfApproval = await failure(rpc('approvePromotion', { promotionId: first.promotionId, reason: 'lgtm' }, 'alice'));
    expect(selfApproval.code).toBe(grpc.status.PERMISSION_DENIED); // alice is a contributor: approving needs the approver role
    const viewer = await failure(rpc('approvePromotion', { promotionId: first.promotionId, reason: 'lgtm' }, 'vic'));
    expect([viewer.code, viewer.details]).toEqual([grpc.status.PERMISSION_DENIED, expect.stringContaining('approver')]);
    const approved = (await rpc('approvePromotion', { promotionId: first.promotionId, reason: 'numbers look right' }, 'bob')).promotion!;
    expect([approved.state, approved.approvals.map((a) => a.actor)]).toEqual([PromotionState.PROMOTION_STATE_PROMOTED, ['bob']]);
    expect(await champion(model)).toBe(1);

    // v2 is a hair worse than the champion but inside the allowed regression; bob requests, so bob may not approve.
    const v2 = (await register(model, `${model}-2`, { roc_auc: 0.6985, log_loss: 0.5 })).modelVersion!;
    const second = (await request(model, v2.version, 'bob')).promotion!;
    expect(second.gateResult?.checks[0]).toMatchObject({ name: 'roc_auc.max_regression', passed: true, candidateValue: 0.6985, championValue: 0.7 });
    const ownRequest = await failure(rpc('approvePromotion', { promotionId: second.promotionId, reason: 'mine' }, 'bob'));
    expect([ownRequest.code, decodeStatusDetails(ownRequest).reason]).toEqual([grpc.status.FAILED_PRECONDITION, 'SELF_APPROVAL']);
    expect((await rpc('approvePromotion', { promotionId: second.promotionId, reason: 'ok' }, 'carol')).promotion!.state).toBe(PromotionState.PROMOTION_STATE_PROMOTED);
    expect(await champion(model)).toBe(2);

    const events = await eventually(() => {
      const found = promotedEvents(model);
      if (found.length < 2) throw new Error(`${found.length} promotion events so far`);
      return found;
    }, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // room for a duplicate to show up, were there one
    expect(promotedEvents(model).map((e) => [e.version, e.previousVersion, e.approvedBy])).toEqual([[1, 0, ['bob']], [2, 1, ['carol']]]);
    expect(events[1].rollout).toMatchObject({ kind: commonV1.RolloutKind.ROLLOUT_KIND_CANARY, canaryWeight: 0.1, canarySteps: [0.5, 1] });
    expect(events[1].signature?.inputs.map((i) => i.name)).toEqual(['distance', 'origin']);

    // v3 regresses by 0.01: refused, with the failing check and its numbers stored.
    const v3 = (await register(model, `${model}-3`, { roc_auc: 0.6885, log_loss: 0.5 })).modelVersion!;
    const failed = (await request(model, v3.version)).promotion!;
    expect(failed.state).toBe(PromotionState.PROMOTION_STATE_GATES_FAILED);
    const stored = (await rpc('getPromotionRequest', { promotionId: failed.promotionId }, 'vic')).promotion!;
    const check = stored.gateResult!.checks.find((c) => !c.passed)!;
    expect(check).toMatchObject({ name: 'roc_auc.max_regression', metric: 'roc_auc', candidateValue: 0.6885, championValue: 0.6985, passed: false });
    expect(check.threshold).toBeCloseTo(0.6965, 12);
    expect(check.message).toBe('roc_auc 0.6885 < champion 0.6985 - 0.002 = 0.6965');
    expect([stored.gateResult?.passed, stored.gateResult?.championVersion, stored.gateResult?.policyRevision]).toEqual([false, 2, 1]);
    expect(await champion(model)).toBe(2);
    // An unset state filter lists every request; an unset stage is refused rather than stored.
    const listed = await rpc('listPromotionRequests', pb.ListPromotionRequestsRequest.fromPartial({ modelName: model }), 'vic');
    expect(listed.promotions.map((p) => p.state)).toEqual([PromotionState.PROMOTION_STATE_GATES_FAILED, PromotionState.PROMOTION_STATE_PROMOTED, PromotionState.PROMOTION_STATE_PROMOTED]);
    const noStage = await failure(rpc('setModelVersionStage', { modelName: model, version: v3.version, stage: pb.ModelStage.MODEL_STAGE_UNSPECIFIED, reason: '' }));
    expect(decodeStatusDetails(noStage).fieldViolations.map((v) => v.field)).toEqual(['stage']);
    const card = (await rpc('getModelCard', { modelName: model, version: v3.version }, 'vic')).markdown;
    expect(card).toContain('| roc_auc.max_regression | **fail** | roc_auc 0.6885 < champion 0.6985 - 0.002 = 0.6965 |');
  }, 120_000);

  it('never makes two champions: concurrent requests leave one pending, concurrent approvals promote once', async () => {
    const model = `flights-${run}-race`;
    await createModel(model);
    await rpc('setPromotionPolicy', { modelName: model, content: { $case: 'document', value: POLICY } }, 'root');
    const versions = await Promise.all([1, 2].map(async (i) => (await register(model, `${model}-${i}`, { roc_auc: 0.7 + i / 100, log_loss: 0.5 })).modelVersion!.version));
    const requests = await Promise.allSettled(versions.map((v) => request(model, v)));
    const granted = requests.flatMap((r) => (r.status === 'fulfilled' ? [r.value.promotion!] : []));
    const refused = requests.flatMap((r) => (r.status === 'rejected' ? [r.reason as grpc.ServiceError] : []));
    expect(granted.map((p) => p.state)).toEqual([PromotionState.PROMOTION_STATE_PENDING_APPROVAL]);
    expect(refused.map((e) => [e.code, decodeStatusDetails(e).reason])).toEqual([[grpc.status.FAILED_PRECONDITION, 'PROMOTION_PENDING']]);

    const approvals = await Promise.allSettled(['bob', 'carol'].map((who) => rpc('approvePromotion', { promotionId: granted[0].promotionId, reason: 'race' }, who)));
    expect(approvals.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    const late = approvals.find((a) => a.status === 'rejected') as PromiseRejectedResult;
    expect(decodeStatusDetails(late.reason as grpc.ServiceError).reason).toBe('NOT_PENDING');
    const aliases = await db.query<{ n: string }>(`SELECT count(*) AS n FROM registry.aliases WHERE model_name = $1 AND alias = 'champion'`, [model]);
    expect(aliases.rows[0].n).toBe('1');
    expect(await champion(model)).toBe(granted[0].version);
    await eventually(() => expect(promotedEvents(model)).toHaveLength(1), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(promotedEvents(model).map((e) => e.version)).toEqual([granted[0].version]);
  }, 120_000);

  it('rolls back to the previous champion, step by step, and emits `model rolled back`', async () => {
    const model = `flights-${run}-rollback`;
    await createModel(model);
    await rpc('setPromotionPolicy', { modelName: model, content: { $case: 'document', value: 'required_approvals: 0\nallow_automatic_promotion: true' } }, 'root');
    // Automatic promotion is the registry's own (versions from training): a person's request still needs a second person.
    const promote = (version: number) => promoteApproved(model, version);
    const registered = [];
    for (const i of [1, 2, 3]) {
      const { modelVersion } = await register(model, `${model}-${i}`, { roc_auc: 0.7 }, Math.random(), { signature: i === 2 ? SWAPPED_SIGNATURE : SIGNATURE });
      registered.push(modelVersion!);
      await promote(modelVersion!.version);
    }
    expect(await champion(model)).toBe(3);
    const denied = await failure(rpc('rollback', { modelName: model, alias: '', toVersion: 0, reason: 'errors up' }, 'alice'));
    expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
    const noReason = await failure(rpc('rollback', { modelName: model, alias: '', toVersion: 0, reason: ' ' }, 'bob'));
    expect(decodeStatusDetails(noReason).fieldViolations.map((v) => v.field)).toEqual(['reason']);

    const back = await rpc('rollback', { modelName: model, alias: '', toVersion: 0, reason: 'error rate doubled' }, 'bob');
    expect([back.fromVersion, back.toVersion, back.registeredModel?.aliases.champion]).toEqual([3, 2, 2]);
    expect((await rpc('rollback', { modelName: model, alias: '', toVersion: 0, reason: 'still bad' }, 'bob')).toVersion).toBe(1);
    const first = await failure(rpc('rollback', { modelName: model, alias: '', toVersion: 0, reason: 'and again' }, 'bob'));
    expect([first.code, decodeStatusDetails(first).reason]).toEqual([grpc.status.FAILED_PRECONDITION, 'NO_PREVIOUS_VERSION']);
    const stages = (await rpc('listModelVersions', pb.ListModelVersionsRequest.fromPartial({ modelName: model }), 'vic')).modelVersions.map((v) => [v.version, v.stage]);
    expect(stages).toEqual([[3, pb.ModelStage.MODEL_STAGE_ARCHIVED], [2, pb.ModelStage.MODEL_STAGE_ARCHIVED], [1, pb.ModelStage.MODEL_STAGE_PRODUCTION]]);

    const events = await eventually(() => {
      const found = rolledBackEvents(model);
      if (found.length < 2) throw new Error(`${found.length} rollback events so far`);
      return found;
    }, 30_000);
    expect(events.map((e) => [e.fromVersion, e.toVersion, e.actor, e.alias])).toEqual([[3, 2, 'bob', 'champion'], [2, 1, 'bob', 'champion']]);
    expect(events[0].reason).toBe('error rate doubled');
    // Each carries the restored version's artifact and signature, so serving needs no lookup.
    expect(events.map((e) => [e.artifact?.digest, e.signature?.inputs.map((i) => i.name)])).toEqual([
      [registered[1].artifact!.digest, ['origin', 'distance']], [registered[0].artifact!.digest, ['distance', 'origin']],
    ]);
    expect(events.map((e) => e.signature?.inputs)).toEqual([registered[1].signature!.inputs, registered[0].signature!.inputs]);

    // Monitoring asks for a regressing canary to be rolled back; a repeat of the request changes nothing.
    await promote(3);
    const canary = eventsV1.CanaryRollbackRequested.fromPartial({ requestId: `canary-${run}`, modelName: model, canaryVersion: 3, stableVersion: 1, reason: 'error rate +4 points' });
    const producer = probe.client.producer();
    await producer.connect();
    const message = () => ({ key: model, value: Buffer.from(eventsV1.CanaryRollbackRequested.encode(canary).finish()), headers: envelopeHeaders(newEnvelope(Events.canaryRollbackRequested)) });
    await producer.send({ topic: Events.canaryRollbackRequested.topic, messages: [message(), message()] });
    await producer.disconnect();
    const automatic = await eventually(() => {
      const found = rolledBackEvents(model).filter((e) => e.canaryRollbackRequestId === `canary-${run}`);
      if (found.length === 0) throw new Error('not rolled back yet');
      return found;
    }, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(rolledBackEvents(model).filter((e) => e.canaryRollbackRequestId === `canary-${run}`)).toHaveLength(1);
    expect([automatic[0].fromVersion, automatic[0].toVersion, automatic[0].actor, await champion(model)]).toEqual([3, 1, 'service:monitoring', 1]);
    expect([automatic[0].artifact?.digest, automatic[0].signature?.inputs]).toEqual([registered[0].artifact!.digest, registered[0].signature!.inputs]);

    // A rollback ends the promotion that was pending against the replaced champion, and only restores former champions.
    const v4 = (await register(model, `${model}-4`, { roc_auc: 0.7 })).modelVersion!.version;
    const pending = (await request(model, v4)).promotion!;
    expect((await rpc('rollback', { modelName: model, alias: '', toVersion: 2, reason: 'v2 was steadier' }, 'bob')).toVersion).toBe(2);
    expect((await rpc('getPromotionRequest', { promotionId: pending.promotionId }, 'vic')).promotion!.state).toBe(PromotionState.PROMOTION_STATE_SUPERSEDED);
    const never = await failure(rpc('rollback', { modelName: model, alias: '', toVersion: v4, reason: 'skip the gates' }, 'bob'));
    expect([never.code, decodeStatusDetails(never).reason]).toEqual([grpc.status.FAILED_PRECONDITION, 'NOT_A_FORMER_VERSION']);
    const freeAlias = await failure(request(model, v4, 'alice', { targetAlias: 'challenger' }));
    expect(decodeStatusDetails(freeAlias).fieldViolations.map((v) => v.field)).toEqual(['target_alias']);
    // The governed alias moves only by promotion and rollback.
    const direct = await failure(rpc('setAlias', { modelName: model, alias: 'champion', version: 3, reason: 'shortcut' }));
    expect(decodeStatusDetails(direct).reason).toBe('GOVERNED_ALIAS');
    expect((await rpc('setAlias', { modelName: model, alias: 'challenger', version: 3, reason: 'shadow it' })).registeredModel?.aliases).toEqual({ champion: 2, challenger: 3 });
  }, 120_000);

  it("follows serving's automatic canary rollback once, as service:serving, and ignores other deployment changes", async () => {
    const model = `flights-${run}-auto-rollback`;
    await createModel(model);
    await rpc('setPromotionPolicy', { modelName: model, content: { $case: 'document', value: POLICY } }, 'root');
    // M is the stable version, N the canary promoted over it; their signatures differ, so the event shows whose it carries.
    const stable = (await register(model, `${model}-m`, { roc_auc: 0.7, log_loss: 0.5 }, 0.2, { signature: SWAPPED_SIGNATURE })).modelVersion!;
    const canary = (await register(model, `${model}-n`, { roc_auc: 0.71, log_loss: 0.5 }, 0.3)).modelVersion!;
    await promoteApproved(model, stable.version);
    await promoteApproved(model, canary.version);
    expect(await champion(model)).toBe(canary.version);

    const producer = probe.client.producer();
    await producer.connect();
    /** Sends the change with a fresh envelope each time (as a redelivery from serving's outbox would) and returns the envelope ids. */
    const send = async (change: eventsV1.DeploymentChanged, times = 1) => {
      const envelopes = Array.from({ length: times }, () => newEnvelope(Events.deploymentChanged));
      await producer.send({
        topic: Events.deploymentChanged.topic,
        messages: envelopes.map((envelope) => ({ key: model, value: Buffer.from(eventsV1.DeploymentChanged.encode(change).finish()), headers: envelopeHeaders(envelope) })),
      });
      return envelopes.map((e) => e.id);
    };
    const processed = (ids: string[]) => eventually(async () => {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM registry.processed_events WHERE consumer_group = 'registry' AND event_id = ANY($1::uuid[])`, [ids]);
      if (rows[0].n < ids.length) throw new Error(`${rows[0].n} of ${ids.length} events processed`);
    }, 30_000);
    const { DeploymentChangeCause } = eventsV1;
    const arms = [{ arm: 'stable', version: stable.version, weight: 0.9 }, { arm: 'canary', version: canary.version, weight: 0.1 }];
    try {
      // Serving starting the canary rollout is its own business: the alias stays.
      const promotion = eventsV1.DeploymentChanged.fromPartial({
        modelName: model, revision: 2, stableVersion: stable.version, arms, cause: DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_PROMOTION, reason: `promote ${canary.version}`, actor: 'service:serving',
      });
      await processed(await send(promotion));
      expect(await champion(model)).toBe(canary.version);

      // The canary regressed and serving rolled it back by itself; the event arrives twice.
      const autoRollback = eventsV1.DeploymentChanged.fromPartial({
        modelName: model, revision: 3, stableVersion: stable.version, arms: [{ arm: 'stable', version: stable.version, weight: 1 }],
        cause: DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_AUTO_ROLLBACK, reason: 'canary error rate regressed', actor: 'service:serving', rolledBackVersion: canary.version,
        checks: [
          { metric: 'error_rate', canaryValue: 0.12, stableValue: 0.01, limit: 0.02, passed: false },
          { metric: 'latency_p99_ms', canaryValue: 11, stableValue: 10, limit: 12, passed: true },
        ],
      });
      const ids = await send(autoRollback, 2);
      await eventually(async () => expect(await champion(model)).toBe(stable.version), 30_000);
      await processed(ids);

      // A later deployment change with another cause (here a rollout step) changes nothing either.
      await processed(await send(eventsV1.DeploymentChanged.fromPartial({ ...promotion, revision: 4, cause: DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_ROLLOUT_STEP })));
      expect(await champion(model)).toBe(stable.version);
    } finally {
      await producer.disconnect();
    }

    const [event] = await eventually(() => {
      const found = rolledBackEvents(model);
      if (found.length === 0) throw new Error('no rollback event yet');
      return found;
    }, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // room for a duplicate to show up, were there one
    expect(rolledBackEvents(model)).toHaveLength(1);
    const reason = `serving rolled back the canary: canary error rate regressed; failed checks: error_rate 0.12 (stable 0.01, limit 0.02)`;
    expect(event).toMatchObject({ alias: 'champion', fromVersion: canary.version, toVersion: stable.version, actor: 'service:serving', reason, canaryRollbackRequestId: '' });
    expect(event.artifact?.digest).toBe(stable.artifact!.digest);
    expect(event.signature?.inputs).toEqual(stable.signature!.inputs);
    expect(event.signature?.inputs.map((i) => i.name)).toEqual(['origin', 'distance']);

    const audit = (await rpc('listAuditLog', pb.ListAuditLogRequest.fromPartial({ modelName: model, action: 'rollback' }), 'vic')).entries;
    expect(audit.map((e) => [e.actor, e.version, e.reason, e.before, e.after])).toEqual([
      ['service:serving', stable.version, reason, { alias: 'champion', version: canary.version }, { alias: 'champion', version: stable.version }],
    ]);
    const stages = (await rpc('listModelVersions', pb.ListModelVersionsRequest.fromPartial({ modelName: model }), 'vic')).modelVersions.map((v) => [v.version, v.stage]);
    expect(stages).toEqual([[canary.version, pb.ModelStage.MODEL_STAGE_ARCHIVED], [stable.version, pb.ModelStage.MODEL_STAGE_PRODUCTION]]);
  }, 120_000);

  it('records every change in a hash chain that detects an edited or deleted row', async () => {
    const model = `flights-${run}-audit`;
    await createModel(model);
    const { modelVersion } = await register(model, `${model}-1`, { roc_auc: 0.7 });
    await rpc('setModelVersionTags', { modelName: model, version: modelVersion!.version, tags: { reviewed: 'yes' }, deleteKeys: [] });
    const entries = (await rpc('listAuditLog', pb.ListAuditLogRequest.fromPartial({ modelName: model }), 'vic')).entries;
    expect(entries.map((e) => [e.action, e.actor])).toEqual([['registered_model.create', 'alice'], ['model_version.create', 'alice'], ['model_version.tags', 'alice']]);
    expect(entries[2].after).toEqual({ tags: { reviewed: 'yes' } });
    const [from, to] = [entries[0].sequence, entries[2].sequence];
    const verify = () => rpc('verifyAuditLog', { fromSequence: from, toSequence: to }, 'vic');
    expect(await verify()).toMatchObject({ valid: true, entriesChecked: 3, firstInvalidSequence: 0, headHash: entries[2].hash });

    // The database refuses edits; an attacker who disables the trigger is caught by the chain.
    await expect(db.query(`UPDATE registry.audit_log SET reason = 'x' WHERE sequence = $1`, [entries[1].sequence])).rejects.toThrow('append-only');
    const tamper = async (sql: string, params: unknown[]) => {
      await db.query('ALTER TABLE registry.audit_log DISABLE TRIGGER audit_log_append_only');
      try {
        await db.query(sql, params);
      } finally {
        await db.query('ALTER TABLE registry.audit_log ENABLE TRIGGER audit_log_append_only');
      }
    };
    const original = (await db.query<{ after: unknown }>('SELECT after FROM registry.audit_log WHERE sequence = $1', [entries[1].sequence])).rows[0].after;
    try {
      await tamper(`UPDATE registry.audit_log SET after = jsonb_set(after, '{metrics,roc_auc}', '0.99') WHERE sequence = $1`, [entries[1].sequence]);
      expect(await verify()).toMatchObject({ valid: false, firstInvalidSequence: entries[1].sequence, message: expect.stringContaining('altered') });
    } finally {
      await tamper('UPDATE registry.audit_log SET after = $2 WHERE sequence = $1', [entries[1].sequence, JSON.stringify(original)]);
    }
    expect((await verify()).valid).toBe(true);

    const row = (await db.query('SELECT * FROM registry.audit_log WHERE sequence = $1', [entries[1].sequence])).rows[0] as Record<string, unknown>;
    try {
      await tamper('DELETE FROM registry.audit_log WHERE sequence = $1', [entries[1].sequence]);
      expect(await verify()).toMatchObject({ valid: false, firstInvalidSequence: entries[1].sequence, message: expect.stringContaining('missing') });
    } finally {
      const columns = Object.keys(row);
      await tamper(`INSERT INTO registry.audit_log (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, columns.map((c) => (typeof row[c] === 'object' && !(row[c] instanceof Date) && row[c] !== null ? JSON.stringify(row[c]) : row[c])));
    }
    expect((await verify()).valid).toBe(true);
  }, 60_000);

  it('verifies artifacts on every read: a byte changed on disk is refused with DATA_LOSS', async () => {
    const content = modelBytes(0.42);
    const stored = await upload(content);
    expect([stored.artifact?.sizeBytes, stored.alreadyExisted, (await upload(content)).alreadyExisted]).toEqual([content.length, false, true]);
    const fetched = await download(stored.artifact!.digest);
    expect([fetched.header?.digest, Buffer.compare(fetched.content, content)]).toEqual([stored.artifact!.digest, 0]);
    const wrongDigest = await failure(upload(content, { expectedDigest: `sha256:${'1'.repeat(64)}` }));
    expect(wrongDigest.code).toBe(grpc.status.DATA_LOSS);

    const file = join(STORE, 'sha256', stored.artifact!.digest.slice('sha256:'.length));
    const corrupted = Buffer.from(readFileSync(file));
    corrupted[corrupted.length - 5] ^= 0xff;
    writeFileSync(file, corrupted);
    const refused = await failure(download(stored.artifact!.digest));
    expect([refused.code, refused.details]).toEqual([grpc.status.DATA_LOSS, expect.stringContaining('corrupted')]);
    const model = `flights-${run}-corrupt`;
    await createModel(model);
    const registration = await failure(rpc('createModelVersion', pb.CreateModelVersionRequest.fromPartial({ requestId: 'r1', modelName: model, artifact: stored.artifact, signature: SIGNATURE })));
    expect(registration.code).toBe(grpc.status.DATA_LOSS);
  });

  it('answers bad input precisely and keeps no partial state', async () => {
    const model = `flights-${run}-bad`;
    await createModel(model);
    const unknownModel = await failure(rpc('getModelVersion', { modelName: `nope-${run}`, selector: { $case: 'version', value: 1 } }, 'vic'));
    const unknownVersion = await failure(rpc('getModelVersion', { modelName: model, selector: { $case: 'version', value: 9 } }, 'vic'));
    const unknownAlias = await failure(rpc('getModelVersion', { modelName: model, selector: { $case: 'alias', value: 'champion' } }, 'vic'));
    expect([unknownModel, unknownVersion, unknownAlias].map((e) => [e.code, e.details])).toEqual([
      [grpc.status.NOT_FOUND, `registered model "nope-${run}" not found`], [grpc.status.NOT_FOUND, `model "${model}" has no version 9`], [grpc.status.NOT_FOUND, `model "${model}" has no alias "champion"`],
    ]);

    const first = await register(model, 'same-request', { roc_auc: 0.7 }, 0.25);
    const repeat = await register(model, 'same-request', { roc_auc: 0.7 }, 0.25);
    expect([first.created, repeat.created, repeat.modelVersion?.version]).toEqual([true, false, first.modelVersion?.version]);
    const reused = await failure(register(model, 'same-request', { roc_auc: 0.8 }, 0.25));
    expect([reused.code, decodeStatusDetails(reused).reason]).toEqual([grpc.status.ALREADY_EXISTS, 'REQUEST_ID_REUSED']);

    const wrongSignature = commonV1.ModelSignature.fromPartial({ ...SIGNATURE, inputs: [{ name: 'distance', datatype: BYTES, shape: [-1, 1] }, { name: 'dest', datatype: BYTES, shape: [-1, 1] }] });
    const mismatch = await failure(register(model, 'mismatch', { roc_auc: 0.7 }, 0.5, { signature: wrongSignature }));
    expect(decodeStatusDetails(mismatch).fieldViolations).toEqual([
      { field: 'signature.inputs[0].datatype', description: `the model's "distance" is FP32, not BYTES` },
      { field: 'signature.inputs[1].name', description: 'the model has no input "dest" (it has distance, origin)' },
      { field: 'signature.inputs', description: 'the model also needs "origin", which the signature does not declare' },
    ]);
    const notOnnx = await upload(Buffer.from('not a model'));
    const unloadable = await failure(rpc('createModelVersion', pb.CreateModelVersionRequest.fromPartial({ requestId: 'junk', modelName: model, artifact: notOnnx.artifact, signature: SIGNATURE })));
    expect([unloadable.code, decodeStatusDetails(unloadable).fieldViolations[0]?.field]).toEqual([grpc.status.INVALID_ARGUMENT, 'artifact']);
    const invalid = await failure(rpc('createModelVersion', pb.CreateModelVersionRequest.fromPartial({ requestId: '', modelName: model, artifact: { digest: 'md5:x' }, signature: {}, metrics: { auc: Number.NaN } })));
    expect(decodeStatusDetails(invalid).fieldViolations.map((v) => v.field)).toEqual(['request_id', 'artifact.digest', 'signature.inputs', 'signature.outputs', 'metrics[auc]']);

    const policy = await failure(rpc('setPromotionPolicy', { modelName: model, content: { $case: 'document', value: 'gates:\n  - metric: roc_auc\n    floor: high\nrequired_approvals: 0\n' } }, 'root'));
    expect(decodeStatusDetails(policy).fieldViolations).toEqual([{ field: 'document.gates[0].floor', description: expect.stringMatching(/^line 3: .*number/) }]);
    const notAdmin = await failure(rpc('setPromotionPolicy', { modelName: model, content: { $case: 'document', value: 'required_approvals: 2' } }, 'bob'));
    expect(notAdmin.code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await rpc('getPromotionPolicy', { modelName: model }, 'vic')).policy).toMatchObject({ revision: 0, requiredApprovals: 1 });

    const unauthenticated = await failure(new Promise((resolve, reject) => client.getRegisteredModel({ name: model }, (e, r) => (e ? reject(e) : resolve(r)))));
    const forged = await failure(rpc('getRegisteredModel', { name: model }, 'mallory'));
    expect([unauthenticated, forged].map((e) => [e.code, decodeStatusDetails(e).reason])).toEqual([[grpc.status.UNAUTHENTICATED, 'TOKEN_MISSING'], [grpc.status.UNAUTHENTICATED, 'TOKEN_INVALID']]);
    const viewerWrites = await failure(rpc('createRegisteredModel', { name: `${model}-y`, description: '', owner: '', tags: {}, task: 0 }, 'vic'));
    expect(viewerWrites.code).toBe(grpc.status.PERMISSION_DENIED);

    // Only the one good registration left a version and an audit entry behind.
    const versions = (await rpc('listModelVersions', pb.ListModelVersionsRequest.fromPartial({ modelName: model }), 'vic')).modelVersions;
    expect(versions.map((v) => v.requestId)).toEqual(['same-request']);
    const audit = (await rpc('listAuditLog', pb.ListAuditLogRequest.fromPartial({ modelName: model }), 'vic')).entries.map((e) => e.action);
    expect(audit).toEqual(['registered_model.create', 'model_version.create']);
  });
});
