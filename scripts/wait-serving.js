// Waits until every service answers SERVING on the standard gRPC health check, or names those that do not.
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { protoPath } = require('grpc-health-check');

const { Health } = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { enums: String })).grpc.health.v1;
const services = { ingestion: 20051, feature: 20052, training: 20053, registry: 20054, serving: 20055, monitoring: 20056 };
const deadline = Date.now() + Number(process.env.WAIT_SERVING_TIMEOUT_MS ?? 120_000);

function check(port) {
  const client = new Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve) =>
    client.check({ service: '' }, { deadline: Date.now() + 2000 }, (error, response) => {
      client.close();
      resolve(error ? `unreachable (${error.code})` : response.status);
    }),
  );
}

(async () => {
  const pending = new Set(Object.keys(services));
  while (pending.size > 0) {
    for (const name of [...pending]) {
      const status = await check(services[name]);
      if (status === 'SERVING') {
        pending.delete(name);
        console.log(`  ${name.padEnd(11)} SERVING`);
      } else if (Date.now() > deadline) {
        console.error(`  ${name.padEnd(11)} ${status}: see tmp/logs/${name}.log`);
        pending.delete(name);
        process.exitCode = 1;
      }
    }
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 500));
  }
})();
