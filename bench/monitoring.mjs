// Monitoring figures: how fast the real monitoring service consumes the prediction log, and how fast
// it then reports the windows it filled. One monitoring process, started from dist/ against the local
// Kafka and a PostgreSQL database of its own (created here, dropped at the end), with a unique model
// per run; every figure is printed, never asserted.
// Procedure: (1) a reference profile for 10 features (7 numeric, 3 categorical) and the model's
// probability, built by training's profileFeatures/referenceProfileOf from 20,000 generated rows and
// stored in a temporary LocalArtifactStore (the service's ARTIFACT_STORE); (2) the model and its
// version announced as the registry does (registry.model.created, registry.model_version.registered,
// with envelopes), waited for in monitoring.monitored_versions (entries of unregistered versions are
// skipped); (3) history: the service's group `monitoring.predictions` starts where Kafka last
// committed it (from the beginning on the very first start), and other benches and tests leave
// entries of unknown models or malformed ones on the topic; one marker entry is produced, and the
// clock starts once it is stored and the group's committed offsets have reached every partition's
// end (the time this took is printed); (4) BENCH_ENTRIES (200,000) serving.prediction.logged entries,
// one instance each (10 inputs, output `probability`), predicted_at spread evenly over 24 hours, each
// with a traceparent header as serving's instrumented producer adds (so monitoring records a span per
// entry, as it does for serving's; BENCH_TRACEPARENT=0 leaves it out), are encoded beforehand and
// produced as fast as one producer can (sends of 1,000, one after another, so the log stays in time
// order); all go to one partition, since the log is keyed by model name.
// Consumed rate = entries / (last stored − first produce), polled every 250 ms on the series row's
// sequence counter (monitoring.prediction_series.next_seq, written in the same transaction as the
// rows; `SELECT count(*) FROM monitoring.predictions` on a growing table would load the database being
// measured, so it is run once at the end to check); (5) the report pass: the 24 hourly windows are held
// back by MONITORING_ALLOWED_LATENESS_MS=24 h (so none closes, half-filled, while the log is being
// consumed), and a last entry 48 h after the first closes all 24 at once; the time until the 24 are in
// monitoring.reports gives reports/s and rows/s, and the service's own monitoring.report.duration
// histogram says how much of it was reporting (the rest is waiting for the next evaluation pass, every
// MONITORING_EVALUATION_INTERVAL_MS = 1 s here). BENCH_STREAMING=1 runs the service with lateness 0
// instead: windows then close and are reported while the log is still being consumed, as in steady
// production, and the consumed rate includes that reporting.
// CPU: of the service, of PostgreSQL (all its processes) and of the Kafka broker, per phase, from /proc
// (all three share this machine's cores with this script, and PostgreSQL and Kafka with anyone else
// using them meanwhile).
// `npm run bench -- monitoring` (builds, starts Kafka and PostgreSQL if needed); or, with both up and
// dist/ built, `eval "$(bash deploy/local/infra.sh env)"; node bench/monitoring.mjs`. BENCH_ENTRIES,
// BENCH_STREAMING, BENCH_TRACEPARENT, BENCH_CPU_PROF=<dir> runs the service with --cpu-prof and leaves
// its profile there; BENCH_KEEP=1 keeps the temporary directory (the service's log). About a minute.
// Caveat: the service's consumer groups (`monitoring`, `monitoring.predictions`) are fixed names; a
// monitoring process started meanwhile by a test on the same broker would share the partitions. The
// bench waits for those groups to be empty before it starts, and says so if one gained a member.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, until } from './support.mjs';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const { Kafka, logLevel, Partitioners } = require('kafkajs');
const pg = require('pg');
const { commonV1, eventsV1 } = require(join(root, 'dist/libs/proto/src/index.js'));
const { Events, envelopeHeaders, newEnvelope } = require(join(root, 'dist/libs/events/src/index.js'));
const { LocalArtifactStore } = require(join(root, 'dist/libs/artifacts/src/index.js'));
const { waitForServing } = require(join(root, 'dist/libs/testing/src/health.js'));
const { freePort } = require(join(root, 'dist/libs/testing/src/free-port.js'));
const training = (path) => require(join(root, 'dist/apps/training/src', path));
const { profileFeatures } = training('domain/profile.js');
const { referenceProfileOf } = training('pipeline/reference-profile.js');
const { seededRandom } = training('domain/pipeline/split.js');

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 200_000);
const STREAMING = process.env.BENCH_STREAMING === '1';
const TRACED = process.env.BENCH_TRACEPARENT !== '0';
const REFERENCE_ROWS = 20_000;
const SEND_BATCH = 1_000;
const HOUR = 3_600_000;
const WINDOWS = 24;
const EVALUATION_INTERVAL_MS = 1_000;
const T0 = Date.UTC(2025, 0, 6); // an hour boundary: the 24 windows are [T0 + k h, T0 + (k + 1) h)
const run = randomBytes(3).toString('hex');
const model = `bench-monitoring-${run}`;
const secret = randomBytes(32).toString('hex');
const work = mkdtempSync(join(tmpdir(), 'bench-monitoring-'));
const database = `bench_monitoring_${run}`;
const databaseUrl = process.env.DATABASE_URL.replace(/\/[^/?]+(\?|$)/, `/${database}$1`);
const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
const db = new pg.Client({ connectionString: databaseUrl });
const GROUPS = ['monitoring', 'monitoring.predictions'];
// kafkajs 2 sets a negative timeout on Node 24 (TimeoutNegativeWarning, harmless); other warnings still print.
process.removeAllListeners('warning');
process.on('warning', (warning) => warning.name !== 'TimeoutNegativeWarning' && console.warn(`${warning.name}: ${warning.message}`));

