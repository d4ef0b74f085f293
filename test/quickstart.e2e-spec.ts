import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Client } from 'pg';
import { Events } from '@mlops/events';
import { eventsV1, ingestionV1, servingV1 } from '@mlops/proto';
import { eventually, infrastructure, KafkaProbe, OtlpReceiver, ServiceProcess } from '@mlops/testing';
import { runCli } from './support/cli';
import { call } from './support/grpc';

const WORKSPACE = join(__dirname, '..');
const PORTS = { ingestion: 21851, feature: 21852, training: 21853, registry: 21854, serving: 21855, monitoring: 21856 } as const;
const SECRET = randomBytes(32).toString('hex');
const STORE = join(mkdtempSync(join(tmpdir(), 'mlops-quickstart-')), 'store');
const ADDRESSES = Object.entries(PORTS).flatMap(([service, port]) => [`--${service}-address`, `127.0.0.1:${port}`]);
const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3, CONSUMER: 5 };

/** Every lifecycle event the loop goes through, read back from Kafka by the test's own consumer. */
const LIFECYCLE = [
  Events.contractApplied, Events.recordsQuarantined, Events.snapshotCreated, Events.featureDefinitionsApplied, Events.materializationCompleted,
  Events.trainingRunStarted, Events.trainingRunCompleted, Events.modelVersionRegistered, Events.modelPromoted, Events.modelRolledBack,
  Events.deploymentChanged, Events.alertFired, Events.retrainRequested,
];

