// Serving figures: throughput and p50/p99 latency of Predict for a GBDT (200 trees, depth 6, 8
// numeric and categorical features), (a) with raw inputs and (b) enriched with online features by
// entity key, next to a bare @grpc/grpc-js server answering the same Predict messages at once (the
// ceiling for a Node gRPC server on this machine), measured in the same run and printed as a ratio.
// Procedure: saturation (closed loop, BENCH_CONCURRENCY calls in flight) for the echo server and for
// serving, then a rate-limited run at half of serving's saturated rate for the latency; the same for
// (a) with 1% of requests in the prediction log instead of all (what logging to Kafka costs) and (b);
// then 100 instances per request. The load comes from ghz (Go, pinned, installed from the Go
// module proxy into .bench/ on first use; a Node generator in its own process if that fails).
// One serving process, started from dist/ against the local Kafka and PostgreSQL; the model is
// deployed as the registry does it, by a registry.model.promoted event. Figures are printed, never
// asserted. `npm run bench -- serving`; BENCH_SECONDS (10) per measured run, BENCH_CONCURRENCY (32);
// BENCH_CPU_PROF=<dir> runs serving with --cpu-prof and leaves its profile there.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, createWriteStream, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, sleep, until } from './support.mjs';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const grpc = require('@grpc/grpc-js');
const { Kafka, logLevel } = require('kafkajs');
const pg = require('pg');
const { servingV1: pb, commonV1, eventsV1 } = require(join(root, 'dist/libs/proto/src/index.js'));
const { Events, envelopeHeaders, newEnvelope } = require(join(root, 'dist/libs/events/src/index.js'));
const { issueToken } = require(join(root, 'dist/libs/auth/src/index.js'));
const { LocalArtifactStore } = require(join(root, 'dist/libs/artifacts/src/index.js'));
const training = (path) => require(join(root, 'dist/apps/training/src', path));
const { DEFAULT_GBDT, trainGbdt } = training('domain/gbdt.js');
const { fitEncodings, treeInputs } = training('domain/preprocessing.js');
const { pipelineModel } = training('domain/onnx/pipeline-onnx.js');
const { encodeModel } = training('domain/onnx/onnx-model.js');
const { seededRandom } = training('domain/pipeline/split.js');

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const BATCH = 100;
const BATCH_CONCURRENCY = 8;
const WARM_UP_SECONDS = Math.min(3, SECONDS);
const GHZ_VERSION = 'v0.120.0';
const [PORT, ECHO_PORT, FEATURE_PORT] = [22255, 22256, 22257];
const METRICS_PORT = PORT - 12_000;
const run = randomBytes(3).toString('hex');
const model = `bench-flights-${run}`;
const secret = randomBytes(32).toString('hex');
const work = mkdtempSync(join(tmpdir(), 'bench-serving-'));
// A database of its own: the bench's deployments name artifacts in its temporary store, and must not
// be loaded by the next serving process started against the shared test database.
const database = `bench_serving_${run}`;
const databaseUrl = process.env.DATABASE_URL.replace(/\/[^/?]+(\?|$)/, `/${database}$1`);
const databases = new pg.Client({ connectionString: process.env.DATABASE_URL });
// ghz reads the messages from the build's descriptor set; a copy, since a concurrent build regenerates it.
const PROTOSET = join(work, 'descriptor-set.binpb');
copyFileSync(join(root, 'libs/proto/src/generated/descriptor-set.binpb'), PROTOSET);
// kafkajs 2 sets a negative timeout on Node 24 (TimeoutNegativeWarning, harmless); other warnings still print.
process.removeAllListeners('warning');
process.on('warning', (warning) => warning.name !== 'TimeoutNegativeWarning' && console.warn(`${warning.name}: ${warning.message}`));

// Every child is killed on the way out, whatever the way out is.
const children = new Set();
const track = (child) => {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
};
const killAll = () => {
  for (const child of children) child.kill('SIGTERM');
};
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));


