import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { issueToken } from '@mlops/auth';
import { decodeStatusDetails } from '@mlops/grpc';
import { commonV1, monitoringV1, registryV1 } from '@mlops/proto';
import { eventually, healthStatus, infrastructure, listServicesByReflection, OtlpReceiver, ServiceProcess } from '@mlops/testing';

const WORKSPACE = join(__dirname, '..');
// Ports apart from the defaults, so a platform started with `npm start` can keep running.
const SERVICES = { ingestion: 21051, feature: 21052, training: 21053, registry: 21054, serving: 21055, monitoring: 21056 } as const;
const API = {
  ingestion: ['mlops.ingestion.v1.IngestionService'],
  feature: ['mlops.feature.v1.FeatureService'],
  training: ['mlops.training.v1.TrainingService'],
  registry: ['mlops.registry.v1.RegistryService'],
  serving: ['inference.GRPCInferenceService', 'mlops.serving.v1.ServingService'],
  monitoring: ['mlops.monitoring.v1.MonitoringService'],
};
const SPAN_KIND = { SERVER: 2, PRODUCER: 4, CONSUMER: 5 };
const AUTH_TOKEN_SECRET = randomBytes(32).toString('hex');

type Callback<T> = (error: grpc.ServiceError | null, response: T) => void;
const call = <T>(invoke: (cb: Callback<T>) => unknown) =>
  new Promise<T>((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response))));
const rejection = (promise: Promise<unknown>) => promise.then(() => Promise.reject(new Error('expected the call to fail')), (e: grpc.ServiceError) => e);