describe('the quickstart on six service processes: the whole loop on real flights', () => {
  const infra = infrastructure();
  const receiver = new OtlpReceiver();
  const probe = new KafkaProbe(infra.kafkaBrokers);
  const address = (service: keyof typeof PORTS) => `127.0.0.1:${PORTS[service]}`;
  let services: ServiceProcess[] = [];
  const db = new Client({ connectionString: infra.databaseUrl });

  const mlops = (...args: string[]) => runCli([...ADDRESSES, ...args], { AUTH_TOKEN_SECRET: SECRET, KAFKA_BROKERS: infra.kafkaBrokers.join(','), MLOPS_TOKEN: '' }, 600_000);
  const json = async <T>(...args: string[]): Promise<T> => {
    const result = await mlops('--json', ...args);
    if (result.code !== 0) throw new Error(`mlops ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  };

  beforeAll(async () => {
    await db.connect();
    // Deployments left by earlier runs name artifacts in their own stores: serving would try to load them.
    if ((await db.query("SELECT to_regclass('serving.deployments') AS t")).rows[0].t) await db.query('TRUNCATE serving.deployments, serving.deployment_history, serving.servable_versions');
    const otlp = receiver.env(await receiver.start());
    services = Object.entries(PORTS).map(
      ([name, port]) =>
        new ServiceProcess({
          name, grpcPort: port, workspaceRoot: WORKSPACE,
          env: {
            KAFKA_BROKERS: infra.kafkaBrokers.join(','), DATABASE_URL: infra.databaseUrl, METRICS_PORT: String(port - 12_000), LOG_LEVEL: 'warn', AUTH_TOKEN_SECRET: SECRET, ARTIFACT_STORE: STORE,
            INGESTION_ADDRESS: address('ingestion'), FEATURE_ADDRESS: address('feature'), REGISTRY_ADDRESS: address('registry'), TRAINING_WORK_DIR: join(STORE, '..', 'work'),
            SOURCE_RECONCILE_INTERVAL_MS: '300', TRAINING_POLL_INTERVAL_MS: '200', SERVING_SYNC_INTERVAL_MS: '300', MONITORING_EVALUATION_INTERVAL_MS: '500', ...otlp,
          },
        }),
    );
    for (const service of services) service.start();
    await Promise.all(services.map((service) => service.waitUntilServing()));
    await probe.start(LIFECYCLE.map((e) => e.topic), { fromBeginning: false });
  }, 180_000);

  afterAll(async () => {
    await probe.stop();
    await Promise.all(services.map((service) => service.stop()));
    await receiver.stop();
    await db.end();
  });

  it('replays January–June through the platform: first model by people, then drift, retrain, gates and canary by the services themselves', async () => {
    const run = await mlops('quickstart', '--every', '40');
    if (run.code !== 0) throw new Error(`the quickstart exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
    const out = run.stdout;
    const model = /registered (flights-delay-(\w+)) v1 from the run/.exec(out)?.[1] ?? '';
    const suffix = model.replace('flights-delay-', '');
    const dataset = `flights_${suffix}`;
    expect(model).toMatch(/^flights-delay-[0-9a-f]{6}$/);

    // What the user reads, step by step.
    const stored = /contract validation: (\d+) stored, (\d+) quarantined/.exec(out);
    expect(Number(stored?.[2])).toBe(3);
    expect(out).toMatch(new RegExp(`feature definitions applied: create airport_${suffix}, create origin_delays_${suffix}, create flight_delays_${suffix}`));
    const airports = Number(/materialized: the online store holds every airport's features as of its latest flight, checked against the flights sent: all (\d+) airports match/.exec(out)?.[1]);
    expect(airports).toBeGreaterThan(100);
    expect(out).toMatch(/stage: done/);
    expect(out).toMatch(/first prediction: \w+ → \w+, \d+ miles.*\d+ flights from \w+ in the past day, -?[\d.]+ min mean delay over the week \(online store\): P\(delay > 15 min\) = 0\.\d{3} \(v1, arm stable\)/);
    expect(Number(/time to first prediction: ([\d.]+) s/.exec(out)?.[1])).toBeGreaterThan(0);
    expect(out).toMatch(/event monitoring\.alert\.fired: alert darkness_drift fired on v1/);
    const end = /the loop closed: v2 was retrained on drift(?:, passed its gates, went through its canary and is the champion| and rolled out as a canary, which the evidence rolled back)/.exec(out)?.[0];
    expect(end).toBeDefined();
    const promoted = end!.endsWith('is the champion');

    const [winter, spring] = [/replaying ([\d,]+) January–February flights/, /(?:March|April|May|June): [\d,]+ predictions served \([^)]*\), then the ([\d,]+) flights ingested/g].map((re) =>
      [...out.matchAll(new RegExp(re, 'g'))].reduce((sum, m) => sum + Number(m[1].replaceAll(',', '')), 0),
    );

    // Every lifecycle event, in causal order, as the services published them.
    const events = <T>(definition: (typeof LIFECYCLE)[number], keep: (payload: T) => boolean) =>
      probe.on(definition.topic).map((m) => ({ at: Number(m.timestamp), payload: definition.codec.decode(m.value!) as T })).filter((e) => keep(e.payload));
    const quarantined = events<eventsV1.RecordsQuarantined>(Events.recordsQuarantined, (e) => e.dataset === dataset);
    expect(quarantined.reduce((sum, e) => sum + e.payload.quarantined, 0)).toBe(3);
    expect(events<eventsV1.ContractApplied>(Events.contractApplied, (e) => e.dataset === dataset)).toHaveLength(1);
    // January–February, then a nightly snapshot after each of March–June.
    const snapshots = events<eventsV1.SnapshotCreated>(Events.snapshotCreated, (e) => e.dataset === dataset);
    expect(snapshots.map((s) => s.payload.eventTimeRange?.end?.toISOString().slice(0, 7))).toEqual(['2001-02', '2001-03', '2001-04', '2001-05', '2001-06']);
    const definitions = events<eventsV1.FeatureDefinitionsApplied>(Events.featureDefinitionsApplied, (e) => e.definitions.some((d) => d.name === `origin_delays_${suffix}`));
    expect(definitions).toHaveLength(1);
    // Applying the new view materialized it from the offline store (as far as ingestion's events had reached it): at most one value set per airport.
    const batchJob = events<eventsV1.MaterializationCompleted>(Events.materializationCompleted, (e) => e.mode === eventsV1.MaterializationMode.MATERIALIZATION_MODE_BATCH && e.featureViews.some((v) => v.name === `origin_delays_${suffix}`));
    expect(batchJob).toHaveLength(1);
    expect(batchJob[0].payload.rowsRead).toBeGreaterThan(0);
    expect(batchJob[0].payload.rowsRead).toBeLessThanOrEqual(winter);
    expect(batchJob[0].payload.valuesWritten).toBeLessThanOrEqual(airports);

    const completed = events<eventsV1.TrainingRunCompleted>(Events.trainingRunCompleted, (e) => e.modelName === model);
    expect(completed).toHaveLength(2);
    const [firstRun, retrainRun] = completed;
    expect(firstRun.payload.lineage?.featureService?.name).toBe(`flight_delays_${suffix}`);
    const alerts = events<eventsV1.AlertFired>(Events.alertFired, (e) => e.modelName === model && e.modelVersion === 1);
    const retrains = events<eventsV1.RetrainRequested>(Events.retrainRequested, (e) => e.modelName === model);
    expect(retrains).toHaveLength(1);
    expect(retrains[0].payload).toMatchObject({ baseRunId: firstRun.payload.runId, modelVersion: 1, alertIds: [alerts[0].payload.alertId], ruleNames: ['darkness_drift'] });
    expect(retrainRun.payload.retrainRequestId).toBe(retrains[0].payload.retrainRequestId);
    // The retrain scored the first run's model on its own test rows, and the registry gated v2 against that score.
    expect([retrainRun.payload.lineage?.baselineRunId, typeof retrainRun.payload.metrics['baseline.roc_auc']]).toEqual([firstRun.payload.runId, 'number']);
    expect(out).toMatch(new RegExp(`registry gates for v2 \\(checked when it was registered\\): roc_auc [\\d.]+ >= champion ${Number(retrainRun.payload.metrics['baseline.roc_auc'].toPrecision(6))} on the same test rows - 0.05`));
    const started = events<eventsV1.TrainingRunStarted>(Events.trainingRunStarted, (e) => e.runId === retrainRun.payload.runId);
    // The retrain read a snapshot with spring in it (the newest when it fetched), not the first run's January–February.
    const read = snapshots.findIndex((s) => s.payload.snapshotId === retrainRun.payload.lineage?.datasetSnapshotId);
    expect(read).toBeGreaterThan(0);
    expect(snapshots[read].at).toBeLessThanOrEqual(retrainRun.at);
    expect(started.map((s) => s.payload.startedBy)).toEqual(['monitoring']);

    const versions = events<eventsV1.ModelVersionRegistered>(Events.modelVersionRegistered, (e) => e.modelName === model);
    expect(versions.map((v) => [v.payload.version, v.payload.lineage?.trainingRunId])).toEqual([[1, firstRun.payload.runId], [2, retrainRun.payload.runId]]);
    const promotions = events<eventsV1.ModelPromoted>(Events.modelPromoted, (e) => e.modelName === model);
    expect(promotions.map((p) => [p.payload.version, p.payload.requestedBy, p.payload.approvedBy])).toEqual([[1, 'quickstart:alice', ['quickstart:bob']], [2, 'service:registry', []]]);
    expect(promotions[1].payload.rollout).toMatchObject({ canaryWeight: 0.2, canarySteps: [0.5, 1] });
    const causal = [alerts[0], retrains[0], started[0], retrainRun, promotions[1]].map((e) => e.at);
    expect(causal).toEqual([...causal].sort((a, b) => a - b));

    const deployments = events<eventsV1.DeploymentChanged>(Events.deploymentChanged, (e) => e.modelName === model).map((d) => d.payload);
    const weights = (d: eventsV1.DeploymentChanged) => Object.fromEntries(d.arms.filter((a) => a.weight > 0).map((a) => [`${a.arm} v${a.version}`, a.weight]));
    expect(deployments.map(weights)).toContainEqual({ 'stable v1': 0.8, 'canary v2': 0.2 });
    const last = deployments.at(-1)!;
    if (promoted) {
      expect(deployments.map(weights)).toContainEqual({ 'stable v1': 0.5, 'canary v2': 0.5 });
      expect([last.stableVersion, last.cause, weights(last)]).toEqual([2, eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_ROLLOUT_STEP, { 'stable v2': 1 }]);
    } else {
      // Rolled back by serving's guard (AUTO_ROLLBACK names the version) or, through the registry, on monitoring's judgement.
      const byGuard = last.cause === eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_AUTO_ROLLBACK;
      expect(last.stableVersion).toBe(1);
      expect(byGuard ? last.rolledBackVersion === 2 : last.cause === eventsV1.DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_ROLLBACK).toBe(true);
    }

    // The end state, through the CLI.
    const shown = await json<{ registeredModel: { aliases: Record<string, number> } }>('models', 'show', model);
    expect(shown.registeredModel.aliases.champion).toBe(promoted ? 2 : 1);
    const deployment = await json<{ deployment: { stableVersion: number; canary?: unknown; enrichment: { featureService: { name: string } } } }>('deployment', model);
    expect([deployment.deployment.stableVersion, deployment.deployment.canary, deployment.deployment.enrichment.featureService.name]).toEqual([promoted ? 2 : 1, undefined, `flight_delays_${suffix}`]);

    // Counts that reconcile: ingestion's records, the predictions served, logged and labelled.
    const ingestion = new ingestionV1.IngestionServiceClient(address('ingestion'), grpc.credentials.createInsecure());
    const stats = await call<ingestionV1.GetDatasetStatsResponse>((cb) => ingestion.getDatasetStats(ingestionV1.GetDatasetStatsRequest.fromPartial({ dataset }), cb));
    expect([stats.received, stats.stored, stats.quarantined]).toEqual([winter + spring + 3, winter + spring, 3]);
    const traffic = /traffic: (\d+) predictions served \(([^)]*)\), (\d+) outcomes sent as labels/.exec(out);
    const served = Number(traffic?.[1]);
    const byArm = Object.fromEntries(traffic![2].split(', ').map((part) => [part.split(' ')[0], Number(part.split(' ')[1])]));
    expect(served).toBeGreaterThan(spring);
    expect(Object.values(byArm).reduce((a, b) => a + b, 0)).toBe(served);
    expect(byArm.canary).toBeGreaterThan(0);
    // Every served instance reached monitoring through the prediction log, on the arm that served it; every label but the first prediction's joined.
    await eventually(async () => {
      const { rows } = await db.query<{ arm: string; n: number; labelled: number }>(
        `SELECT s.arm, count(*)::int AS n, count(p.label)::int AS labelled FROM monitoring.predictions p JOIN monitoring.prediction_series s USING (series_id) WHERE s.model_name = $1 GROUP BY s.arm ORDER BY s.arm`,
        [model],
      );
      expect(Object.fromEntries(rows.map((r) => [r.arm, r.n]))).toEqual(byArm);
      expect(rows.reduce((sum, r) => sum + r.labelled, 0)).toBe(Number(traffic?.[3]));
    }, 120_000, 1_000);
    const coverage = await json<{ unmatchedLabels?: string | number }>('labels', model);
    expect(Number(coverage.unmatchedLabels ?? 0)).toBe(0);

    // One trace along a prediction's path: the caller, serving, the online store lookup and its query, the prediction log, monitoring.
    const traceId = randomBytes(16).toString('hex');
    const metadata = new grpc.Metadata();
    metadata.set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
    const requestId = `traced-${suffix}`;
    const instance = { features: { origin: { kind: { $case: 'stringValue' as const, value: 'ORD' } }, destination: { kind: { $case: 'stringValue' as const, value: 'LGA' } }, distance: { kind: { $case: 'doubleValue' as const, value: 733 } }, dark: { kind: { $case: 'doubleValue' as const, value: 0 } } }, entityKey: { joinKeys: { origin: { kind: { $case: 'stringValue' as const, value: 'ORD' } } } } };
    const serving = new servingV1.ServingServiceClient(address('serving'), grpc.credentials.createInsecure());
    const answer = await call<servingV1.PredictResponse>((cb) => serving.predict(servingV1.PredictRequest.fromPartial({ modelName: model, requestId, instances: [instance], returnFeatures: true }), metadata, cb));
    expect(answer.predictions[0].features.flights_1d?.kind?.$case).toBe('int64Value');
    await eventually(() => {
      const spans = receiver.inTrace(traceId);
      const named = (service: string, kind: number, name: string) => spans.some((s) => s.service === service && s.kind === kind && s.name.includes(name));
      expect(named('serving', SPAN_KIND.SERVER, 'ServingService/Predict')).toBe(true);
      expect(named('feature', SPAN_KIND.SERVER, 'FeatureService/GetOnlineFeatures')).toBe(true);
      expect(named('feature', SPAN_KIND.CLIENT, 'pg.query')).toBe(true);
      expect(named('serving', SPAN_KIND.INTERNAL, 'prediction-log publish')).toBe(true);
      // Monitoring reads the log in batches: its span links the traces of the entries it processed.
      expect(named('monitoring', SPAN_KIND.CONSUMER, `process ${Events.predictionLogged.topic}`)).toBe(true);
    }, 60_000, 500);
  }, 900_000);

  it('walks the examples/flights files through the CLI: contract, ingest, features, snapshot, run, runs list, policy, promotion, enrichment, prediction, rules', async () => {
    // The example's fixed names, suffixed so the walk starts clean on a database that has seen it.
    const run = randomBytes(3).toString('hex');
    const dir = mkdtempSync(join(tmpdir(), 'mlops-walkthrough-'));
    for (const file of readdirSync(join(WORKSPACE, 'examples/flights'))) {
      writeFileSync(join(dir, file), readFileSync(join(WORKSPACE, 'examples/flights', file), 'utf8').replace(/([_-])demo\b/g, `$1${run}`));
    }
    const model = `flights-delay-${run}`;
    const ok = async (...args: string[]) => {
      const result = await mlops(...args);
      if (result.code !== 0) throw new Error(`mlops ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
      return result.stdout;
    };
    expect(await ok('contracts', 'apply', join(dir, 'contract.yaml'))).toContain(`flights_${run} contract 1.0.0 applied (first version)`);
    const ingested = await json<{ received: number; stored: number; quarantined: number; quarantineSample: unknown[] }>('ingest', `flights_${run}`, join(dir, 'flights-2001-01.jsonl'));
    expect([ingested.received, ingested.stored, ingested.quarantined]).toEqual([3391, 3389, 2]);
    expect(await ok('features', 'apply', join(dir, 'features.yaml'))).toContain('applied: 3 of 3 objects changed');
    // The feature service takes ingestion's rows from its events: train once its offline store has January.
    await eventually(async () => {
      const { rows } = await db.query('SELECT count(*)::int AS n FROM feature.view_rows WHERE view_name = $1', [`origin_delays_${run}`]);
      expect(rows[0].n).toBe(3389);
    }, 60_000, 500);
    const snapshot = await json<{ snapshotId: string; rowCount: number; eventTimeRange: { start: string; end: string } }>('snapshots', 'create', `flights_${run}`);
    expect([snapshot.rowCount, snapshot.eventTimeRange.start.slice(0, 10), snapshot.eventTimeRange.end.slice(0, 10)]).toEqual([3389, '2001-01-01', '2001-01-31']);
    const trained = await ok('runs', 'start', join(dir, 'training-spec.yaml'), '--experiment', `demo-${run}`, '--snapshot', snapshot.snapshotId, '--follow');
    expect(trained).toMatch(new RegExp(`data: +feature service flight_delays_${run} on entity snapshot ${snapshot.snapshotId}`));
    expect(trained).toMatch(/status: +succeeded/);
    const runId = /run: +([0-9a-f-]{36})/.exec(trained)?.[1];
    const listed = await json<{ runId: string; status: string }[]>('runs', 'list', '--experiment', `demo-${run}`);
    expect(listed.map((r) => [r.runId, r.status])).toEqual([[runId, 'RUN_STATUS_SUCCEEDED']]);

    const version = await eventually(async () => (await json<{ modelVersions: { version: number }[] }>('models', 'show', model)).modelVersions[0].version, 30_000, 300);
    expect(await ok('models', 'policy', 'apply', model, join(dir, 'promotion-policy.yaml'))).toContain('revision 1');
    const requested = await json<{ promotionId: string; state: string }>('--as', 'contributor', '--subject', 'dana', 'promote', model, String(version), '--reason', 'walkthrough');
    expect(requested.state).toBe('PROMOTION_STATE_PENDING_APPROVAL');
    const approved = await json<{ state: string }>('--as', 'approver', '--subject', 'erin', 'approve', requested.promotionId, '--reason', 'looks right');
    expect(approved.state).toBe('PROMOTION_STATE_PROMOTED');

    await eventually(async () => expect((await json<{ arms: { arm: string; state: string }[] }>('deployment', model)).arms).toContainEqual(expect.objectContaining({ arm: 'stable', state: 'LOAD_STATE_READY' })), 30_000, 300);
    expect(await ok('enrich', model, `flight_delays_${run}`)).toContain(`now enriches instances from feature service flight_delays_${run}`);
    const predicted = await json<{ modelVersion: number; predictions: { outputs: { probability: { doubleValues: number[] } } }[] }>(
      'predict', model, '--entity', 'origin=SFO', '--feature', 'origin=SFO', '--feature', 'destination=JFK', '--feature', 'distance=2586', '--feature', 'dark=1',
    );
    expect(predicted.modelVersion).toBe(version);
    const probability = predicted.predictions[0].outputs.probability.doubleValues[0];
    expect(probability).toBeGreaterThan(0);
    expect(probability).toBeLessThan(1);
    expect(await ok('rules', 'apply', model, join(dir, 'alert-rules.yaml'))).toContain('1 rules stored');
    expect(await ok('policy', 'apply', model, join(dir, 'retrain-policy.yaml'))).toContain('revision 1');
    expect(await ok('policy', 'show', model)).toMatch(/triggerRules:\n {2}- darkness_drift/);
  }, 300_000);
});
