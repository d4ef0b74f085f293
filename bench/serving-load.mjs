// Node load generator for bench/serving.mjs, used only when ghz cannot be installed. Runs in its own
// process (never in the server's), but on a 2-core machine it still competes with the server for
// CPU, and a Node client costs about as much per call as the Node server it measures: figures from
// it understate the server. Usage:
//   node bench/serving-load.mjs '{"address":"127.0.0.1:22255","request":{...proto JSON...},"concurrency":32,"seconds":10,"rps":0}'
// Closed loop (rps 0): `concurrency` calls always in flight on one channel. Paced (rps > 0): calls
// start on a fixed schedule, at most `concurrency` in flight (a call due while all are busy is
// skipped and counted). Prints one JSON line: count, rps, p50 and p99 in ms, errors.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { percentile } from './support.mjs';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const grpc = require('@grpc/grpc-js');
const { servingV1: pb } = require(join(root, 'dist/libs/proto/src/index.js'));

const { address, request: json, concurrency, seconds, rps = 0 } = JSON.parse(process.argv[2]);
const request = pb.PredictRequest.fromJSON(json);
const client = new pb.ServingServiceClient(address, grpc.credentials.createInsecure());
const latencies = [];
let errors = 0;
let skipped = 0;
let inFlight = 0;
const started = process.hrtime.bigint();
const endAt = started + BigInt(Math.round(seconds * 1e9));

const once = () =>
  new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    inFlight++;
    client.predict(request, (error) => {
      inFlight--;
      if (error) errors++;
      else latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      resolve();
    });
  });

if (rps > 0) {
  const interval = 1e9 / rps;
  let next = Number(started);
  await new Promise((resolve) => {
    const tick = () => {
      const now = Number(process.hrtime.bigint());
      if (BigInt(now) >= endAt) return resolve();
      while (next <= now) {
        if (inFlight < concurrency) void once();
        else skipped++;
        next += interval;
      }
      setImmediate(tick);
    };
    tick();
  });
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
} else {
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (process.hrtime.bigint() < endAt) await once();
  }));
}
const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
latencies.sort((a, b) => a - b);
const at = (p) => percentile(latencies, p) ?? Number.NaN;
console.log(JSON.stringify({ count: latencies.length + errors, rps: latencies.length / elapsed, p50: at(50), p99: at(99), errors, skipped }));
client.close();