/** A stand-in server from bench/grpc-echo.mjs, in its own process; resolves once it listens. */
function startStub(role, port, args = []) {
  const child = track(spawn(process.execPath, [join(root, 'bench/grpc-echo.mjs'), role, String(port), ...args], { stdio: ['ignore', 'pipe', 'inherit'] }));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => String(chunk).includes('listening') && resolve(child));
    child.once('exit', (code) => reject(new Error(`bench/grpc-echo.mjs ${role} exited with ${code}`)));
  });
}

// ---- The model: the training service's own GBDT trainer and ONNX exporter, on synthetic flights ----
const AIRPORTS = ['ATL', 'ORD', 'DFW', 'DEN', 'LAX', 'SFO', 'PHX', 'IAH', 'LAS', 'DTW', 'MSP', 'EWR', 'SLC', 'BOS', 'CLT', 'SEA', 'MCO', 'JFK', 'LGA', 'PHL', 'BWI', 'MDW', 'SAN', 'TPA', 'DCA', 'CVG', 'STL', 'PIT', 'OAK', 'SMF'];
const CARRIERS = ['WN', 'AA', 'UA', 'DL', 'US', 'NW', 'CO', 'MQ', 'OO', 'XE'];
const random = seededRandom('7');
const pick = (list) => list[Math.floor(random() * list.length)];
const originDelay = Object.fromEntries(AIRPORTS.map((a) => [a, Math.round(random() * 250) / 10]));
const originFlights = Object.fromEntries(AIRPORTS.map((a) => [a, 50 + Math.round(random() * 900)]));
const carrierEffect = Object.fromEntries(CARRIERS.map((c) => [c, random() - 0.5]));
/** A flight as callers send it: the two origin_* features are what the online store holds per origin. */
function flight() {
  const origin = pick(AIRPORTS);
  let destination = pick(AIRPORTS);
  while (destination === origin) destination = pick(AIRPORTS);
  return {
    distance: Math.round(150 + Math.abs(AIRPORTS.indexOf(origin) - AIRPORTS.indexOf(destination)) * 85 + random() * 300),
    dep_hour: 5 + Math.floor(random() * 19), day_of_week: Math.floor(random() * 7), carrier: pick(CARRIERS), origin, destination,
    origin_delay_7d: originDelay[origin] + Math.round((random() - 0.5) * 40) / 10, origin_flights_1d: originFlights[origin] + Math.round((random() - 0.5) * 60),
  };
}
const FEATURES = [
  ['distance', 'numeric'], ['dep_hour', 'numeric'], ['day_of_week', 'numeric'], ['carrier', 'categorical'],
  ['origin', 'categorical'], ['destination', 'categorical'], ['origin_delay_7d', 'numeric'], ['origin_flights_1d', 'numeric'],
];
const ENRICHED = ['origin_delay_7d', 'origin_flights_1d'];

function buildModel(rows) {
  const flights = Array.from({ length: rows }, flight);
  const columns = FEATURES.map(([name, kind]) => ({ name, kind, values: flights.map((f, i) => (name === 'distance' && i % 31 === 0 ? null : f[name])) }));
  const labels = flights.map((f) => {
    const logit = -1.6 + 0.09 * (f.dep_hour - 12) + 0.06 * f.origin_delay_7d + 0.0006 * f.origin_flights_1d + carrierEffect[f.carrier] + (f.day_of_week >= 4 ? 0.3 : 0) + 0.0002 * f.distance;
    return Number(random() < 1 / (1 + Math.exp(-logit)));
  });
  const encodings = fitEncodings(columns, labels);
  const { model: gbdt } = trainGbdt({ features: treeInputs(encodings, columns.map((c) => c.values)), labels }, undefined, { ...DEFAULT_GBDT, rounds: 200, maxDepth: 6, minSamplesLeaf: 20 });
  return { bytes: encodeModel(pipelineModel(encodings, { kind: 'gbdt', model: gbdt })), trees: gbdt.trees.length };
}

