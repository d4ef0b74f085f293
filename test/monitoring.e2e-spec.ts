import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { type Producer } from 'kafkajs';
import { Client } from 'pg';
import { LocalArtifactStore } from '@mlops/artifacts';
import { issueToken } from '@mlops/auth';
import { deadLetterTopic, envelopeHeaders, type EventDefinition, Events, headerText, newEnvelope } from '@mlops/events';
import { decodeStatusDetails } from '@mlops/grpc';
import { commonV1, eventsV1, monitoringV1 as pb } from '@mlops/proto';
import { eventually, infrastructure, KafkaProbe, ServiceProcess } from '@mlops/testing';
import { profileFeatures } from '../apps/training/src/domain/profile';
import { referenceProfileOf } from '../apps/training/src/pipeline/reference-profile';
import { airportPlaces, departsInDarkness } from '../apps/cli/src/quickstart/daylight';
import { type FlightRow, flightRows } from '../apps/cli/src/quickstart/flights';
import { call, failure } from './support/grpc';

const WORKSPACE = join(__dirname, '..');
const PORT = 21656;
const METRICS_PORT = PORT - 12_000;
const STORE = join(mkdtempSync(join(tmpdir(), 'mlops-monitoring-')), 'store');
const SECRET = randomBytes(32).toString('hex');
const DAY = 86_400_000;
/** Every 20th flight: some 19,000 January predictions and 25,000 June ones, each a request of one instance. */
const SAMPLE_EVERY = 20;

interface Row {
  requestId: string;
  flightId: string;
  at: Date;
  inputs: { distance: number; hour: number; dark: number; origin: string };
  probability: number;
  late: number;
}

/**
 * The model under watch, a stand-in for a trained classifier: monitoring sees only its inputs and
 * outputs. Departing in darkness raises the risk, as it does for real flights.
 */
const score = (x: Row['inputs']) => 1 / (1 + Math.exp(-(-1.7 + 0.9 * x.dark + 0.06 * (x.hour - 12) + 0.15 * (x.distance / 1000))));

/** The flights of the months given (0 = January), every SAMPLE_EVERY-th, with the model's inputs and output. */
function flights(all: FlightRow[], places: ReturnType<typeof airportPlaces>, months: Set<number>, fromDay = 1): Row[] {
  const rows: Row[] = [];
  all.forEach((flight, index) => {
    const place = places.get(flight.origin);
    if (index % SAMPLE_EVERY !== 7 || !months.has(flight.date.getUTCMonth()) || !place || (flight.date.getUTCMonth() === 0 && flight.date.getUTCDate() < fromDay)) return;
    const inputs = { distance: Number(flight.distance), hour: flight.date.getUTCHours() + flight.date.getUTCMinutes() / 60, dark: departsInDarkness(flight.date, place) ? 1 : 0, origin: flight.origin };
    rows.push({ requestId: `r${index}`, flightId: `f${index}`, at: flight.date, inputs, probability: score(inputs), late: Number(flight.delay) > 15 ? 1 : 0 });
  });
  return rows;
}

const double = (value: number): commonV1.FeatureValue => ({ kind: { $case: 'doubleValue', value } });
const text = (value: string): commonV1.FeatureValue => ({ kind: { $case: 'stringValue', value } });

/** Rank-based ROC-AUC (average ranks for ties), written out here to check the service against. */
function rocAuc(scores: number[], labels: number[]): number {
  const order = scores.map((s, i) => [s, labels[i]] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j][0] === order[i][0]) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (order[k][1] === 1) rankSum += averageRank;
    i = j;
  }
  const positives = labels.filter((l) => l === 1).length;
  const negatives = labels.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

