import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { decodeStatusDetails } from '@mlops/grpc';
import { commonV1, featureV1 as fpb, ingestionV1 as ipb } from '@mlops/proto';
import { eventually, infrastructure, ServiceProcess } from '@mlops/testing';
import { call, createTopic, failure } from './support/grpc';
import { type Flight, flightsContract, readFlights } from './support/flights';

const WORKSPACE = join(__dirname, '..');
const INGESTION_PORT = 21251;
const FEATURE_PORT = 21252;
const SLICE = 20_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;


const str = (value: string): commonV1.FeatureValue => ({ kind: { $case: 'stringValue', value } });
const ts = (value: Date): commonV1.FeatureValue => ({ kind: { $case: 'timestampValue', value } });
const plain = (value: commonV1.FeatureValue | undefined) => (value?.kind && value.kind.$case !== 'nullValue' ? value.kind.value : null);

const definitions = (dataset: string, extra = '') => `
entities:
  - name: airport_${dataset}
    join_keys: [origin]
  - name: route_${dataset}
    join_keys: [origin, destination]
feature_views:
  - name: origin_delays_${dataset}
    entities: [airport_${dataset}]
    source: ${dataset}
    features:
      - name: mean_delay_7d
        aggregation: { function: mean, field: delay, window: 7d }
      - name: flights_1d
        aggregation: { function: count, window: 1d }
      - name: last_delay
        field: delay
${extra}  - name: route_stats_${dataset}
    entities: [route_${dataset}]
    source: ${dataset}
    features:
      - name: flights_1d
        aggregation: { function: count, window: 1d }
      - name: max_delay_1d
        aggregation: { function: max, field: delay, window: 1d }
      - name: distance_km
        expression: distance * 1.609
        type: float
  - name: recent_${dataset}
    entities: [airport_${dataset}]
    source: ${dataset}
    ttl: 1h
    features:
      - name: last_destination
        field: destination
feature_services:
  - name: delays_${dataset}
    features:
      - origin_delays_${dataset}
      - route_stats_${dataset}: [flights_1d, max_delay_1d]
`;

/** The features computed the obvious way from the flights themselves: the reference retrieval must equal. */
function bruteForce(flights: Flight[], origin: string, destination: string, at: number) {
  const before = (f: Flight, window: number) => Date.parse(f.date) >= at - window && Date.parse(f.date) < at;
  const fromOrigin = flights.filter((f) => f.origin === origin);
  const onRoute = fromOrigin.filter((f) => f.destination === destination);
  const week = fromOrigin.filter((f) => before(f, 7 * DAY));
  const routeDay = onRoute.filter((f) => before(f, DAY));
  const latest = (list: Flight[]) => list.filter((f) => Date.parse(f.date) <= at).at(-1);
  const lastOrigin = latest(fromOrigin);
  const lastRoute = latest(onRoute);
  const lastRecent = lastOrigin && at - Date.parse(lastOrigin.date) <= HOUR ? lastOrigin : undefined;
  return [
    week.length ? week.reduce((s, f) => s + f.delay, 0) / week.length : null,
    fromOrigin.filter((f) => before(f, DAY)).length,
    lastOrigin?.delay ?? null,
    routeDay.length,
    routeDay.length ? Math.max(...routeDay.map((f) => f.delay)) : null,
    lastRoute ? lastRoute.distance * 1.609 : null,
    lastRecent?.destination ?? null,
  ];
}