let service;
const stopService = () => service?.exitCode === null && service.signalCode === null && service.kill('SIGTERM');
process.on('exit', () => {
  stopService();
  if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

// ---- The data: 7 numeric and 3 categorical inputs, and the model's probability ----
const random = seededRandom('4242');
const normal = (mean, sd) => mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const round = (digits) => (x) => Math.round(x * 10 ** digits) / 10 ** digits;
const pick = (values, weights) => {
  let u = random() * weights.reduce((s, w) => s + w, 0);
  for (let i = 0; i < values.length; i++) if ((u -= weights[i]) < 0) return values[i];
  return values.at(-1);
};
const REGIONS = ['north', 'south', 'east', 'west', 'central', 'coast', 'mountain', 'valley', 'lakes', 'plains', 'islands', 'metro'];
const MERCHANTS = Array.from({ length: 150 }, (_, i) => `m${String(i).padStart(3, '0')}`);
const MERCHANT_WEIGHTS = MERCHANTS.map((_, k) => 1 / (k + 1) ** 1.1);
const FEATURES = [
  ['amount', 'numeric', () => round(2)(Math.exp(normal(3, 0.8)))],
  ['score', 'numeric', () => (random() < 0.01 ? null : round(4)(normal(0, 1)))],
  ['latency_ms', 'numeric', () => round(1)(normal(200, 30))],
  ['temperature', 'numeric', () => round(2)(normal(20, 5))],
  ['balance', 'numeric', () => round(2)(normal(1000, 250))],
  ['items', 'numeric', () => Math.floor(random() * 5)],
  ['hour', 'numeric', () => Math.floor(random() * 24)],
  ['channel', 'categorical', () => pick(['web', 'app', 'store', 'phone', 'partner'], [45, 30, 15, 7, 3])],
  ['region', 'categorical', () => (random() < 0.005 ? null : pick(REGIONS, [14, 12, 11, 10, 9, 9, 8, 7, 6, 5, 5, 4]))],
  ['merchant', 'categorical', () => pick(MERCHANTS, MERCHANT_WEIGHTS)],
];
const row = () => Object.fromEntries(FEATURES.map(([name, , gen]) => [name, gen()]));
const probability = (r) => round(4)(1 / (1 + Math.exp(-(-1 + 0.8 * (r.score ?? 0) + 0.02 * (r.latency_ms - 200) + 0.3 * r.items + (r.channel === 'web' ? 0.2 : 0)))));

function referenceProfileBytes() {
  const rows = Array.from({ length: REFERENCE_ROWS }, row);
  const scores = rows.map(probability);
  const features = profileFeatures(FEATURES.map(([name, kind]) => ({ name, kind, values: rows.map((r) => r[name]) })));
  const [label, prediction] = profileFeatures([
    { name: 'label', kind: 'numeric', values: scores.map((p) => (random() < p ? 1 : 0)) },
    { name: 'probability', kind: 'numeric', values: scores },
  ]);
  return commonV1.ReferenceProfile.encode(referenceProfileOf({ rowCount: REFERENCE_ROWS, features, label, prediction }, `bench-${run}`)).finish();
}

const featureValue = (v) => (v === null ? { kind: { $case: 'nullValue', value: 0 } } : typeof v === 'string' ? { kind: { $case: 'stringValue', value: v } } : { kind: { $case: 'doubleValue', value: v } });
/**
 * One prediction log entry as serving writes it, encoded with its envelope headers and, as serving's
 * (instrumented) producer adds, a W3C traceparent: one trace per send, a span per message. Monitoring
 * records a "process" span for each entry that carries one (UntracedMessageSampler drops the others).
 */
let traceId = randomBytes(16).toString('hex');
function logMessage(requestId, at, inputs, index = 0) {
  if (index % SEND_BATCH === 0) traceId = randomBytes(16).toString('hex');
  const entry = eventsV1.PredictionLogged.fromPartial({
    requestId, modelName: model, modelVersion: 1, arm: 'stable', deploymentRevision: 1, predictedAt: new Date(at),
    latency: { seconds: 0, nanos: Math.round((1 + random() * 4) * 1e6) }, statusCode: 0, sampleRate: 1, protocol: 'predict',
    instances: [{ inputs: Object.fromEntries(Object.entries(inputs).map(([name, v]) => [name, featureValue(v)])), outputs: { probability: { shape: [1], doubleValues: [probability(inputs)] } } }],
  });
  const headers = envelopeHeaders(newEnvelope(Events.predictionLogged));
  if (TRACED) headers.traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
  return { key: Events.predictionLogged.key(entry), value: Buffer.from(Events.predictionLogged.codec.encode(entry).finish()), headers };
}

// ---- Measuring ----
const TICK = 100;
const cpuOfPid = (pid) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return 0; // exited
  }
};
/** PIDs of PostgreSQL (every process named postgres) and of the Kafka broker, found in /proc. */
function infrastructurePids() {
  const pids = { postgres: [], kafka: [] };
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') pids.postgres.push(pid);
      else if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka')) pids.kafka.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
const machineBusy = () => {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return (ticks.reduce((s, n) => s + n, 0) - ticks[3] - ticks[4]) / TICK;
};
/** CPU seconds so far of the service, PostgreSQL, Kafka and the machine, and the wall clock. */
function cpuSnapshot() {
  const pids = infrastructurePids();
  return {
    at: performance.now(), service: cpuOfPid(service.pid), postgres: pids.postgres.reduce((s, p) => s + cpuOfPid(p), 0), kafka: pids.kafka.reduce((s, p) => s + cpuOfPid(p), 0), machine: machineBusy(),
    bench: cpuOfPid(process.pid),
  };
}
/** Each one's CPU between two snapshots as a share of one core ("100%" = one core busy all along). */
function cpuBetween(a, b) {
  const wall = (b.at - a.at) / 1000;
  const share = (key) => `${Math.round(((b[key] - a[key]) / wall) * 100)}%`;
  const others = b.machine - a.machine - ['service', 'postgres', 'kafka', 'bench'].reduce((s, key) => s + b[key] - a[key], 0);
  return { service: share('service'), postgres: share('postgres'), kafka: share('kafka'), bench: share('bench'), machine: `${share('machine')} of 200%`, others: `${Math.max(0, Math.round((others / wall) * 100))}%` };
}

/** The service's own histogram monitoring.report.duration (count, sum in s), from its Prometheus endpoint. */
async function reportDurations(metricsPort) {
  const body = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const sum = (suffix) => body.split('\n')
    .filter((l) => new RegExp(`^monitoring_report_duration(_seconds)?_${suffix}[{ ]`).test(l) && l.includes(`model="${model}"`))
    .reduce((s, l) => s + Number(l.split(' ').pop()), 0);
  return { count: sum('count'), seconds: sum('sum') };
}

const groupMembers = async (kafkaAdmin) => Object.fromEntries((await kafkaAdmin.describeGroups(GROUPS)).groups.map((g) => [g.groupId, g.members.length]));
/** Messages between the prediction log group's committed offsets and the partitions' ends, per partition. */
async function predictionLogLag(kafkaAdmin) {
  const ends = await kafkaAdmin.fetchTopicOffsets(Events.predictionLogged.topic);
  const [committed] = await kafkaAdmin.fetchOffsets({ groupId: 'monitoring.predictions', topics: [Events.predictionLogged.topic] });
  const at = new Map(committed.partitions.map((p) => [p.partition, Number(p.offset)]));
  return new Map(ends.map((e) => {
    const offset = at.get(e.partition) ?? -1; // -1: nothing committed, the group starts at the beginning
    return [e.partition, Number(e.high) - Math.max(Number(e.low), offset)];
  }));
}
const sumOf = (lag) => [...lag.values()].reduce((s, n) => s + n, 0);

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const secs = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

// ---- The run ----
const kafka = new Kafka({ clientId: 'bench-monitoring', brokers: process.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
const kafkaAdmin = kafka.admin();
// The services' producer settings: the Java client's murmur2 partitioner puts the model on the partition serving would.
const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, createPartitioner: Partitioners.DefaultPartitioner });
await kafkaAdmin.connect();
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
let exitCode = 0;
try {
  // Another monitoring process in the same groups would take some of the partitions (and this model's entries).
  const busy = await until(async () => {
    const members = await groupMembers(kafkaAdmin);
    return Object.values(members).every((n) => n === 0) ? false : undefined;
  }, 'the consumer groups monitoring and monitoring.predictions to be empty (a monitoring process is running on this broker)', 600_000).catch((error) => error);
  if (busy instanceof Error) throw busy;

  const store = new LocalArtifactStore(join(work, 'store'));
  let started = performance.now();
  const profileBytes = referenceProfileBytes();
  const artifact = await store.put((async function* () { yield profileBytes; })(), { mediaType: 'application/x-protobuf' });
  console.log(`reference profile: ${REFERENCE_ROWS.toLocaleString('en-US')} rows, ${FEATURES.length} features (7 numeric, 3 categorical) + label + probability, ${(profileBytes.length / 1024).toFixed(0)} KiB, built in ${secs(performance.now() - started)}`);

  // The entries, encoded before any clock starts: the marker (at T0), the measured ones (spread over 24 h), the closer (T0 + 48 h).
  started = performance.now();
  const marker = logMessage(`marker-${run}`, T0, row());
  const entries = Array.from({ length: ENTRIES }, (_, i) => logMessage(`r${i}-${run}`, T0 + Math.floor((i * WINDOWS * HOUR) / ENTRIES), row(), i));
  // Streaming: lateness 0, the closer closes the 24th window; otherwise lateness 24 h, and at T0 + 48 h it closes the 24 (and no empty one after them).
  const closer = logMessage(`closer-${run}`, T0 + (STREAMING ? 1 : 2) * WINDOWS * HOUR, row());
  const bytes = entries.reduce((s, m) => s + m.value.length, 0);
  console.log(`${ENTRIES.toLocaleString('en-US')} prediction log entries encoded in ${secs(performance.now() - started)}: ${Math.round(bytes / ENTRIES)} bytes of protobuf each + envelope headers${TRACED ? ' + traceparent (as serving sends them)' : ', no traceparent (BENCH_TRACEPARENT=0)'}`);

  const lagBefore = await predictionLogLag(kafkaAdmin);
  const [metricsPort, grpcPort] = [await freePort(), await freePort()];
  const log = createWriteStream(join(work, 'monitoring.log'));
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  started = performance.now();
  service = spawn(process.execPath, [...profile, join(root, 'dist/apps/monitoring/src/main.js')], {
    env: {
      ...process.env, DATABASE_URL: databaseUrl, GRPC_PORT: String(grpcPort), METRICS_PORT: String(metricsPort), AUTH_TOKEN_SECRET: secret, ARTIFACT_STORE: join(work, 'store'), LOG_LEVEL: 'warn',
      MONITORING_WINDOW_MS: String(HOUR), MONITORING_ALLOWED_LATENESS_MS: String(STREAMING ? 0 : WINDOWS * HOUR), MONITORING_EVALUATION_INTERVAL_MS: String(EVALUATION_INTERVAL_MS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  service.stdout.pipe(log);
  service.stderr.pipe(log);
  const exited = new Promise((resolve) => service.once('exit', (code, signal) => resolve(code ?? signal)));
  void exited.then((code) => code !== 'SIGTERM' && code !== 0 && console.error(`monitoring exited with ${code}; its log: ${join(work, 'monitoring.log')}`));
  await Promise.race([waitForServing(grpcPort, 120_000), exited.then((code) => Promise.reject(new Error(`monitoring exited with ${code} before serving; see ${join(work, 'monitoring.log')}`)))]);
  await db.connect();
  const startMs = performance.now() - started;
  console.log(`monitoring serving in ${secs(startMs)} (pid ${service.pid}${profile.length ? `, --cpu-prof into ${process.env.BENCH_CPU_PROF}` : ''}); database ${database}; model ${model}`);

  // The registry's announcements, as the e2e test emits them.
  await producer.connect();
  const emit = (definition, payload) => producer.send({ topic: definition.topic, messages: [{ key: definition.key(payload), value: Buffer.from(definition.codec.encode(payload).finish()), headers: envelopeHeaders(newEnvelope(definition)) }] });
  started = performance.now();
  await emit(Events.registeredModelCreated, eventsV1.RegisteredModelCreated.fromPartial({ name: model, task: commonV1.TaskType.TASK_TYPE_BINARY_CLASSIFICATION, createdAt: new Date() }));
  await emit(Events.modelVersionRegistered, eventsV1.ModelVersionRegistered.fromPartial({
    modelName: model, version: 1, referenceProfile: { digest: artifact.digest, sizeBytes: artifact.sizeBytes, mediaType: 'application/x-protobuf', uri: artifact.uri },
  }));
  await until(async () => ((await db.query('SELECT 1 FROM monitoring.monitored_versions WHERE model_name = $1', [model])).rowCount === 1 ? true : undefined), 'the version to be registered with monitoring', 300_000);
  console.log(`version registered with monitoring ${secs(performance.now() - started)} after the events were produced`);

  // History: the marker is stored once this model's partition is worked off; then every partition must be.
  const storedCount = async () => Number((await db.query('SELECT next_seq - 1 AS n FROM monitoring.prediction_series WHERE model_name = $1', [model])).rows[0]?.n ?? 0);
  const historyStarted = performance.now();
  const cpuHistory = cpuSnapshot();
  await producer.send({ topic: Events.predictionLogged.topic, messages: [marker] });
  await until(async () => ((await storedCount()) >= 1 ? true : undefined), 'the marker entry to be stored');
  const markerMs = performance.now() - historyStarted;
  const drained = await until(async () => (sumOf(await predictionLogLag(kafkaAdmin)) === 0 ? true : undefined), 'the prediction log group to reach the end of every partition', 300_000).catch(() => false);
  const historyMs = performance.now() - historyStarted;
  const historyCpu = cpuBetween(cpuHistory, cpuSnapshot());
  const partition = (await kafkaAdmin.fetchTopicOffsets(Events.predictionLogged.topic)).length;
  console.log(
    `history: ${fmt(sumOf(lagBefore))} entries of other models on the ${partition} partitions past the group's committed offsets at start; marker stored after ${secs(markerMs)},` +
      ` ${drained ? `every partition worked off after ${secs(historyMs)}` : `the group still lags (${fmt(sumOf(await predictionLogLag(kafkaAdmin)))} entries: someone is producing meanwhile) after ${secs(historyMs)}; measuring anyway`}`,
  );

  // Consumption: produce as fast as one producer can (in order), then wait until every entry is stored.
  // Consumed batches: each one advances its partition's row in monitoring.source_offsets by one UPDATE, and nothing else updates it.
  const offsetUpdates = async () => Number((await db.query("SELECT n_tup_upd FROM pg_stat_user_tables WHERE schemaname = 'monitoring' AND relname = 'source_offsets'")).rows[0].n_tup_upd);
  const cpuIdle = cpuSnapshot();
  await sleep(3_000);
  const idleCpu = cpuBetween(cpuIdle, cpuSnapshot());
  console.log(`before producing, 3 s idle: service ${idleCpu.service}, PostgreSQL ${idleCpu.postgres}, Kafka ${idleCpu.kafka}, anything else ${idleCpu.others} (of one core)${parseInt(idleCpu.others, 10) > 20 ? ': *** THE MACHINE IS BUSY WITH SOMETHING ELSE; the figures will be low ***' : ''}`);
  const updatesBefore = await offsetUpdates();
  const cpuConsume = cpuSnapshot();
  const firstProduce = performance.now();
  for (let i = 0; i < entries.length; i += SEND_BATCH) await producer.send({ topic: Events.predictionLogged.topic, messages: entries.slice(i, i + SEND_BATCH) });
  const produced = performance.now();
  const producedCount = await storedCount();
  const total = ENTRIES + 1;
  let lastSeen = -1;
  let lastChange = performance.now();
  await until(async () => {
    const n = await storedCount();
    if (n !== lastSeen) [lastSeen, lastChange] = [n, performance.now()];
    if (performance.now() - lastChange > 120_000) throw new Error(`stuck at ${n - 1} of ${ENTRIES} entries stored for 2 minutes; see ${join(work, 'monitoring.log')}`);
    return n >= total ? true : undefined;
  }, 'every entry to be stored', 3_600_000);
  const consumed = performance.now();
  const consumeCpu = cpuBetween(cpuConsume, cpuSnapshot());
  await sleep(1_500); // table statistics are flushed about every second
  const batches = (await offsetUpdates()) - updatesBefore;
  const membersAfter = await groupMembers(kafkaAdmin);
  const consumeMs = consumed - firstProduce;
  const produceMs = produced - firstProduce;
  console.log(`\nproduced ${fmt(ENTRIES)} entries in ${secs(produceMs)} (${fmt(ENTRIES / (produceMs / 1000))}/s; ${fmt(producedCount - 1)} already stored by then)`);
  console.log(`stored all ${fmt(ENTRIES)} ${secs(consumeMs)} after the first produce: ${fmt(ENTRIES / (consumeMs / 1000))} entries/s consumed end to end; after the last produce ${secs(consumed - produced)} more`);
  console.log(`  ${fmt(batches)} consumed batches (one transaction each; counted by the UPDATEs of monitoring.source_offsets): ${fmt(ENTRIES / Math.max(1, batches))} entries and ${((consumeMs / 1000 / Math.max(1, batches)) * 1000).toFixed(0)} ms each on average`);
  console.log(`  CPU while consuming (100% = one core): service ${consumeCpu.service}, PostgreSQL ${consumeCpu.postgres}, Kafka ${consumeCpu.kafka}, this script ${consumeCpu.bench}, anything else ${consumeCpu.others}; machine ${consumeCpu.machine}`);

  // The report pass: the closer closes the 24 windows (in streaming mode most are reported already).
  const reportCount = async () => Number((await db.query('SELECT count(*) AS n FROM monitoring.reports r JOIN monitoring.prediction_series s USING (series_id) WHERE s.model_name = $1', [model])).rows[0].n);
  const reportedBefore = await reportCount();
  const durationsBefore = await reportDurations(metricsPort);
  const cpuReport = cpuSnapshot();
  const closeProduce = performance.now();
  await producer.send({ topic: Events.predictionLogged.topic, messages: [closer] });
  await until(async () => ((await reportCount()) >= WINDOWS ? true : undefined), `the ${WINDOWS} hourly reports`, 3_600_000);
  const reported = performance.now();
  const reportCpu = cpuBetween(cpuReport, cpuSnapshot());
  const reportMs = reported - closeProduce;
  const durations = await reportDurations(metricsPort);
  const reportedNow = durations.count - durationsBefore.count;
  const computeMs = (durations.seconds - durationsBefore.seconds) * 1000;
  const windowRows = ENTRIES / WINDOWS;
  console.log(`\n${WINDOWS - reportedBefore} window reports (of ${WINDOWS}; ${reportedBefore} made while consuming) in monitoring.reports ${secs(reportMs)} after the closing entry was produced:` +
    ` ${((WINDOWS - reportedBefore) / (reportMs / 1000)).toFixed(1)} reports/s, ${fmt(((WINDOWS - reportedBefore) * windowRows) / (reportMs / 1000))} rows/s`);
  console.log(`  the service's monitoring.report.duration: ${reportedNow} reports, ${secs(computeMs)} in all (${(computeMs / Math.max(1, reportedNow)).toFixed(0)} ms per ${fmt(windowRows)}-row window: read, windowReport, store, alerts),` +
    ` ${fmt((reportedNow * windowRows) / (computeMs / 1000))} rows/s; the rest is the closing entry's way in and the wait for the next evaluation pass (every ${EVALUATION_INTERVAL_MS} ms)`);
  console.log(`  CPU during the report pass: service ${reportCpu.service}, PostgreSQL ${reportCpu.postgres}, Kafka ${reportCpu.kafka}, this script ${reportCpu.bench}, anything else ${reportCpu.others}; machine ${reportCpu.machine}`);

  // Checks, after the clocks: the stored rows and the reports' counts.
  const [{ n: rows }] = (await db.query('SELECT count(*)::int AS n FROM monitoring.predictions')).rows;
  const [{ n: counted, size }] = (await db.query(
    'SELECT sum(prediction_count)::int AS n, pg_size_pretty(pg_total_relation_size(\'monitoring.predictions\')) AS size FROM monitoring.reports r JOIN monitoring.prediction_series s USING (series_id) WHERE s.model_name = $1',
    [model],
  )).rows;
  const [{ drifted }] = (await db.query("SELECT count(*)::int AS drifted FROM monitoring.reports WHERE (body ->> 'datasetDrift')::boolean")).rows;
  console.log(`\nchecks: SELECT count(*) FROM monitoring.predictions = ${fmt(rows)} (expected ${fmt(ENTRIES + 2)} with the marker and the closer); the ${WINDOWS} reports count ${fmt(counted)} predictions (expected ${fmt(ENTRIES + 1)}, the marker included);` +
    ` ${drifted} of them say the dataset drifted (expected 0: same generator); predictions table ${size}`);
  if (Object.values(membersAfter).some((n) => n !== 1)) console.log(`*** consumer group members after consuming: ${JSON.stringify(membersAfter)}: another monitoring process joined; the figures are not this service's alone ***`);

  console.log(`\nMonitoring, one process, ${fmt(ENTRIES)} entries of one model (one partition), ${TRACED ? 'traced' : 'untraced'}, 2 cores shared with PostgreSQL, Kafka and this script${STREAMING ? '; STREAMING: windows reported while consuming' : ''}:`);
  console.table([
    { phase: 'service start → SERVING', time: secs(startMs), rate: '', note: 'migrations, Kafka topics and consumers' },
    { phase: 'history (marker stored, all partitions drained)', time: secs(historyMs), rate: '', note: `${fmt(sumOf(lagBefore))} old entries; service CPU ${historyCpu.service}` },
    { phase: 'produce (one producer, sends of 1,000)', time: secs(produceMs), rate: `${fmt(ENTRIES / (produceMs / 1000))} entries/s`, note: '' },
    { phase: 'consume: first produce → all stored', time: secs(consumeMs), rate: `${fmt(ENTRIES / (consumeMs / 1000))} entries/s`, note: `CPU: service ${consumeCpu.service}, PG ${consumeCpu.postgres}, Kafka ${consumeCpu.kafka}, other ${consumeCpu.others}` },
    { phase: `report pass: ${WINDOWS - reportedBefore} hourly windows`, time: secs(reportMs), rate: `${((WINDOWS - reportedBefore) / (reportMs / 1000)).toFixed(1)} reports/s, ${fmt(((WINDOWS - reportedBefore) * windowRows) / (reportMs / 1000))} rows/s`, note: `CPU: service ${reportCpu.service}, PG ${reportCpu.postgres}, other ${reportCpu.others}` },
    { phase: '  of which reporting (service histogram)', time: secs(computeMs), rate: `${fmt((reportedNow * windowRows) / (computeMs / 1000))} rows/s`, note: `${reportedNow} reports` },
  ]);
} catch (error) {
  console.error(`bench failed: ${error.message}`);
  exitCode = 1;
} finally {
  await producer.disconnect().catch(() => undefined);
  await kafkaAdmin.disconnect().catch(() => undefined);
  await db.end().catch(() => undefined);
  if (service && service.exitCode === null) {
    const gone = new Promise((resolve) => service.once('exit', resolve));
    stopService();
    await Promise.race([gone, sleep(30_000)]);
    if (service.exitCode === null && service.signalCode === null) service.kill('SIGKILL');
  }
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error) => console.error(`could not drop ${database}: ${error.message}`));
  await admin.end();
}
process.exit(exitCode);