describe('monitoring on real Kafka and PostgreSQL: flights drift in June, alerts, one retrain request, delayed labels, dead letters', () => {
  const infra = infrastructure();
  const run = randomBytes(3).toString('hex');
  const model = `flights-${run}`;
  const store = new LocalArtifactStore(STORE);
  const env: Record<string, string> = {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','), DATABASE_URL: infra.databaseUrl, METRICS_PORT: String(METRICS_PORT), LOG_LEVEL: 'warn', ARTIFACT_STORE: STORE, AUTH_TOKEN_SECRET: SECRET,
    // Weekly reports; windows close as soon as the predictions pass their end (a replay sends them in order).
    MONITORING_WINDOW_MS: String(7 * DAY), MONITORING_ALLOWED_LATENESS_MS: '0', MONITORING_EVALUATION_INTERVAL_MS: '200', MONITORING_LABEL_WAIT_MS: '1500',
  };
  const service = new ServiceProcess({ name: 'monitoring', grpcPort: PORT, workspaceRoot: WORKSPACE, env });
  const probe = new KafkaProbe(infra.kafkaBrokers);
  const db = new Client({ connectionString: infra.databaseUrl });
  let producer: Producer;
  let client: pb.MonitoringServiceClient;
  let january: Row[];
  let june: Row[];
  let contributor: grpc.Metadata;

  async function emitMany<T>(definition: EventDefinition<T>, payloads: T[]): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < payloads.length; i += 2_000) {
      const messages = payloads.slice(i, i + 2_000).map((payload) => {
        const envelope = newEnvelope(definition);
        ids.push(envelope.id);
        return { key: definition.key(payload), value: Buffer.from(definition.codec.encode(payload).finish()), headers: envelopeHeaders(envelope) };
      });
      await producer.send({ topic: definition.topic, messages });
    }
    return ids;
  }
  const processed = (eventId: string) => eventually(async () => expect((await db.query('SELECT 1 FROM monitoring.processed_events WHERE event_id = $1', [eventId])).rowCount).toBe(1), 30_000);
  const logEntry = (row: Row): eventsV1.PredictionLogged =>
    eventsV1.PredictionLogged.fromPartial({
      requestId: row.requestId, modelName: model, modelVersion: 1, arm: 'stable', deploymentRevision: 1, predictedAt: row.at, latency: { seconds: 0, nanos: 2_000_000 }, statusCode: 0, sampleRate: 1, protocol: 'predict',
      instances: [{
        inputs: { distance: double(row.inputs.distance), hour: double(row.inputs.hour), dark: double(row.inputs.dark), origin: text(row.inputs.origin) },
        outputs: { probability: { shape: [1], doubleValues: [row.probability] } },
        entityKey: { joinKeys: { flight: text(row.flightId) } },
      }],
    });
  const stored = async () => Number((await db.query('SELECT count(*) FROM monitoring.predictions p JOIN monitoring.prediction_series s USING (series_id) WHERE s.model_name = $1', [model])).rows[0].count);
  const alertsOf = (states: pb.AlertState[] = []) => call<pb.ListAlertsResponse>((cb) => client.listAlerts(pb.ListAlertsRequest.fromPartial({ modelName: model, states }), cb));
  const latestReport = (rule = '') => call<pb.GetLatestReportResponse>((cb) => client.getLatestReport({ modelName: model, modelVersion: 0, arm: '', rule }, cb));
  const eventsOf = <T extends { modelName: string }>(definition: EventDefinition<T>) => probe.on(definition.topic).map((m) => definition.codec.decode(m.value!)).filter((e) => e.modelName === model);
  /** This run's dead letters (a fresh consumer group also dead-letters malformed history left by other tests). */
  const deadLetters = (group: string) => probe.on(deadLetterTopic(group)).filter((m) => m.key?.toString() === model);
  const violations = (error: grpc.ServiceError) => decodeStatusDetails(error).fieldViolations.map((v) => v.field);

  beforeAll(async () => {
    // The file is read once: decoding three million rows is the slow part.
    const all = await flightRows();
    const places = airportPlaces();
    [january, june] = [flights(all, places, new Set([0]), 8), flights(all, places, new Set([5]))];
    const reference = flights(all, places, new Set([0, 1]));
    const column = (name: 'distance' | 'hour' | 'dark') => ({ name, kind: 'numeric' as const, values: reference.map((r) => r.inputs[name]) });
    const profile = referenceProfileOf(
      {
        rowCount: reference.length,
        features: profileFeatures([column('distance'), column('hour'), column('dark'), { name: 'origin', kind: 'categorical', values: reference.map((r) => r.inputs.origin) }]),
        label: profileFeatures([{ name: 'late', kind: 'numeric', values: reference.map((r) => r.late) }])[0],
        prediction: profileFeatures([{ name: 'probability', kind: 'numeric', values: reference.map((r) => r.probability) }])[0],
      },
      `snapshot-${run}`,
    );
    const bytes = commonV1.ReferenceProfile.encode(profile).finish();
    const artifact = await store.put((async function* () { yield bytes; })(), { mediaType: 'application/x-protobuf' });

    contributor = new grpc.Metadata();
    contributor.set('authorization', `Bearer ${await issueToken({ secret: SECRET, subject: 'carol', roles: ['contributor'] })}`);
    await db.connect();
    // Series left by earlier runs name reference profiles in their own temporary stores: start from none.
    if ((await db.query("SELECT to_regclass('monitoring.prediction_series') AS t")).rows[0].t) {
      await db.query('TRUNCATE monitoring.prediction_series, monitoring.predictions, monitoring.served_requests, monitoring.reports, monitoring.feature_drift, monitoring.pending_labels');
    }
    service.start();
    await service.waitUntilServing();
    client = new pb.MonitoringServiceClient(`127.0.0.1:${PORT}`, grpc.credentials.createInsecure());
    await probe.start([Events.alertFired.topic, Events.alertResolved.topic, Events.retrainRequested.topic, Events.driftDetected.topic, Events.canaryRollbackRequested.topic, deadLetterTopic('monitoring.predictions'), deadLetterTopic('monitoring.labels')], { fromBeginning: false });
    producer = probe.client.producer();
    await producer.connect();

    // What the registry and serving would announce: the model, its version with its reference profile, its deployment.
    const [created] = await emitMany(Events.registeredModelCreated, [eventsV1.RegisteredModelCreated.fromPartial({ name: model, task: commonV1.TaskType.TASK_TYPE_BINARY_CLASSIFICATION, createdAt: new Date() })]);
    const [registered] = await emitMany(Events.modelVersionRegistered, [
      eventsV1.ModelVersionRegistered.fromPartial({ modelName: model, version: 1, referenceProfile: { digest: artifact.digest, sizeBytes: artifact.sizeBytes, mediaType: 'application/x-protobuf', uri: artifact.uri } }),
    ]);
    const [deployed] = await emitMany(Events.deploymentChanged, [eventsV1.DeploymentChanged.fromPartial({ modelName: model, revision: 1, stableVersion: 1, arms: [{ arm: 'stable', version: 1, weight: 1 }] })]);
    for (const id of [created, registered, deployed]) await processed(id);
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await producer?.disconnect();
    await probe.stop();
    await service.stop();
    await db.end();
  });

  it('takes alert rules and a retraining policy, refusing bad ones precisely', async () => {
    const setRules = (request: Partial<pb.SetAlertRulesRequest>, metadata = contributor) => call<pb.SetAlertRulesResponse>((cb) => client.setAlertRules(pb.SetAlertRulesRequest.fromPartial({ modelName: model, ...request }), metadata, cb));
    const document = (rules: string) => ({ content: { $case: 'document' as const, value: `rules:\n${rules}` } });

    const unparsable = await failure(setRules(document('  - name: broken\n    metric: [drift\n')));
    expect(unparsable.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(unparsable.details).toMatch(/line \d+/);
    const wrong = await failure(setRules(document(['  - { name: a, metric: drift.wingspan.statistic, comparison: ">", threshold: 0.1 }', '  - { name: b, metric: drift_share, comparison: ">", threshold: 0.5, window: { kind: tumbling, duration: 0s } }'].join('\n'))));
    expect(wrong.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(decodeStatusDetails(wrong).fieldViolations.map((v) => v.description).join('\n')).toMatch(/wingspan[\s\S]*duration/);
    expect((await failure(setRules({ modelName: `nope-${run}`, ...document('  - { name: a, metric: drift_share, comparison: ">", threshold: 0.5 }') }))).code).toBe(grpc.status.NOT_FOUND);
    expect((await failure(setRules(document('  - { name: a, metric: drift_share, comparison: ">", threshold: 0.5 }'), new grpc.Metadata()))).code).toBe(grpc.status.UNAUTHENTICATED);

    // Four-week windows moving by a week; the condition must hold for two weeks of flights before an alert fires.
    const rules = await setRules(document([
      '  - { name: darkness_drift, metric: drift.dark.drifted, comparison: ">=", threshold: 1, window: { kind: sliding, duration: 28d, slide: 7d }, for: 14d, severity: critical }',
      '  - { name: prediction_drift, metric: prediction_drift.drifted, comparison: ">=", threshold: 1, window: { kind: sliding, duration: 28d, slide: 7d }, for: 14d }',
    ].join('\n')));
    expect([rules.revision, rules.rules.map((r) => r.name)]).toEqual([1, ['darkness_drift', 'prediction_drift']]);

    const setPolicy = (policy: Partial<pb.RetrainPolicy>) => call<pb.SetRetrainPolicyResponse>((cb) => client.setRetrainPolicy({ policy: pb.RetrainPolicy.fromPartial({ modelName: model, ...policy }) }, contributor, cb));
    const unknownRule = await failure(setPolicy({ enabled: true, triggerRules: ['nope'], cooldown: { seconds: 3600, nanos: 0 }, maxRequests: 2, ratePeriod: { seconds: 86_400, nanos: 0 } }));
    expect([unknownRule.code, violations(unknownRule)]).toEqual([grpc.status.INVALID_ARGUMENT, ['policy.trigger_rules[0]']]);
    const policy = await setPolicy({ enabled: true, triggerRules: ['darkness_drift', 'prediction_drift'], cooldown: { seconds: 3600, nanos: 0 }, maxRequests: 2, ratePeriod: { seconds: 86_400, nanos: 0 }, baseRunId: `run-${run}` });
    expect(policy.policy?.revision).toBe(1);
  });

  it('reports January without drift, and June with drift on the feature that moves with the seasons, firing after the for-duration and requesting one retrain', async () => {
    await emitMany(Events.predictionLogged, january.map(logEntry));
    await eventually(async () => expect(await stored()).toBe(january.length), 60_000);
    // The newest closed weekly window of January: [18 Jan, 25 Jan) (windows end on multiples of 7 days since the epoch).
    await eventually(async () => expect((await latestReport()).report?.window?.end).toEqual(new Date('2001-01-25T00:00:00Z')), 60_000);
    const jan = (await latestReport()).report!;
    expect(jan.predictionCount).toBe(january.filter((r) => r.at >= new Date('2001-01-18') && r.at < new Date('2001-01-25')).length);
    expect(jan.featureDrift.map((d) => [d.feature, d.status])).toEqual(['distance', 'hour', 'dark', 'origin'].map((f) => [f, pb.StatStatus.STAT_STATUS_OK]));
    expect(jan.featureDrift.map((d) => d.method)).toEqual([pb.DriftMethod.DRIFT_METHOD_WASSERSTEIN, pb.DriftMethod.DRIFT_METHOD_WASSERSTEIN, pb.DriftMethod.DRIFT_METHOD_JENSEN_SHANNON, pb.DriftMethod.DRIFT_METHOD_JENSEN_SHANNON]);
    expect([jan.datasetDrift, jan.driftShare, jan.predictionDrift?.status]).toEqual([false, 0, pb.StatStatus.STAT_STATUS_OK]);
    expect(jan.operations).toMatchObject({ requestCount: jan.predictionCount, errorCount: 0, latencyP99Ms: expect.closeTo(2, 6) });
    expect((await alertsOf()).alerts).toEqual([]);

    await emitMany(Events.predictionLogged, june.map(logEntry));
    await eventually(async () => expect((await alertsOf([pb.AlertState.ALERT_STATE_FIRING])).alerts).toHaveLength(2), 90_000);
    const firing = (await alertsOf([pb.AlertState.ALERT_STATE_FIRING])).alerts;
    for (const alert of firing) {
      // Pending from the first window holding June (ending 7 June), firing two weeks of flights later.
      expect([alert.pendingSince, alert.firedAt]).toEqual([new Date('2001-06-07T00:00:00Z'), new Date('2001-06-21T00:00:00Z')]);
    }
    expect(firing.find((a) => a.ruleName === 'darkness_drift')).toMatchObject({ severity: pb.Severity.SEVERITY_CRITICAL, metric: 'drift.dark.drifted', value: 1 });
    await eventually(() => expect(eventsOf(Events.alertFired).map((e) => e.ruleName).sort()).toEqual(['darkness_drift', 'prediction_drift']), 30_000);
    // A rule's own windows (four weeks, not the standard week) are read by naming the rule.
    const ruled = (await latestReport('darkness_drift')).report!;
    expect(ruled.window!.end!.getTime() - ruled.window!.start!.getTime()).toBe(28 * 86_400_000);
    expect(ruled.featureDrift.find((d) => d.feature === 'dark')?.status).toBe(pb.StatStatus.STAT_STATUS_DRIFT);
    const unknownRule = await failure(latestReport('nope'));
    expect([unknownRule.code, violations(unknownRule)]).toEqual([grpc.status.INVALID_ARGUMENT, ['rule']]);

    // Two rules fired: the cooldown lets one retrain request through.
    await eventually(() => expect(eventsOf(Events.retrainRequested)).toHaveLength(1), 30_000);
    const [retrain] = eventsOf(Events.retrainRequested);
    expect(retrain).toMatchObject({ modelVersion: 1, baseRunId: `run-${run}`, policyRevision: 1 });
    // Retrain on data up to where the drift began: the week before the first drifting window.
    expect(retrain.dataRange?.end).toEqual(new Date('2001-05-31T00:00:00Z'));
    const outcomes = await db.query('SELECT outcome FROM monitoring.retrain_requests WHERE model_name = $1 ORDER BY requested_at', [model]);
    expect(outcomes.rows.map((r: { outcome: string }) => r.outcome)).toEqual(['requested', 'cooldown']);

    // `drift detected` only for weekly windows of June, naming the darkness feature and the prediction, nothing else.
    const drifts = eventsOf(Events.driftDetected);
    expect(drifts.length).toBeGreaterThanOrEqual(3);
    for (const drift of drifts) {
      expect(drift.window!.start!.getTime()).toBeGreaterThanOrEqual(new Date('2001-05-31T00:00:00Z').getTime());
      expect(drift.features.map((f) => f.feature)).toEqual(['dark', '__prediction__']);
    }

    // The weeks without predictions between January and June are "insufficient data", never a drift of 0.
    const history = await call<pb.GetFeatureDriftHistoryResponse>((cb) => client.getFeatureDriftHistory(pb.GetFeatureDriftHistoryRequest.fromPartial({ modelName: model, feature: 'dark', page: { pageSize: 1000 } }), cb));
    const byEnd = new Map(history.points.map((p) => [p.window!.end!.toISOString().slice(0, 10), p.drift!]));
    expect(byEnd.get('2001-01-25')).toMatchObject({ status: pb.StatStatus.STAT_STATUS_OK });
    expect(byEnd.get('2001-03-15')).toMatchObject({ status: pb.StatStatus.STAT_STATUS_INSUFFICIENT_DATA, currentSize: 0 });
    expect(byEnd.get('2001-03-15')?.statistic).toBeUndefined();
    expect(byEnd.get('2001-06-14')).toMatchObject({ status: pb.StatStatus.STAT_STATUS_DRIFT, statistic: expect.any(Number) });
  });

  it('joins labels that arrive after their predictions, by request id or by entity and time, and revises performance to match', async () => {
    const window = january.filter((r) => r.at >= new Date('2001-01-18') && r.at < new Date('2001-01-25'));
    const label = (row: Row, byEntity: boolean) =>
      eventsV1.LabelReceived.fromPartial({
        modelName: model, label: { kind: { $case: 'int64Value', value: row.late } }, observedAt: new Date(row.at.getTime() + 3 * 3600_000), source: 'flights-outcomes',
        join: byEntity ? { $case: 'entity', value: { entityKey: { joinKeys: { flight: text(row.flightId) } }, eventTime: row.at } } : { $case: 'requestId', value: row.requestId },
      });
    // Labels for every January flight: a quarter by entity and time, the rest by request id; and labels for requests never made.
    const ghosts = ['ghost-1', 'ghost-2', 'ghost-3'].map((requestId) => eventsV1.LabelReceived.fromPartial({ modelName: model, join: { $case: 'requestId', value: requestId }, label: { kind: { $case: 'int64Value', value: 1 } } }));
    const notANumber = eventsV1.LabelReceived.fromPartial({ modelName: model, join: { $case: 'requestId', value: january[0].requestId }, label: { kind: { $case: 'stringValue', value: 'late' } } });
    const notAClass = eventsV1.LabelReceived.fromPartial({ modelName: model, join: { $case: 'requestId', value: january[1].requestId }, label: { kind: { $case: 'int64Value', value: 2 } } });
    await emitMany(Events.labelReceived, [...january.map((row, i) => label(row, i % 4 === 0)), ...ghosts, notANumber, notAClass]);

    const coverage = () => call<pb.GetLabelCoverageResponse>((cb) => client.getLabelCoverage(pb.GetLabelCoverageRequest.fromPartial({ modelName: model, timeRange: { start: new Date('2001-01-01'), end: new Date('2001-02-01') } }), cb));
    await eventually(async () => expect(await coverage()).toMatchObject({ predictions: january.length, labelled: january.length, coverage: 1, unmatchedLabels: 3 }), 60_000);
    expect((await coverage()).medianLabelDelay).toEqual({ seconds: 3 * 3600, nanos: 0 });

    // The window was reported before its labels came; its performance is recomputed from them.
    const report = async () => {
      const { rows } = await db.query(
        `SELECT r.body FROM monitoring.reports r JOIN monitoring.prediction_series s USING (series_id)
         WHERE s.model_name = $1 AND r.window_key = $2 AND r.window_end = '2001-01-25T00:00:00Z'`,
        [model, `time:${7 * DAY}/${7 * DAY}`],
      );
      return pb.Report.fromJSON(rows[0].body);
    };
    await eventually(async () => expect((await report()).performance?.labelledCount).toBe(window.length), 30_000);
    const { performance } = await report();
    const scores = window.map((r) => r.probability);
    const labels = window.map((r) => r.late);
    const logLoss = -labels.reduce((sum, y, i) => sum + (y === 1 ? Math.log(scores[i]) : Math.log(1 - scores[i])), 0) / labels.length;
    const accuracy = labels.filter((y, i) => (scores[i] >= 0.5 ? 1 : 0) === y).length / labels.length;
    expect(performance?.status).toBe(pb.StatStatus.STAT_STATUS_OK);
    expect(performance?.metrics.roc_auc).toBeCloseTo(rocAuc(scores, labels), 9);
    expect(performance?.metrics.log_loss).toBeCloseTo(logLoss, 9);
    expect(performance?.metrics.accuracy).toBeCloseTo(accuracy, 12);
    // Sliced by the categorical input: the busiest origin's slice has exactly its flights.
    const atl = performance?.slices.find((slice) => slice.feature === 'origin' && slice.value === 'ATL');
    expect(atl?.count).toBe(window.filter((r) => r.inputs.origin === 'ATL').length);

    // Labels for requests never made are dead-lettered after their wait, with the reason; malformed ones at once.
    await eventually(() => expect(deadLetters('monitoring.labels')).toHaveLength(5), 30_000);
    const reasons = deadLetters('monitoring.labels').map((m) => headerText(m.headers, 'dead-letter-reason')!);
    expect(reasons.filter((r) => r.startsWith('no prediction matched'))).toHaveLength(3);
    expect(reasons.filter((r) => r.includes('must be a number or a boolean'))).toHaveLength(1);
    expect(reasons).toContain(`label 2 for classifier "${model}" must be 0 or 1 (or a boolean)`);
  });

  it('dead-letters malformed prediction log records with the reason and keeps consuming', async () => {
    const before = await stored();
    const valid = logEntry({ ...june[0], requestId: `after-bad-${run}` });
    const envelope = newEnvelope(Events.predictionLogged);
    await producer.send({
      topic: Events.predictionLogged.topic,
      messages: [
        { key: model, value: Buffer.from([0x0f, 0xff, 0xff]), headers: envelopeHeaders(envelope) },
        { key: model, value: Buffer.from(eventsV1.PredictionLogged.encode(valid).finish()) },
        { key: model, value: Buffer.from(eventsV1.PredictionLogged.encode({ ...valid, modelVersion: 0 }).finish()), headers: envelopeHeaders(newEnvelope(Events.predictionLogged)) },
        { key: model, value: Buffer.from(eventsV1.PredictionLogged.encode(valid).finish()), headers: envelopeHeaders(newEnvelope(Events.predictionLogged)) },
      ],
    });
    await eventually(async () => expect(await stored()).toBe(before + 1), 30_000);
    await eventually(() => expect(deadLetters('monitoring.predictions')).toHaveLength(3), 30_000);
    const reasons = deadLetters('monitoring.predictions').map((m) => headerText(m.headers, 'dead-letter-reason'));
    expect(reasons).toEqual([expect.stringContaining('cannot decode'), expect.stringContaining('invalid envelope'), 'model_version must be 1 or more, got 0']);
  });

  it('judges a canary against stable over the same window and asks the registry, once, to roll it back', async () => {
    const setPolicy = (policy: Partial<pb.RetrainPolicy>) => call<pb.SetRetrainPolicyResponse>((cb) => client.setRetrainPolicy({ policy: pb.RetrainPolicy.fromPartial({ modelName: model, ...policy }) }, contributor, cb));
    await setPolicy({
      enabled: true, triggerRules: ['darkness_drift'], cooldown: { seconds: 3600, nanos: 0 }, maxRequests: 2, ratePeriod: { seconds: 86_400, nanos: 0 },
      canary: { enabled: true, maxErrorRateIncrease: 0.05, maxP99LatencyIncrease: 1, minRequests: 50, metric: '', maxMetricRegression: 0 },
    });
    const profile = (await db.query('SELECT reference_profile FROM monitoring.monitored_versions WHERE model_name = $1 AND version = 1', [model])).rows[0].reference_profile as commonV1.ArtifactRef;
    const ids = [
      ...(await emitMany(Events.modelVersionRegistered, [eventsV1.ModelVersionRegistered.fromPartial({ modelName: model, version: 2, referenceProfile: profile })])),
      ...(await emitMany(Events.deploymentChanged, [eventsV1.DeploymentChanged.fromPartial({ modelName: model, revision: 2, stableVersion: 1, arms: [{ arm: 'stable', version: 1, weight: 0.9 }, { arm: 'canary', version: 2, weight: 0.1 }] })])),
    ];
    for (const id of ids) await processed(id);

    // A week of July: the canary fails 30% of its requests, stable none; one later prediction closes the week.
    const july = june.slice(0, 400).map((row, i) => ({ ...row, requestId: `jul-${i}`, at: new Date(Date.UTC(2001, 6, 5) + i * 60_000) }));
    const entries = july.map((row, i) => {
      const canary = i % 4 === 0;
      const entry = logEntry(row);
      if (!canary) return entry;
      const failed = i % 10 < 3;
      return { ...entry, modelVersion: 2, arm: 'canary', statusCode: failed ? 13 : 0, errorMessage: failed ? 'inference failed' : '', instances: failed ? [] : entry.instances };
    });
    await emitMany(Events.predictionLogged, [...entries, logEntry({ ...june[0], requestId: `close-${run}`, at: new Date('2001-07-13T00:00:00Z') })]);

    await eventually(() => expect(eventsOf(Events.canaryRollbackRequested)).toHaveLength(1), 60_000);
    const [rollback] = eventsOf(Events.canaryRollbackRequested);
    expect(rollback).toMatchObject({ canaryVersion: 2, stableVersion: 1, window: { start: new Date('2001-07-05T00:00:00Z'), end: new Date('2001-07-12T00:00:00Z') } });
    const errorRate = rollback.checks.find((c) => c.metric === 'error_rate');
    expect(errorRate).toMatchObject({ canaryValue: entries.filter((e) => e.arm === 'canary' && e.statusCode !== 0).length / entries.filter((e) => e.arm === 'canary').length, stableValue: 0, limit: 0.05, passed: false });
    // Later windows do not ask again for the same canary.
    await emitMany(Events.predictionLogged, [logEntry({ ...june[1], requestId: `later-${run}`, at: new Date('2001-07-20T00:00:00Z') })]);
    await eventually(async () => expect((await latestReport()).report?.window?.end).toEqual(new Date('2001-07-19T00:00:00Z')), 30_000);
    expect(eventsOf(Events.canaryRollbackRequested)).toHaveLength(1);
  });
});