describe('feature store on the real flights data (real Kafka, PostgreSQL, ingestion and feature processes)', () => {
  const infra = infrastructure();
  const run = randomBytes(3).toString('hex');
  const dataset = `flights_feat_${run}`;
  const topic = `upstream.flights.feat.${run}`;
  const kafka = new Kafka({ clientId: 'feature-e2e', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const env = (port: number) => ({
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    DATABASE_URL: infra.databaseUrl,
    METRICS_PORT: String(port - 12_000),
    SOURCE_RECONCILE_INTERVAL_MS: '300',
    MATERIALIZATION_POLL_INTERVAL_MS: '200',
    INGESTION_ADDRESS: `127.0.0.1:${INGESTION_PORT}`,
    LOG_LEVEL: 'warn',
  });
  const ingestion = new ServiceProcess({ name: 'ingestion', grpcPort: INGESTION_PORT, workspaceRoot: WORKSPACE, env: env(INGESTION_PORT) });
  const feature = new ServiceProcess({ name: 'feature', grpcPort: FEATURE_PORT, workspaceRoot: WORKSPACE, env: env(FEATURE_PORT) });
  let ingest: ipb.IngestionServiceClient;
  let features: fpb.FeatureServiceClient;
  let db: Client;
  let flights: Flight[];

  const apply = (document: string, options: Partial<fpb.ApplyDefinitionsRequest> = {}) =>
    call<fpb.ApplyDefinitionsResponse>((cb) => features.applyDefinitions({ document, format: 0, planOnly: false, confirmIncompatible: false, prune: false, ...options }, cb));

  async function historical(request: Partial<fpb.GetHistoricalFeaturesRequest>): Promise<{ header?: fpb.HistoricalFeaturesHeader; rows: commonV1.Row[]; summary?: fpb.HistoricalFeaturesSummary }> {
    const stream = features.getHistoricalFeatures(fpb.GetHistoricalFeaturesRequest.fromPartial(request));
    const out: { header?: fpb.HistoricalFeaturesHeader; rows: commonV1.Row[]; summary?: fpb.HistoricalFeaturesSummary } = { rows: [] };
    for await (const message of stream as AsyncIterable<fpb.GetHistoricalFeaturesResponse>) {
      const m = message.message;
      if (m?.$case === 'header') out.header = m.value;
      if (m?.$case === 'rows') out.rows.push(...m.value.rows);
      if (m?.$case === 'summary') out.summary = m.value;
    }
    return out;
  }

  const entityRows = (rows: { origin: string; destination: string; at: number }[]) => ({
    columns: [
      { name: 'origin', type: commonV1.DataType.DATA_TYPE_STRING, nullable: false },
      { name: 'destination', type: commonV1.DataType.DATA_TYPE_STRING, nullable: false },
      { name: 'at', type: commonV1.DataType.DATA_TYPE_TIMESTAMP, nullable: false },
    ],
    eventTimestampColumn: 'at',
    rows: rows.map((r) => ({ values: [str(r.origin), str(r.destination), ts(new Date(r.at))] })),
  });
  const ALL_FEATURES = ['origin_delays', 'route_stats', 'recent'].flatMap((v) =>
    ({ origin_delays: ['mean_delay_7d', 'flights_1d', 'last_delay'], route_stats: ['flights_1d', 'max_delay_1d', 'distance_km'], recent: ['last_destination'] })[v]!.map((f) => `${v}_${dataset}:${f}`),
  );

  beforeAll(async () => {
    flights = (await readFlights(SLICE)).sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
    db = new Client({ connectionString: infra.databaseUrl });
    await db.connect();
    await createTopic(kafka, topic);
    ingestion.start();
    feature.start();
    await Promise.all([ingestion.waitUntilServing(), feature.waitUntilServing()]);
    ingest = new ipb.IngestionServiceClient(`127.0.0.1:${INGESTION_PORT}`, grpc.credentials.createInsecure());
    features = new fpb.FeatureServiceClient(`127.0.0.1:${FEATURE_PORT}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    ingest?.close();
    features?.close();
    await Promise.all([ingestion.stop(), feature.stop()]);
    await db?.end();
  });

  it('applies definitions checked against the dataset contract, refusing a field the contract lacks', async () => {
    await call((cb) => ingest.applyContract({ document: flightsContract(dataset, { topic }), format: 0, dryRun: false }, cb));
    // The feature service learns the contract from ingestion's event: wait until it has.
    const applied = await eventually(() => apply(definitions(dataset)), 30_000, 200);
    expect(applied.applied).toBe(true);
    expect(applied.plan.map((c) => [c.name, c.action])).toEqual([
      [`airport_${dataset}`, fpb.PlanAction.PLAN_ACTION_CREATE],
      [`route_${dataset}`, fpb.PlanAction.PLAN_ACTION_CREATE],
      [`origin_delays_${dataset}`, fpb.PlanAction.PLAN_ACTION_CREATE],
      [`route_stats_${dataset}`, fpb.PlanAction.PLAN_ACTION_CREATE],
      [`recent_${dataset}`, fpb.PlanAction.PLAN_ACTION_CREATE],
      [`delays_${dataset}`, fpb.PlanAction.PLAN_ACTION_CREATE],
    ]);

    const wrongField = await failure(apply(definitions(dataset).replace('field: delay, window: 7d', 'field: air_time, window: 7d')));
    expect(wrongField.code).toBe(grpc.status.INVALID_ARGUMENT);
    const violation = decodeStatusDetails(wrongField).fieldViolations[0];
    expect(violation.field).toBe('feature_views[0].features[0].aggregation.field');
    expect(violation.description).toMatch(/^line 13, column \d+: field "air_time" is not in dataset "flights_feat_\w+" \(contract 1\.0\.0\)$/);
  });

  it('builds the offline store from the ingested stream and retrieves point-in-time values equal to a brute-force computation', async () => {
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < flights.length; i += 5_000) {
      await producer.send({ topic, messages: flights.slice(i, i + 5_000).map((f) => ({ key: f.origin, value: JSON.stringify(f) })) });
    }
    await producer.disconnect();
    await eventually(async () => {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM feature.source_rows WHERE dataset = $1', [dataset]);
      if (Number(rows[0].n) < flights.length) throw new Error(`${rows[0].n} of ${flights.length} rows in the offline store`);
    }, 120_000, 500);

    // Entity rows: real flights at their own time (an event exactly at the row's time), shortly
    // after (inside and just outside the 1h TTL), and an airport with no history at all.
    const rows: { origin: string; destination: string; at: number }[] = [];
    for (let i = 500; i < flights.length; i += 97) {
      const f = flights[i];
      const at = Date.parse(f.date);
      rows.push({ origin: f.origin, destination: f.destination, at });
      if (i % 3 === 0) rows.push({ origin: f.origin, destination: f.destination, at: at + HOUR });
      if (i % 3 === 1) rows.push({ origin: f.origin, destination: f.destination, at: at + HOUR + 1 });
    }
    rows.push({ origin: 'ZZZ', destination: 'YYY', at: Date.parse(flights[flights.length - 1].date) });
    rows.sort((a, b) => a.at - b.at);

    const result = await historical({ features: { selection: { $case: 'features', value: { refs: ALL_FEATURES } } }, entitySource: { $case: 'entityRows', value: entityRows(rows) }, fullFeatureNames: true, batchSize: 100 });
    expect(result.header?.columns.map((c) => c.name)).toEqual(['origin', 'destination', 'at', ...ALL_FEATURES.map((f) => f.replace(':', '__'))]);
    expect(result.rows).toHaveLength(rows.length);
    expect(result.summary?.rowCount).toBe(rows.length);
    let compared = 0;
    // Every disagreement, named by entity row and feature, so a failure says where.
    const mismatches: object[] = [];
    result.rows.forEach((row, i) => {
      const expected = bruteForce(flights, rows[i].origin, rows[i].destination, rows[i].at);
      const actual = row.values.slice(3).map(plain);
      expected.forEach((value, j) => {
        const got = actual[j];
        const same = typeof value === 'number' && typeof got === 'number' ? Math.abs(value - got) < 1e-9 : got === value;
        if (!same) mismatches.push({ row: i, origin: rows[i].origin, destination: rows[i].destination, at: new Date(rows[i].at).toISOString(), feature: ALL_FEATURES[j], expected: value, got });
        compared++;
      });
    });
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(1_000);
    // The edges really occur: values inside and outside the 1h TTL, and the entity with no history.
    const recent = result.rows.map((r) => plain(r.values[9]));
    expect(recent.filter((v, i) => v === null && rows[i].origin !== 'ZZZ').length).toBeGreaterThan(0);
    expect(recent.filter((v) => v !== null).length).toBeGreaterThan(10);
    const nobody = result.rows.find((r) => plain(r.values[0]) === 'ZZZ')!;
    expect(nobody.values.slice(3).map(plain)).toEqual([null, 0, null, 0, null, null, null]);
  });

  it('retrieves for every row of an ingestion snapshot, read over gRPC, as for inline rows', async () => {
    const { snapshot } = await call<ipb.CreateSnapshotResponse>((cb) => ingest.createSnapshot(ipb.CreateSnapshotRequest.fromPartial({ dataset }), cb));
    const refs = [`route_stats_${dataset}:flights_1d`, `origin_delays_${dataset}:mean_delay_7d`];
    const result = await historical({ features: { selection: { $case: 'features', value: { refs } } }, entitySource: { $case: 'entitySnapshotId', value: snapshot!.snapshotId }, batchSize: 5_000 });
    expect(result.header?.columns.map((c) => c.name)).toEqual(['date', 'delay', 'distance', 'origin', 'destination', 'flights_1d', 'mean_delay_7d']);
    expect(result.summary?.rowCount).toBe(flights.length);
    for (let i = 0; i < result.rows.length; i += 199) {
      const [date, , , origin, destination, flights1d, mean7d] = result.rows[i].values.map(plain);
      const expected = bruteForce(flights, origin as string, destination as string, (date as Date).getTime());
      expect(flights1d).toBe(expected[3]);
      if (expected[0] === null) expect(mean7d).toBeNull();
      else expect(mean7d).toBeCloseTo(expected[0] as number, 9);
    }
    const missing = await failure(historical({ features: { selection: { $case: 'features', value: { refs } } }, entitySource: { $case: 'entitySnapshotId', value: 'sha256:0000' } }));
    expect(missing.code).toBe(grpc.status.NOT_FOUND);
  });

  it('writes a retrieval back as an ingestion dataset snapshot that training can name', async () => {
    const output = `training_set_${run}`;
    const request = {
      features: { selection: { $case: 'featureService' as const, value: { name: `delays_${dataset}`, version: 0 } } },
      entitySource: { $case: 'entityRows' as const, value: entityRows(flights.slice(0, 3_000).map((f) => ({ origin: f.origin, destination: f.destination, at: Date.parse(f.date) }))) },
      fullFeatureNames: true,
      outputDataset: output,
    };
    const result = await historical(request);
    const snapshotId = result.summary?.outputSnapshotId ?? '';
    expect(snapshotId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const { snapshot } = await call<ipb.GetSnapshotResponse>((cb) => ingest.getSnapshot({ snapshotId }, cb));
    expect([snapshot?.dataset, snapshot?.rowCount, snapshot?.quarantinedCount]).toEqual([output, 3_000, 0]);
    expect(snapshot?.labels.feature_service).toBe(`delays_${dataset}@1`);

    const stored: commonV1.Row[] = [];
    let columns: string[] = [];
    for await (const message of ingest.readSnapshot(ipb.ReadSnapshotRequest.fromPartial({ snapshotId })) as AsyncIterable<ipb.ReadSnapshotResponse>) {
      if (message.message?.$case === 'header') columns = message.message.value.columns.map((c) => c.name);
      if (message.message?.$case === 'rows') stored.push(...message.message.value.rows);
    }
    expect(columns).toEqual(result.header!.columns.map((c) => c.name));
    // The stored rows are the streamed ones (the snapshot orders them by time, as they came).
    const key = (row: commonV1.Row) => JSON.stringify(row.values.map((v) => { const p = plain(v); return p instanceof Date ? p.toISOString() : p; }));
    expect(stored.map(key).sort()).toEqual(result.rows.map(key).sort());

    const again = await failure(historical(request));
    expect([again.code, again.details]).toEqual([grpc.status.FAILED_PRECONDITION, `output dataset "${output}" already holds 3000 records; name a new one`]);
  });

  it('keeps the online store equal to the offline values as of each entity\'s latest event', async () => {
    const origins = ['ATL', 'ORD', 'DFW', 'LAX', 'SFO', 'DEN', 'PHX', 'SEA'].filter((o) => flights.some((f) => f.origin === o));
    const service = { selection: { $case: 'featureService' as const, value: { name: `delays_${dataset}`, version: 0 } } };
    const latest = origins.map((origin) => flights.filter((f) => f.origin === origin).at(-1)!);
    const asOf = latest.map((f, i) => ({ origin: origins[i], destination: f.destination, at: Date.parse(f.date) + 1 })).sort((a, b) => a.at - b.at);
    const offline = await historical({ features: service, entitySource: { $case: 'entityRows', value: entityRows(asOf) } });
    // Continuous materialization catches up shortly after the events: compare once it has.
    const online = await eventually(async () => {
      const response = await call<fpb.GetOnlineFeaturesResponse>((cb) => features.getOnlineFeatures(fpb.GetOnlineFeaturesRequest.fromPartial({
        features: service,
        entities: asOf.map((row) => ({ joinKeys: { origin: str(row.origin), destination: str(row.destination) } })),
      }), cb));
      expect(response.results.map((r) => r.values.map((v) => v.status))).toEqual(asOf.map(() => Array<fpb.FeatureStatus>(5).fill(fpb.FeatureStatus.FEATURE_STATUS_PRESENT)));
      expect(response.results.map((r) => r.values.map((v) => plain(v.value)))).toEqual(offline.rows.map((row) => row.values.slice(3).map(plain)));
      return response;
    }, 60_000, 300);
    // Two features are called flights_1d: every name is qualified by its view.
    expect(online.featureNames).toEqual(['mean_delay_7d', 'flights_1d', 'last_delay', 'flights_1d', 'max_delay_1d'].map((f, i) => `${i < 3 ? 'origin_delays' : 'route_stats'}_${dataset}__${f}`));

    // The 1h TTL of the third view: every value is from 2001, so online it is outside the TTL.
    const stale = await call<fpb.GetOnlineFeaturesResponse>((cb) => features.getOnlineFeatures(fpb.GetOnlineFeaturesRequest.fromPartial({
      features: { selection: { $case: 'features', value: { refs: [`recent_${dataset}:last_destination`] } } },
      entities: [{ joinKeys: { origin: str(origins[0]) } }, { joinKeys: { origin: str('ZZZ') } }],
    }), cb));
    expect(stale.results.map((r) => r.values[0].status)).toEqual([fpb.FeatureStatus.FEATURE_STATUS_OUTSIDE_TTL, fpb.FeatureStatus.FEATURE_STATUS_MISSING]);
  });

  it('materializes a range idempotently and finds no parity mismatch', async () => {
    const range = { start: new Date(flights[0].date), end: new Date(Date.parse(flights.at(-1)!.date) + 1) };
    const run = async () => {
      const { job } = await call<fpb.MaterializeResponse>((cb) => features.materialize({ featureViews: ['origin_delays', 'route_stats', 'recent'].map((v) => `${v}_${dataset}`), range }, cb));
      return eventually(async () => {
        const done = (await call<fpb.GetMaterializationJobResponse>((cb) => features.getMaterializationJob({ jobId: job!.jobId }, cb))).job!;
        if (done.state !== fpb.MaterializationJobState.MATERIALIZATION_JOB_STATE_SUCCEEDED) throw new Error(`job ${done.state}`);
        return done;
      }, 60_000, 200);
    };
    const first = await run();
    expect(first.rowsRead).toBe(flights.length * 3);
    const second = await run();
    expect(second.valuesWritten).toBe(0);

    const parity = await call<fpb.CheckParityResponse>((cb) => features.checkParity({ features: { selection: { $case: 'features', value: { refs: ALL_FEATURES } } }, sampleSize: 200, seed: 7, tolerance: 1e-9 }, cb));
    expect(parity.valuesCompared).toBeGreaterThan(500);
    expect(parity.mismatches).toEqual([]);
    expect(parity.mismatchCount).toBe(0);
  });

  it('changes nothing when the same definitions are re-applied, and refuses an incompatible change unless confirmed', async () => {
    const again = await apply(definitions(dataset));
    expect(again.applied).toBe(false);
    expect(again.plan.every((c) => c.action === fpb.PlanAction.PLAN_ACTION_UNCHANGED)).toBe(true);

    const withoutLastDelay = definitions(dataset).replace('      - name: last_delay\n        field: delay\n', '');
    const plan = await apply(withoutLastDelay, { planOnly: true });
    const change = plan.plan.find((c) => c.name === `origin_delays_${dataset}`)!;
    expect([change.action, change.incompatible, change.details]).toEqual([fpb.PlanAction.PLAN_ACTION_UPDATE, true, ['feature "last_delay" removed']]);
    const refused = await failure(apply(withoutLastDelay));
    expect(refused.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(decodeStatusDetails(refused).fieldViolations).toEqual([{ field: `feature_views.origin_delays_${dataset}`, description: 'feature "last_delay" removed' }]);
    const view = await call<fpb.GetFeatureViewResponse>((cb) => features.getFeatureView({ name: `origin_delays_${dataset}`, version: 0 }, cb));
    expect([view.featureView?.version, view.featureView?.features.map((f) => f.name)]).toEqual([1, ['mean_delay_7d', 'flights_1d', 'last_delay']]);
  });

  it('answers bad input with precise statuses', async () => {
    const at = Date.parse(flights[100].date);
    const unknownFeature = await failure(historical({ features: { selection: { $case: 'features', value: { refs: [`origin_delays_${dataset}:median_delay`] } } }, entitySource: { $case: 'entityRows', value: entityRows([{ origin: 'ATL', destination: 'SFO', at }]) } }));
    expect(unknownFeature.code).toBe(grpc.status.NOT_FOUND);
    expect(unknownFeature.details).toContain('median_delay');
    const unknownView = await failure(historical({ features: { selection: { $case: 'features', value: { refs: ['no_such_view:x'] } } }, entitySource: { $case: 'entityRows', value: entityRows([{ origin: 'ATL', destination: 'SFO', at }]) } }));
    expect(unknownView.code).toBe(grpc.status.NOT_FOUND);

    const refs = { selection: { $case: 'features' as const, value: { refs: [`route_stats_${dataset}:flights_1d`] } } };
    const withoutDestination = entityRows([{ origin: 'ATL', destination: 'SFO', at }]);
    withoutDestination.columns = withoutDestination.columns.filter((c) => c.name !== 'destination');
    withoutDestination.rows = withoutDestination.rows.map((r) => ({ values: [r.values[0], r.values[2]] }));
    const missingKey = await failure(historical({ features: refs, entitySource: { $case: 'entityRows', value: withoutDestination } }));
    expect([missingKey.code, missingKey.details]).toEqual([grpc.status.INVALID_ARGUMENT, `missing entity key "destination" (join key of feature view "route_stats_${dataset}")`]);

    const malformed = entityRows([{ origin: 'ATL', destination: 'SFO', at }]);
    malformed.rows[0].values[2] = str('yesterday');
    const badTime = await failure(historical({ features: refs, entitySource: { $case: 'entityRows', value: malformed } }));
    expect([badTime.code, decodeStatusDetails(badTime).fieldViolations[0].field]).toEqual([grpc.status.INVALID_ARGUMENT, 'entity_rows.rows[0].values[2]']);

    const outOfOrder = await failure(historical({ features: refs, entitySource: { $case: 'entityRows', value: entityRows([{ origin: 'ATL', destination: 'SFO', at }, { origin: 'ATL', destination: 'SFO', at: at - 1 }]) } }));
    expect([outOfOrder.code, outOfOrder.details]).toEqual([grpc.status.INVALID_ARGUMENT, 'entity rows must be in ascending timestamp order; row 1 is earlier than row 0']);

    const onlineMissingKey = await failure(call((cb) => features.getOnlineFeatures(fpb.GetOnlineFeaturesRequest.fromPartial({ features: refs, entities: [{ joinKeys: { origin: str('ATL') } }] }), cb)));
    expect([onlineMissingKey.code, decodeStatusDetails(onlineMissingKey).fieldViolations[0].field]).toEqual([grpc.status.INVALID_ARGUMENT, 'entities[0].join_keys.destination']);
  });
});