// ---- The load generator ----
function ghzBinary() {
  const bin = join(root, '.bench/bin/ghz');
  const stamp = join(root, '.bench/bin/ghz.version');
  if (existsSync(bin) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === GHZ_VERSION) return bin;
  console.log(`installing ghz ${GHZ_VERSION} from the Go module proxy into .bench/ (once)...`);
  try {
    const gopath = join(root, '.bench/go');
    execFileSync(process.env.GO ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go'), ['install', `github.com/bojand/ghz/cmd/ghz@${GHZ_VERSION}`], {
      env: { ...process.env, GOPATH: gopath, GOBIN: join(root, '.bench/bin'), GOCACHE: join(gopath, 'cache'), GOFLAGS: '-modcacherw' }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    writeFileSync(stamp, `${GHZ_VERSION}\n`);
    return bin;
  } catch (error) {
    console.log(`ghz could not be installed (${String(error.stderr ?? error.message).trim().split('\n').pop()}); using the Node generator bench/serving-load.mjs instead`);
    return undefined;
  }
}

function runChild(command, args) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.once('exit', (code) => (code === 0 ? resolve(Buffer.concat(out).toString()) : reject(new Error(`${command} exited with ${code}: ${Buffer.concat(err).toString().trim()}`))));
  });
}

let ghz;
/** One load run against a port: { count, rps, p50, p99 (ms), errors }. rps 0 is a closed loop (saturation). */
async function load(port, request, { concurrency, seconds, rps = 0 }) {
  if (!ghz) {
    return JSON.parse(await runChild(process.execPath, [join(root, 'bench/serving-load.mjs'), JSON.stringify({ address: `127.0.0.1:${port}`, request, concurrency, seconds, rps })]));
  }
  const report = JSON.parse(await runChild(ghz, [
    '--insecure', '--protoset', PROTOSET, '--call', 'mlops.serving.v1.ServingService/Predict', '-d', JSON.stringify(request),
    '--disable-template-functions', '--disable-template-data', '--cpus', '1', '--duration-stop', 'wait',
    '-c', String(concurrency), '-z', `${seconds}s`, '--connections', '1', ...(rps > 0 ? ['--rps', String(Math.round(rps))] : []), '-O', 'json', `127.0.0.1:${port}`,
  ]));
  const at = (p) => (report.latencyDistribution?.find((d) => d.percentage === p)?.latency ?? Number.NaN) / 1e6;
  const errors = Object.values(report.errorDistribution ?? {}).reduce((s, n) => s + n, 0);
  return { count: report.count, rps: report.rps, p50: at(50), p99: at(99), errors, errorKinds: Object.keys(report.errorDistribution ?? {}) };
}

// CPU used by a process (user + system, in seconds) and by the whole machine, from /proc.
const TICK = 100;
const cpuOf = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
};
const machine = () => {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return { busy: (ticks.reduce((s, n) => s + n, 0) - ticks[3] - ticks[4]) / TICK };
};

// The server's own view: serving_request_duration histogram buckets for the model, summed over labels.
async function serverHistogram() {
  const body = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
  const buckets = new Map();
  for (const line of body.split('\n')) {
    if (!line.startsWith('serving_request_duration') || !line.includes('_bucket{') || !line.includes(`model="${model}"`)) continue;
    const le = line.match(/le="([^"]+)"/)[1];
    buckets.set(le, (buckets.get(le) ?? 0) + Number(line.split(' ').pop()));
  }
  return buckets;
}
/** The upper bound of the bucket holding the server-side p99 between two histogram snapshots, in ms. */
function serverP99(before, after) {
  const rows = [...after.entries()].map(([le, n]) => [le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), n - (before.get(le) ?? 0)]).sort((a, b) => a[0] - b[0]);
  const total = rows.at(-1)?.[1] ?? 0;
  const found = rows.find(([, n]) => n >= 0.99 * total);
  return total === 0 || !found ? 'n/a' : `≤ ${found[0] * 1000} ms`;
}

/** A measured run with the CPU each process used during it. */
async function measure(label, port, pid, request, options) {
  const before = { server: cpuOf(pid), machine: machine().busy, histogram: port === PORT ? await serverHistogram() : undefined };
  const started = performance.now();
  const result = await load(port, request, options);
  const wall = (performance.now() - started) / 1000;
  result.label = label;
  result.serverCpu = (cpuOf(pid) - before.server) / wall;
  result.machineCpu = (machine().busy - before.machine) / wall;
  result.serverP99 = port === PORT ? serverP99(before.histogram, await serverHistogram()) : '';
  console.log(
    `${label.padEnd(44)} ${String(Math.round(result.rps)).padStart(6)} req/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  errors ${result.errors}` +
      `  server CPU ${(result.serverCpu * 100).toFixed(0)}%  machine ${(result.machineCpu * 100).toFixed(0)}% of 200%${result.serverP99 ? `  server-side p99 ${result.serverP99}` : ''}`,
  );
  if (result.errors > 0) console.log(`  errors: ${result.errorKinds?.join('; ') ?? ''}`);
  return result;
}

