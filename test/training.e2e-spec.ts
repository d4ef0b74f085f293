import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { decodeStatusDetails } from '@mlops/grpc';
import { trainingV1 as pb } from '@mlops/proto';
import { infrastructure, ServiceProcess } from '@mlops/testing';
import { call, failure } from './support/grpc';

const WORKSPACE = join(__dirname, '..');
const PORT = 21353;
const ARTIFACTS = join(mkdtempSync(join(tmpdir(), 'mlops-artifacts-')), 'store');

describe('experiment tracking (real PostgreSQL and service process)', () => {
  const infra = infrastructure();
  const run = randomBytes(3).toString('hex');
  const training = new ServiceProcess({
    name: 'training',
    grpcPort: PORT,
    workspaceRoot: WORKSPACE,
    env: { KAFKA_BROKERS: infra.kafkaBrokers.join(','), DATABASE_URL: infra.databaseUrl, METRICS_PORT: String(PORT - 12_000), LOG_LEVEL: 'warn', ARTIFACT_STORE: ARTIFACTS },
  });
  let client: pb.TrainingServiceClient;
  let experimentId: string;

  beforeAll(async () => {
    training.start();
    await training.waitUntilServing();
    client = new pb.TrainingServiceClient(`127.0.0.1:${PORT}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await training.stop();
  });

  const newRun = async (name: string) => (await call<pb.CreateRunResponse>((cb) => client.createRun(pb.CreateRunRequest.fromPartial({ experimentId, name, seed: 42, codeVersion: { commit: 'abc123', repository: 'git@example:mlops', dirty: false } }), cb))).run!;
  const metric = (key: string, value: number, step = 0) => ({ key, value, step, time: undefined });

  it('creates an experiment once, found by id and by name', async () => {
    const { experiment } = await call<pb.CreateExperimentResponse>((cb) => client.createExperiment({ name: `delays-${run}`, description: 'flight delays', tags: { team: 'ops' } }, cb));
    experimentId = experiment!.experimentId;
    const byName = await call<pb.GetExperimentResponse>((cb) => client.getExperiment({ key: { $case: 'name', value: `delays-${run}` } }, cb));
    expect(byName.experiment).toEqual(experiment);
    const again = await failure(call((cb) => client.createExperiment({ name: `delays-${run}`, description: '', tags: {} }, cb)));
    expect(again.code).toBe(grpc.status.ALREADY_EXISTS);
  });

  it('records params once, metrics by step, tags, and what the run came from', async () => {
    const r = await newRun('gbdt-a');
    await call((cb) => client.logParams({ runId: r.runId, params: { trainer: 'gbdt', max_depth: '6' } }, cb));
    // Twelve steps: ordered as text, step 9 would come after 12.
    for (let step = 1; step <= 12; step++) await call((cb) => client.logMetric({ runId: r.runId, metric: metric('val_log_loss', 1 / step, step) }, cb));
    await call((cb) => client.logBatch({ runId: r.runId, params: { learning_rate: '0.1' }, metrics: [metric('roc_auc', 0.64)], tags: { stage: 'candidate' } }, cb));

    const { run: got } = await call<pb.GetRunResponse>((cb) => client.getRun({ runId: r.runId }, cb));
    expect(got!.params).toEqual({ trainer: 'gbdt', max_depth: '6', learning_rate: '0.1' });
    expect(got!.metrics.map((m) => [m.key, m.value, m.step])).toEqual([['roc_auc', 0.64, 0], ['val_log_loss', 1 / 12, 12]]);
    expect(got!.tags).toEqual({ stage: 'candidate' });
    expect([got!.seed, got!.codeVersion?.commit, got!.status]).toEqual([42, 'abc123', pb.RunStatus.RUN_STATUS_RUNNING]);

    const history = await call<pb.GetMetricHistoryResponse>((cb) => client.getMetricHistory({ runId: r.runId, key: 'val_log_loss', page: { pageSize: 8, pageToken: '' } }, cb));
    expect(history.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const rest = await call<pb.GetMetricHistoryResponse>((cb) => client.getMetricHistory({ runId: r.runId, key: 'val_log_loss', page: { pageSize: 8, pageToken: history.page!.nextPageToken } }, cb));
    expect(rest.metrics.map((m) => m.step)).toEqual([9, 10, 11, 12]);

    const clash = await failure(call((cb) => client.logParams({ runId: r.runId, params: { max_depth: '8' } }, cb)));
    expect([clash.code, decodeStatusDetails(clash).fieldViolations[0].field]).toEqual([grpc.status.INVALID_ARGUMENT, 'params.max_depth']);
    const unchanged = await call<pb.GetRunResponse>((cb) => client.getRun({ runId: r.runId }, cb));
    expect(unchanged.run!.params.max_depth).toBe('6');
  });

  it('searches runs by metrics, params and attributes, sorted, and compares them side by side', async () => {
    const b = await newRun('logistic-b');
    await call((cb) => client.logBatch({ runId: b.runId, params: { trainer: 'logistic' }, metrics: [metric('roc_auc', 0.62)], tags: {} }, cb));
    const c = await newRun('gbdt-c');
    await call((cb) => client.logBatch({ runId: c.runId, params: { trainer: 'gbdt' }, metrics: [metric('roc_auc', 0.66)], tags: {} }, cb));
    await call((cb) => client.endRun({ runId: c.runId, status: pb.RunStatus.RUN_STATUS_SUCCEEDED, endTime: undefined, failureMessage: '' }, cb));

    const search = (filter: string, orderBy: string[] = []) => call<pb.SearchRunsResponse>((cb) => client.searchRuns({ experimentIds: [experimentId], filter, orderBy, page: undefined }, cb));
    expect((await search("params.trainer = 'gbdt'", ['metrics.roc_auc DESC'])).runs.map((x) => x.name)).toEqual(['gbdt-c', 'gbdt-a']);
    expect((await search('metrics.roc_auc > 0.63')).runs.map((x) => x.name).sort()).toEqual(['gbdt-a', 'gbdt-c']);
    expect((await search("attributes.status = 'SUCCEEDED'")).runs.map((x) => x.name)).toEqual(['gbdt-c']);
    expect((await search('', ['metrics.roc_auc ASC'])).runs.map((x) => x.name)).toEqual(['logistic-b', 'gbdt-a', 'gbdt-c']);

    const compared = await call<pb.CompareRunsResponse>((cb) => client.compareRuns({ runIds: [b.runId, c.runId], metricKeys: ['roc_auc'], paramKeys: ['trainer'] }, cb));
    expect(compared.rows.map((row) => [row.key, row.cells.map((cell) => cell.value), row.differs])).toEqual([
      ['trainer', ['logistic', 'gbdt'], true],
      ['roc_auc', ['0.62', '0.66'], true],
    ]);
  });

  it('stores artifacts content-addressed, checked against the declared digest, immutable per path', async () => {
    const r = await newRun('with-artifacts');
    const content = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    const upload = (path: string, bytes: Buffer, expectedDigest = '') =>
      new Promise<pb.LogArtifactResponse>((resolve, reject) => {
        const stream = client.logArtifact((error, response) => (error ? reject(error) : resolve(response)));
        stream.write({ message: { $case: 'header', value: { runId: r.runId, path, mediaType: 'application/onnx', sizeBytes: bytes.length, expectedDigest } } });
        for (let i = 0; i < bytes.length; i += 64 * 1024) stream.write({ message: { $case: 'chunk', value: bytes.subarray(i, i + 64 * 1024) } });
        stream.end();
      });

    const { artifact } = await upload('model/model.onnx', content, digest);
    expect(artifact?.artifact).toMatchObject({ digest, sizeBytes: content.length, mediaType: 'application/onnx' });
    const stored = join(ARTIFACTS, 'sha256', digest.slice('sha256:'.length));
    expect(readFileSync(stored).equals(content)).toBe(true);
    expect((await upload('model/model.onnx', content)).artifact?.artifact?.digest).toBe(digest);
    expect((await call<pb.GetRunResponse>((cb) => client.getRun({ runId: r.runId }, cb))).run!.artifacts.map((a) => [a.path, a.artifact?.digest])).toEqual([['model/model.onnx', digest]]);

    const taken = await failure(upload('model/model.onnx', Buffer.from('other bytes')));
    expect(taken.code).toBe(grpc.status.ALREADY_EXISTS);
    const corrupted = await failure(upload('model/other.onnx', content, `sha256:${'0'.repeat(64)}`));
    expect([corrupted.code, decodeStatusDetails(corrupted).fieldViolations[0].field]).toEqual([grpc.status.INVALID_ARGUMENT, 'header.expected_digest']);
    const escaping = await failure(upload('../outside', content));
    expect(escaping.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(existsSync(join(ARTIFACTS, '..', 'outside'))).toBe(false);
  });

  it('answers bad input with precise statuses', async () => {
    const ended = (await call<pb.SearchRunsResponse>((cb) => client.searchRuns({ experimentIds: [experimentId], filter: "attributes.status = 'SUCCEEDED'", orderBy: [], page: undefined }, cb))).runs[0];
    const late = await failure(call((cb) => client.logMetric({ runId: ended.runId, metric: metric('roc_auc', 0.7) }, cb)));
    expect(late.code).toBe(grpc.status.FAILED_PRECONDITION);

    const badFilter = await failure(call((cb) => client.searchRuns({ experimentIds: [experimentId], filter: "metrics.roc_auc > 'high'", orderBy: [], page: undefined }, cb)));
    expect([badFilter.code, decodeStatusDetails(badFilter).fieldViolations[0].field]).toEqual([grpc.status.INVALID_ARGUMENT, 'filter']);

    const unknown = await failure(call((cb) => client.getRun({ runId: '00000000-0000-0000-0000-000000000000' }, cb)));
    expect(unknown.code).toBe(grpc.status.NOT_FOUND);
    const noExperiment = await failure(call((cb) => client.createRun(pb.CreateRunRequest.fromPartial({ experimentId: 'nope' }), cb)));
    expect(noExperiment.code).toBe(grpc.status.NOT_FOUND);

    const r = await newRun('infinite');
    const infinite = await failure(call((cb) => client.logMetric({ runId: r.runId, metric: metric('loss', Number.POSITIVE_INFINITY) }, cb)));
    expect([infinite.code, decodeStatusDetails(infinite).fieldViolations[0].field]).toEqual([grpc.status.INVALID_ARGUMENT, 'metrics[0].value']);
  });
});
