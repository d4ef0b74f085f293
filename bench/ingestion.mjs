// Ingestion throughput against its ceilings, in the same run: the raw kafkajs consume rate of the same
// topic, and the rate PostgreSQL alone takes the same rows by COPY into a table shaped like `records`.
// Figures are printed, never asserted. Run with `npm run bench -- ingestion`; BENCH_ROWS (300000) and
// BENCH_REPLICAS (1) change the run.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { parquetReadObjects } from 'hyparquet';
import { call } from './support.mjs';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const grpc = require('@grpc/grpc-js');
const { Kafka, logLevel } = require('kafkajs');
const { ingestionV1: pb } = require(join(root, 'dist/libs/proto/src/index.js'));
const { copyTextLines } = require(join(root, 'dist/libs/persistence/src/index.js'));
const pg = require('pg');
const { from: copyFrom } = require('pg-copy-streams');

const ROWS = Number(process.env.BENCH_ROWS ?? 300_000);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 1);
const PARTITIONS = 3;
const PORT = 22151;
const brokers = process.env.KAFKA_BROKERS.split(',');
const run = randomBytes(3).toString('hex');
const topic = `bench.flights.${run}`;
const dataset = `bench_flights_${run}`;
const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });

const rate = (n, ms) => Math.round((n / ms) * 1000);

async function produce() {
  const bytes = readFileSync(join(root, 'node_modules/vega-datasets/data/flights-3m.parquet'));
  const rows = await parquetReadObjects({
    file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    rowStart: 0,
    rowEnd: ROWS,
    compressors: { ZSTD: (input) => new Uint8Array(zstdDecompressSync(input)) },
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const messages = rows.map((r) => ({ key: r.origin, value: JSON.stringify({ date: r.date.toISOString(), delay: Number(r.delay), distance: Number(r.distance), origin: r.origin, destination: r.destination }) }));
  for (let i = 0; i < messages.length; i += 10_000) await producer.send({ topic, messages: messages.slice(i, i + 10_000) });
  await producer.disconnect();
  return messages;
}

/** The storage ceiling: the same rows, already validated, by COPY in batches like a consumer's. */
async function postgresCopy(messages) {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const table = `bench_records_${run}`;
  await client.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, dataset text NOT NULL, contract_version text NOT NULL, event_time timestamptz NOT NULL,
    entity_key text NOT NULL, values jsonb NOT NULL, row_hash bytea NOT NULL, source smallint NOT NULL, source_ref text NOT NULL, ingested_at timestamptz NOT NULL DEFAULT now())`);
  await client.query(`CREATE INDEX ON ${table} (dataset, event_time, id)`);
  const rows = messages.map((m, i) => {
    const value = JSON.parse(m.value);
    return [dataset, '1.0.0', value.date, m.key, m.value, createHash('sha256').update(m.value).digest(), 1, `${topic}/0/${i}`];
  });
  const started = performance.now();
  for (let i = 0; i < rows.length; i += 15_000) {
    await client.query('BEGIN');
    const target = client.query(copyFrom(`COPY ${table} (dataset, contract_version, event_time, entity_key, values, row_hash, source, source_ref) FROM STDIN`));
    await pipeline(Readable.from(copyTextLines(rows.slice(i, i + 15_000))), target);
    await client.query('COMMIT');
  }
  const ms = performance.now() - started;
  await client.query(`DROP TABLE ${table}`);
  await client.end();
  return ms;
}

/** The ceiling: a kafkajs consumer that only counts, from the first offset to the last. */
async function rawConsume() {
  const consumer = kafka.consumer({ groupId: `bench-raw-${run}`, maxBytesPerPartition: 2 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let count = 0;
  let started;
  const done = new Promise((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: PARTITIONS,
      eachBatch: async ({ batch }) => {
        started ??= performance.now();
        count += batch.messages.length;
        if (count >= ROWS) resolve(performance.now());
      },
    });
  });
  const ended = await done;
  await consumer.disconnect();
  return ended - started;
}


async function ingest() {
  const children = Array.from({ length: REPLICAS }, (_, i) =>
    spawn(process.execPath, [join(root, 'dist/apps/ingestion/src/main.js')], {
      env: { ...process.env, GRPC_PORT: String(PORT + i), METRICS_PORT: String(PORT + i - 12_000), LOG_LEVEL: 'warn', SOURCE_RECONCILE_INTERVAL_MS: '200' },
      stdio: 'inherit',
    }),
  );
  const client = new pb.IngestionServiceClient(`127.0.0.1:${PORT}`, grpc.credentials.createInsecure());
  try {
    for (let i = 0; ; i++) {
      try {
        await call((cb) => client.listDatasets(pb.ListDatasetsRequest.fromPartial({}), cb));
        break;
      } catch (e) {
        if (i > 300) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const contract = [
      `dataset: ${dataset}`, 'version: 1.0.0', 'entity_keys: [origin]', 'event_time_field: date', 'fields:',
      '  - { name: date, type: timestamp, required: true, nullable: false }',
      '  - { name: delay, type: int, required: true, nullable: false, range: { min: -1440, max: 2880 } }',
      '  - { name: distance, type: int, required: true, nullable: false, range: { min: 1, max: 6000 } }',
      '  - { name: origin, type: string, required: true, nullable: false, pattern: "[A-Z0-9]{3}" }',
      '  - { name: destination, type: string, required: true, nullable: false, pattern: "[A-Z0-9]{3}" }',
      'source:', `  topic: ${topic}`, `  partition_concurrency: ${PARTITIONS}`,
    ].join('\n');
    await call((cb) => client.applyContract(pb.ApplyContractRequest.fromPartial({ document: contract }), cb));
    let started;
    for (;;) {
      const stats = await call((cb) => client.getDatasetStats(pb.GetDatasetStatsRequest.fromPartial({ dataset }), cb));
      if (stats.received > 0) started ??= { at: performance.now(), received: stats.received };
      if (stats.received >= ROWS) return { ms: performance.now() - started.at, rows: ROWS - started.received, stats };
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    client.close();
    for (const child of children) child.kill('SIGTERM');
  }
}

const messages = await produce();
const rawMs = await rawConsume();
const copyMs = await postgresCopy(messages);
const ingested = await ingest();
const raw = rate(ROWS, rawMs);
const copy = rate(ROWS, copyMs);
const ingest_ = rate(ingested.rows, ingested.ms);
console.log(`rows: ${ROWS} flights on ${PARTITIONS} partitions, ${REPLICAS} ingestion replica(s)`);
console.log(`raw kafkajs consume:                    ${raw} events/s`);
console.log(`PostgreSQL COPY of the same rows:       ${copy} rows/s`);
console.log(`ingestion (validate + store + commit):  ${ingest_} events/s (stored ${ingested.stats.stored}, quarantined ${ingested.stats.quarantined})`);
console.log(`ratio ingestion / raw consume:          ${(ingest_ / raw).toFixed(2)}`);
console.log(`ratio ingestion / PostgreSQL COPY:      ${(ingest_ / copy).toFixed(2)}`);
