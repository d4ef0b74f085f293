// Ingestion throughput against its ceiling: the raw kafkajs consume rate of the same topic, in the
// same run. Figures are printed, never asserted. Run with `npm run bench -- ingestion`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { parquetReadObjects } from 'hyparquet';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const grpc = require('@grpc/grpc-js');
const { Kafka, logLevel } = require('kafkajs');
const { ingestionV1: pb } = require(join(root, 'dist/libs/proto/src/index.js'));

const ROWS = Number(process.env.BENCH_ROWS ?? 300_000);
const PARTITIONS = 3;
const PORT = 52151;
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

const call = (fn) => new Promise((resolve, reject) => fn((e, r) => (e ? reject(e) : resolve(r))));

async function ingest() {
  const child = spawn(process.execPath, [join(root, 'dist/apps/ingestion/src/main.js')], {
    env: { ...process.env, GRPC_PORT: String(PORT), METRICS_PORT: String(PORT - 42_000), LOG_LEVEL: 'warn', SOURCE_RECONCILE_INTERVAL_MS: '200' },
    stdio: 'inherit',
  });
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
    child.kill('SIGTERM');
  }
}

await produce();
const rawMs = await rawConsume();
const ingested = await ingest();
const raw = rate(ROWS, rawMs);
const ingest_ = rate(ingested.rows, ingested.ms);
console.log(`rows: ${ROWS} flights on ${PARTITIONS} partitions`);
console.log(`raw kafkajs consume:              ${raw} events/s`);
console.log(`ingestion (validate + store + commit): ${ingest_} events/s (stored ${ingested.stats.stored}, quarantined ${ingested.stats.quarantined})`);
console.log(`ratio ingestion / raw:            ${(ingest_ / raw).toFixed(2)}`);