// ---- The run ----
const value = (v) => (typeof v === 'string' ? { stringValue: v } : { doubleValue: v });
const asJson = (f, omit = []) => Object.fromEntries(Object.entries(f).filter(([name]) => !omit.includes(name)).map(([name, v]) => [name, value(v)]));
let producer;
let client;
await databases.connect();
await databases.query(`CREATE DATABASE ${database}`);
try {
  let started = performance.now();
  const { bytes, trees } = buildModel(20_000);
  console.log(`GBDT: ${trees} trees, depth 6, ${FEATURES.length} features (${FEATURES.filter(([, k]) => k === 'categorical').length} categorical), ONNX ${(bytes.length / 1024).toFixed(0)} KiB, trained and exported in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const store = new LocalArtifactStore(join(work, 'store'));
  const stored = await store.put((async function* () { yield bytes; })(), { mediaType: 'application/onnx' });

  ghz = ghzBinary();
  const echo = await startStub('predict', ECHO_PORT);
  const features = await startStub('features', FEATURE_PORT, ENRICHED.map((name) => `${name}=${name === 'origin_delay_7d' ? 14.2 : 420}`));
  const log = createWriteStream(join(work, 'serving.log'));
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const serving = track(spawn(process.execPath, [...profile, join(root, 'dist/apps/serving/src/main.js')], {
    env: {
      ...process.env, DATABASE_URL: databaseUrl, GRPC_PORT: String(PORT), METRICS_PORT: String(METRICS_PORT), LOG_LEVEL: 'warn', ARTIFACT_STORE: join(work, 'store'),
      AUTH_TOKEN_SECRET: secret, FEATURE_ADDRESS: `127.0.0.1:${FEATURE_PORT}`, REGISTRY_ADDRESS: '127.0.0.1:1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  serving.stdout.pipe(log);
  serving.stderr.pipe(log);
  serving.once('exit', (code, signal) => signal !== 'SIGTERM' && code !== 0 && console.error(`serving exited with ${code ?? signal}; its log: ${join(work, 'serving.log')}`));
  client = new pb.ServingServiceClient(`127.0.0.1:${PORT}`, grpc.credentials.createInsecure());
  const admin = new grpc.Metadata();
  admin.set('authorization', `Bearer ${await issueToken({ secret, subject: 'bench', roles: ['admin'] })}`);
  await until(() => call((cb) => client.listDeployments({}, admin, cb)), 'serving to start', 90_000);

  // Deployed as the registry deploys: a registry.model.promoted event with the artifact and signature.
  const tensor = (name, kind) => ({ name, datatype: kind === 'numeric' ? commonV1.TensorDataType.TENSOR_DATA_TYPE_FP32 : commonV1.TensorDataType.TENSOR_DATA_TYPE_BYTES, shape: [-1, 1], nullable: true });
  const signature = commonV1.ModelSignature.fromPartial({ inputs: FEATURES.map(([name, kind]) => tensor(name, kind)), outputs: [{ ...tensor('probability', 'numeric'), nullable: false }] });
  const promoted = eventsV1.ModelPromoted.fromPartial({
    modelName: model, version: 1, previousVersion: 0, alias: 'champion', signature, promotionId: randomBytes(8).toString('hex'), requestedBy: 'bench', approvedBy: ['bench'], reason: 'bench',
    artifact: { digest: stored.digest, sizeBytes: stored.sizeBytes, mediaType: 'application/onnx', uri: stored.uri },
  });
  const kafka = new Kafka({ clientId: 'bench-serving', brokers: process.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
  started = performance.now();
  await producer.send({ topic: Events.modelPromoted.topic, messages: [{ key: Events.modelPromoted.key(promoted), value: Buffer.from(Events.modelPromoted.codec.encode(promoted).finish()), headers: envelopeHeaders(newEnvelope(Events.modelPromoted)) }] });
  await producer.disconnect();
  producer = undefined;

  const one = flight();
  const raw = { modelName: model, instances: [{ features: asJson(one) }] };
  const enriched = { modelName: model, instances: [{ features: asJson(one, ENRICHED), entityKey: { joinKeys: { origin: { stringValue: one.origin } } } }] };
  const batch = { modelName: model, instances: Array.from({ length: BATCH }, () => ({ features: asJson(flight()) })) };
  await until(() => call((cb) => client.predict(pb.PredictRequest.fromJSON(raw), cb)), 'the promoted version to serve (is another serving process consuming as group "serving"?)', 90_000);
  console.log(`deployed from registry.model.promoted in ${((performance.now() - started) / 1000).toFixed(1)} s; load from ${ghz ? `ghz ${GHZ_VERSION} (Go, held to one core with --cpus 1; one HTTP/2 connection)` : 'the Node generator bench/serving-load.mjs (its own process, but the same 2 cores and a Node client: it understates the server)'}`);
  console.log(`${SECONDS} s per measured run after a ${WARM_UP_SECONDS} s warm-up per target; CPU: 100% = one core; load generator, server and Kafka share this machine's cores\n`);

  const saturate = { concurrency: CONCURRENCY, seconds: SECONDS };
  const warm = (port, request, concurrency = CONCURRENCY) => load(port, request, { concurrency, seconds: WARM_UP_SECONDS });

  await warm(ECHO_PORT, raw);
  const echoSat = await measure(`echo, 1 instance, ${CONCURRENCY} in flight`, ECHO_PORT, echo.pid, raw, saturate);
  await warm(PORT, raw);
  const rawSat = await measure(`(a) raw, 1 instance, ${CONCURRENCY} in flight`, PORT, serving.pid, raw, saturate);
  const rawHalf = await measure(`(a) raw, 1 instance, at ${Math.round(rawSat.rps / 2)} req/s (50%)`, PORT, serving.pid, raw, { ...saturate, rps: rawSat.rps / 2 });
  // The floor for latency on this machine: the echo server at the same rate, same generator.
  const echoHalf = await measure(`echo, 1 instance, at ${Math.round(rawSat.rps / 2)} req/s`, ECHO_PORT, echo.pid, raw, { ...saturate, rps: rawSat.rps / 2 });

  await warm(ECHO_PORT, batch, BATCH_CONCURRENCY);
  const echoBatch = await measure(`echo, ${BATCH} instances, ${BATCH_CONCURRENCY} in flight`, ECHO_PORT, echo.pid, batch, { concurrency: BATCH_CONCURRENCY, seconds: SECONDS });
  await warm(PORT, batch, BATCH_CONCURRENCY);
  const rawBatch = await measure(`(a) raw, ${BATCH} instances, ${BATCH_CONCURRENCY} in flight`, PORT, serving.pid, batch, { concurrency: BATCH_CONCURRENCY, seconds: SECONDS });

  const setDeployment = (deployment, reason) =>
    call((cb) => client.setDeployment({ deployment: pb.Deployment.fromPartial({ modelName: model, stableVersion: 1, ...deployment }), expectedRevision: 0, reason }, admin, cb));

  // What the prediction log costs: the same as (a) with 1% of requests logged to Kafka instead of all.
  await setDeployment({ logSampleRate: 0.01 }, 'bench: prediction log sampled');
  await warm(PORT, raw);
  const sampledSat = await measure(`(a) raw, log 1%, 1 instance, ${CONCURRENCY} in flight`, PORT, serving.pid, raw, saturate);
  const sampledHalf = await measure(`(a) raw, log 1%, at ${Math.round(sampledSat.rps / 2)} req/s (50%)`, PORT, serving.pid, raw, { ...saturate, rps: sampledSat.rps / 2 });

  // (b): the deployment enriches from the (fake) feature service; requests carry the origin as entity key.
  const enrichment = { featureService: { name: 'bench_origin_features', version: 0 }, fallback: pb.FeatureFallback.FEATURE_FALLBACK_ERROR, defaults: {}, timeoutMs: 50 };
  await setDeployment({ logSampleRate: 1, enrichment }, 'bench: online feature enrichment');
  await until(async () => {
    const answer = await call((cb) => client.predict(pb.PredictRequest.fromJSON({ ...enriched, returnFeatures: true }), cb));
    return answer.predictions[0].features.origin_delay_7d?.kind?.value === 14.2 ? true : undefined;
  }, 'enrichment to apply', 60_000);
  await warm(PORT, enriched);
  const enrSat = await measure(`(b) enriched, 1 instance, ${CONCURRENCY} in flight`, PORT, serving.pid, enriched, saturate);
  const enrHalf = await measure(`(b) enriched, 1 instance, at ${Math.round(enrSat.rps / 2)} req/s (50%)`, PORT, serving.pid, enriched, { ...saturate, rps: enrSat.rps / 2 });

  const pct = (a, b) => `${((a / b) * 100).toFixed(0)}%`;
  const ms = (r) => `${r.p50.toFixed(2)} / ${r.p99.toFixed(2)}`;
  const cpu = (r) => Math.round((r.serverCpu / r.rps) * 1e6);
  console.log(`\nPredict on one serving process vs a bare @grpc/grpc-js server (echo) with the same messages, ${ghz ? 'ghz' : 'Node generator'}, 2 cores shared:`);
  console.table([
    { case: 'echo ceiling, 1 instance', 'req/s (saturated)': Math.round(echoSat.rps), 'of echo': '100%', 'p50 / p99 ms at 50%': `${ms(echoHalf)} (a's rate)`, 'rows/s': Math.round(echoSat.rps), 'server CPU µs/req': cpu(echoSat) },
    { case: '(a) raw inputs', 'req/s (saturated)': Math.round(rawSat.rps), 'of echo': pct(rawSat.rps, echoSat.rps), 'p50 / p99 ms at 50%': ms(rawHalf), 'rows/s': Math.round(rawSat.rps), 'server CPU µs/req': cpu(rawSat) },
    { case: '(a) raw, prediction log 1%', 'req/s (saturated)': Math.round(sampledSat.rps), 'of echo': pct(sampledSat.rps, echoSat.rps), 'p50 / p99 ms at 50%': ms(sampledHalf), 'rows/s': Math.round(sampledSat.rps), 'server CPU µs/req': cpu(sampledSat) },
    { case: '(b) online enrichment', 'req/s (saturated)': Math.round(enrSat.rps), 'of echo': pct(enrSat.rps, echoSat.rps), 'p50 / p99 ms at 50%': ms(enrHalf), 'rows/s': Math.round(enrSat.rps), 'server CPU µs/req': cpu(enrSat) },
    { case: `echo ceiling, ${BATCH} instances`, 'req/s (saturated)': Math.round(echoBatch.rps), 'of echo': '100%', 'p50 / p99 ms at 50%': '', 'rows/s': Math.round(echoBatch.rps * BATCH), 'server CPU µs/req': cpu(echoBatch) },
    { case: `(a) raw, ${BATCH} instances`, 'req/s (saturated)': Math.round(rawBatch.rps), 'of echo': pct(rawBatch.rps, echoBatch.rps), 'p50 / p99 ms at 50%': '', 'rows/s': Math.round(rawBatch.rps * BATCH), 'server CPU µs/req': cpu(rawBatch) },
  ]);
  console.log(`errors: ${[echoSat, rawSat, rawHalf, echoHalf, echoBatch, rawBatch, sampledSat, sampledHalf, enrSat, enrHalf].reduce((s, r) => s + r.errors, 0)}; serving logs every request to Kafka (log sample rate 1, as a promotion deploys) except in the "log 1%" rows, and counts it in metrics and traces as in production.`);
  console.log('server CPU µs/req: CPU time of the server process (all threads) per request at saturation; it does not depend on how hard the generator can push.');
} finally {
  client?.close();
  await producer?.disconnect().catch(() => undefined);
  const exited = [...children].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  killAll();
  await Promise.race([Promise.all(exited), sleep(15_000)]);
  for (const child of children) child.kill('SIGKILL');
  await databases.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error) => console.error(`could not drop ${database}: ${error.message}`));
  await databases.end();
}
