// Feature store figures: online lookup latency (10 features x 1 entity and x 100 entities per call,
// over gRPC) and offline point-in-time retrieval throughput (entity rows from an ingestion snapshot,
// against three feature views). Real flights go in through ingestion's Parquet import and reach the
// feature service through Kafka. Figures are printed, never asserted. `npm run bench -- feature`;
// BENCH_ROWS (1000000) sets the number of flights and so of entity rows.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { call, percentile, until } from './support.mjs';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const grpc = require('@grpc/grpc-js');
const pg = require('pg');
const { ingestionV1: ipb, featureV1: fpb, commonV1 } = require(join(root, 'dist/libs/proto/src/index.js'));

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const CALLS = 1_000;
const [INGESTION_PORT, FEATURE_PORT] = [22251, 22252];
const run = randomBytes(3).toString('hex');
const dataset = `bench_feat_${run}`;
const str = (value) => ({ kind: { $case: 'stringValue', value } });

function startService(name, port, extra = {}) {
  return spawn(process.execPath, [join(root, `dist/apps/${name}/src/main.js`)], {
    env: { ...process.env, GRPC_PORT: String(port), METRICS_PORT: String(port - 12_000), LOG_LEVEL: 'warn', ...extra },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}


const contract = [
  `dataset: ${dataset}`, 'version: 1.0.0', 'entity_keys: [origin]', 'event_time_field: date', 'fields:',
  '  - { name: date, type: timestamp, required: true, nullable: false }',
  '  - { name: delay, type: int, required: true, nullable: false }',
  '  - { name: distance, type: int, required: true, nullable: false }',
  '  - { name: origin, type: string, required: true, nullable: false }',
  '  - { name: destination, type: string, required: true, nullable: false }',
].join('\n');

const definitions = `
entities:
  - { name: origin_${run}, join_keys: [origin] }
  - { name: destination_${run}, join_keys: [destination] }
  - { name: route_${run}, join_keys: [origin, destination] }
feature_views:
  - name: origin_stats_${run}
    entities: [origin_${run}]
    source: ${dataset}
    features:
      - { name: mean_delay_7d, aggregation: { function: mean, field: delay, window: 7d } }
      - { name: flights_1d, aggregation: { function: count, window: 1d } }
      - { name: max_delay_1d, aggregation: { function: max, field: delay, window: 1d } }
      - { name: min_delay_1d, aggregation: { function: min, field: delay, window: 1d } }
      - { name: last_delay, field: delay }
  - name: route_stats_${run}
    entities: [route_${run}]
    source: ${dataset}
    features:
      - { name: route_flights_1d, aggregation: { function: count, window: 1d } }
      - { name: route_mean_delay_1d, aggregation: { function: mean, field: delay, window: 1d } }
      - { name: distance_km, expression: distance * 1.609, type: float }
  - name: destination_stats_${run}
    entities: [destination_${run}]
    source: ${dataset}
    features:
      - { name: arrivals_1d, aggregation: { function: count, window: 1d } }
      - { name: arrival_delay_7d, aggregation: { function: mean, field: delay, window: 7d } }
feature_services:
  - name: bench_${run}
    features: [origin_stats_${run}, route_stats_${run}, destination_stats_${run}]
`;

const services = [startService('ingestion', INGESTION_PORT), startService('feature', FEATURE_PORT, { INGESTION_ADDRESS: `127.0.0.1:${INGESTION_PORT}` })];
const ingestion = new ipb.IngestionServiceClient(`127.0.0.1:${INGESTION_PORT}`, grpc.credentials.createInsecure());
const features = new fpb.FeatureServiceClient(`127.0.0.1:${FEATURE_PORT}`, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
try {
  await db.connect();
  await until(() => call((cb) => ingestion.listDatasets(ipb.ListDatasetsRequest.fromPartial({}), cb)), 'ingestion');
  await call((cb) => ingestion.applyContract(ipb.ApplyContractRequest.fromPartial({ document: contract }), cb));
  await until(() => call((cb) => features.applyDefinitions(fpb.ApplyDefinitionsRequest.fromPartial({ document: definitions }), cb)), 'the feature service to learn the contract');

  const loadStarted = performance.now();
  const { job } = await call((cb) => ingestion.startFileImport(ipb.StartFileImportRequest.fromPartial({
    dataset, source: { $case: 'filePath', value: join(root, 'node_modules/vega-datasets/data/flights-3m.parquet') }, format: ipb.FileFormat.FILE_FORMAT_PARQUET, maxRows: ROWS, batchSize: 20_000,
  }), cb));
  await until(async () => {
    const { job: j } = await call((cb) => ingestion.getImportJob({ jobId: job.jobId }, cb));
    if (j.state === ipb.ImportJobState.IMPORT_JOB_STATE_FAILED) throw new Error(j.error);
    return j.state === ipb.ImportJobState.IMPORT_JOB_STATE_SUCCEEDED ? j : undefined;
  }, 'the import');
  const ingestedMs = performance.now() - loadStarted;
  await until(async () => {
    const { rows } = await db.query('SELECT count(*)::int AS n FROM feature.source_rows WHERE dataset = $1', [dataset]);
    return rows[0].n >= ROWS ? true : undefined;
  }, 'the offline store');
  const offlineMs = performance.now() - loadStarted;

  // Online lookups: 10 features of three views per entity.
  const { rows: pairs } = await db.query(
    `SELECT values->>'origin' AS origin, values->>'destination' AS destination FROM feature.source_rows WHERE dataset = $1 GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 100`,
    [dataset],
  );
  const entities = pairs.map((p) => ({ joinKeys: { origin: str(p.origin), destination: str(p.destination) } }));
  const selection = { selection: { $case: 'featureService', value: { name: `bench_${run}`, version: 0 } } };
  const latency = async (batch) => {
    const times = [];
    for (let i = 0; i < CALLS; i++) {
      const chosen = batch === 1 ? [entities[i % entities.length]] : entities.slice(0, batch);
      const started = performance.now();
      await call((cb) => features.getOnlineFeatures(fpb.GetOnlineFeaturesRequest.fromPartial({ features: selection, entities: chosen }), cb));
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b);
  };
  await latency(1); // warm-up
  const one = await latency(1);
  const hundred = await latency(100);

  // Offline: every flight is an entity row, as of its own time, against the three views.
  const { snapshot } = await call((cb) => ingestion.createSnapshot(ipb.CreateSnapshotRequest.fromPartial({ dataset }), cb));
  const started = performance.now();
  let retrieved = 0;
  const stream = features.getHistoricalFeatures(fpb.GetHistoricalFeaturesRequest.fromPartial({ features: selection, entitySource: { $case: 'entitySnapshotId', value: snapshot.snapshotId }, batchSize: 5_000 }));
  for await (const message of stream) if (message.message?.$case === 'rows') retrieved += message.message.value.rows.length;
  const offlineRetrievalMs = performance.now() - started;

  const rate = (n, ms) => Math.round((n / ms) * 1000);
  console.log(`flights: ${ROWS}; 3 feature views, 10 features`);
  console.log(`ingestion import:                  ${rate(ROWS, ingestedMs)} rows/s`);
  console.log(`offline store filled (via Kafka):  ${rate(ROWS, offlineMs)} rows/s, ${(offlineMs / 1000).toFixed(1)} s after the import started`);
  console.log(`online, 10 features x 1 entity:    p50 ${percentile(one, 50).toFixed(2)} ms, p99 ${percentile(one, 99).toFixed(2)} ms (${CALLS} calls)`);
  console.log(`online, 10 features x 100 entities: p50 ${percentile(hundred, 50).toFixed(2)} ms, p99 ${percentile(hundred, 99).toFixed(2)} ms (${CALLS} calls)`);
  console.log(`offline retrieval, ${retrieved} entity rows: ${rate(retrieved, offlineRetrievalMs)} rows/s (${(offlineRetrievalMs / 1000).toFixed(1)} s)`);
} finally {
  ingestion.close();
  features.close();
  await db.end();
  for (const child of services) child.kill('SIGTERM');
}