describe('platform smoke test: six services as separate processes on the real Kafka and PostgreSQL', () => {
  const infra = infrastructure();
  const receiver = new OtlpReceiver();
  const processes = new Map<string, ServiceProcess>();
  const modelName = `smoke-${Date.now().toString(36)}`;
  let registry: registryV1.RegistryServiceClient;
  let monitoring: monitoringV1.MonitoringServiceClient;
  const contributor = new grpc.Metadata();

  beforeAll(async () => {
    contributor.set('authorization', `Bearer ${await issueToken({ secret: AUTH_TOKEN_SECRET, subject: 'smoke', roles: ['contributor'] })}`);
    const endpoint = await receiver.start();
    for (const [name, grpcPort] of Object.entries(SERVICES)) {
      const service = new ServiceProcess({
        name,
        grpcPort,
        workspaceRoot: WORKSPACE,
        env: { ...receiver.env(endpoint), KAFKA_BROKERS: infra.kafkaBrokers.join(','), DATABASE_URL: infra.databaseUrl, METRICS_PORT: String(grpcPort - 12_000), LOG_LEVEL: 'info', AUTH_TOKEN_SECRET },
      });
      processes.set(name, service.start());
    }
    await Promise.all([...processes.values()].map((p) => p.waitUntilServing()));
    registry = new registryV1.RegistryServiceClient(`127.0.0.1:${SERVICES.registry}`, grpc.credentials.createInsecure());
    monitoring = new monitoringV1.MonitoringServiceClient(`127.0.0.1:${SERVICES.monitoring}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    registry?.close();
    monitoring?.close();
    await Promise.all([...processes.values()].map((p) => p.stop()));
    await receiver.stop();
  });

  it('serves standard health and reflection on every service', async () => {
    for (const [name, port] of Object.entries(SERVICES) as [keyof typeof SERVICES, number][]) {
      expect({ name, overall: await healthStatus(port) }).toEqual({ name, overall: 'SERVING' });
      for (const api of API[name]) expect({ api, status: await healthStatus(port, api) }).toEqual({ api, status: 'SERVING' });
      expect(await listServicesByReflection(port)).toEqual([...API[name], 'grpc.health.v1.Health'].sort());
    }
  });

  it('carries one gRPC call through the outbox and Kafka into another service, in one trace', async () => {
    const response = await call<registryV1.CreateRegisteredModelResponse>((cb) =>
      registry.createRegisteredModel({ name: modelName, description: 'smoke test', owner: 'e2e', tags: { suite: 'smoke' }, task: commonV1.TaskType.TASK_TYPE_BINARY_CLASSIFICATION }, contributor, cb),
    );
    expect(response.registeredModel?.name).toBe(modelName);

    // The monitoring service learned of the model from the registry's event, through its own consumer.
    const known = await eventually(async () => {
      const page = await call<monitoringV1.ListMonitoredModelsResponse>((cb) => monitoring.listMonitoredModels({ page: { pageSize: 1000, pageToken: '' } }, cb));
      const model = page.models.find((m) => m.name === modelName);
      if (!model) throw new Error('not consumed yet');
      return model;
    }, 30_000);
    expect(known.task).toBe(commonV1.TaskType.TASK_TYPE_BINARY_CLASSIFICATION);
    expect(known.registeredAt?.getTime()).toBe(response.registeredModel?.createdAt?.getTime());

    // One trace spans the gRPC call (registry), the produce (registry's relay) and the consume (monitoring).
    const spans = await eventually(() => {
      const server = receiver.spans.find((s) => s.service === 'registry' && s.kind === SPAN_KIND.SERVER && s.name.endsWith('RegistryService/CreateRegisteredModel'));
      if (!server) throw new Error('no server span yet');
      const inTrace = receiver.spans.filter((s) => s.traceId === server.traceId);
      const producer = inTrace.find((s) => s.service === 'registry' && s.kind === SPAN_KIND.PRODUCER);
      const consumer = inTrace.find((s) => s.service === 'monitoring' && s.kind === SPAN_KIND.CONSUMER);
      if (!producer || !consumer) throw new Error(`trace ${server.traceId} has ${inTrace.map((s) => `${s.service}:${s.name}`).join(', ')}`);
      return { server, producer, consumer };
    }, 30_000);
    expect(spans.producer.traceId).toBe(spans.server.traceId);
    expect(spans.consumer.traceId).toBe(spans.server.traceId);
    expect(spans.producer.name).toContain('registry.model.created.v1');
    expect(spans.consumer.name).toContain('registry.model.created.v1');
  });

  it('answers bad input with precise statuses', async () => {
    const invalid = await rejection(call((cb) => registry.createRegisteredModel({ name: 'bad name!', description: '', owner: '', tags: {}, task: 0 }, contributor, cb)));
    expect(decodeStatusDetails(invalid)).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, fieldViolations: [{ field: 'name' }] });

    const duplicate = await rejection(call((cb) => registry.createRegisteredModel({ name: modelName, description: '', owner: '', tags: {}, task: 0 }, contributor, cb)));
    expect(duplicate.code).toBe(grpc.status.ALREADY_EXISTS);

    const missing = await rejection(call((cb) => registry.getRegisteredModel({ name: 'no-such-model' }, contributor, cb)));
    expect(missing.code).toBe(grpc.status.NOT_FOUND);

    const anonymous = await rejection(call((cb) => registry.getRegisteredModel({ name: modelName }, cb)));
    expect([anonymous.code, decodeStatusDetails(anonymous).reason]).toEqual([grpc.status.UNAUTHENTICATED, 'TOKEN_MISSING']);
  });

  it('exposes Prometheus metrics that count the calls made', async () => {
    const text = await (await fetch(`http://127.0.0.1:${SERVICES.registry - 12_000}/metrics`)).text();
    expect(text).toMatch(/rpc_server_call_duration_count\{[^}]*rpc_method="\/mlops\.registry\.v1\.RegistryService\/CreateRegisteredModel"[^}]*rpc_grpc_status_code="0"[^}]*\} [1-9]/);
    // Buckets sized for seconds: a fast call lands below a millisecond-scale boundary, not in one catch-all.
    expect(text).toMatch(/rpc_server_call_duration_bucket\{[^}]*le="0.001"[^}]*\} \d/);
    expect(text).toMatch(/outbox_events_published_total\{[^}]*schema="registry"[^}]*\} [1-9]/);
  });

  it('stops gracefully on SIGTERM', async () => {
    const exitCodes = await Promise.all([...processes.values()].map((p) => p.stop()));
    expect(exitCodes).toEqual([0, 0, 0, 0, 0, 0]);
    const log = readFileSync(processes.get('monitoring')!.logFile, 'utf8');
    expect(log).toContain('"msg":"stopped"');
  });
});

describe('service start-up with bad settings or missing dependencies', () => {
  const infra = infrastructure();

  it('exits at once naming a malformed setting', async () => {
    const service = new ServiceProcess({ name: 'training', grpcPort: 21153, workspaceRoot: WORKSPACE, env: { KAFKA_BROKERS: infra.kafkaBrokers.join(','), DATABASE_URL: infra.databaseUrl, METRICS_PORT: 'ninety' } });
    expect(await service.start().exitPromise).toBe(78);
    expect(readFileSync(service.logFile, 'utf8')).toMatch(/invalid setting METRICS_PORT/);
  });

  it('reports NOT_SERVING instead of crashing while its database is down, and still stops cleanly', async () => {
    const service = new ServiceProcess({
      name: 'feature',
      grpcPort: 21152,
      workspaceRoot: WORKSPACE,
      env: { KAFKA_BROKERS: infra.kafkaBrokers.join(','), DATABASE_URL: 'postgres://mlops:mlops@127.0.0.1:1/mlops', METRICS_PORT: '9252' },
    }).start();
    const status = await eventually(() => healthStatus(21152), 30_000);
    expect(status).toBe('NOT_SERVING');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await healthStatus(21152)).toBe('NOT_SERVING');
    expect(readFileSync(service.logFile, 'utf8')).toContain('database unavailable; retrying');
    expect(await service.stop()).toBe(0);
  });
});
