// Stand-in gRPC servers for bench/serving.mjs, each run in its own process so that it never shares an
// event loop with the serving process or the load generator:
//   node bench/grpc-echo.mjs predict <port>
//     a bare @grpc/grpc-js server with ServingService/Predict's own method definition (the same
//     generated request/response codecs as serving) whose handler answers at once with a fixed
//     PredictResponse of the shape serving returns, one prediction per instance: the ceiling for a
//     Node gRPC server on this machine.
//   node bench/grpc-echo.mjs features <port> <name>=<value>...
//     a fake feature service: GetOnlineFeatures answers every entity with the given values, PRESENT.
// Prints "listening <port>" once bound; stops on SIGTERM.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const grpc = require('@grpc/grpc-js');
const { servingV1, featureV1 } = require(join(root, 'dist/libs/proto/src/index.js'));

const [role, port, ...values] = process.argv.slice(2);
const server = new grpc.Server();

if (role === 'predict') {
  const prediction = { outputs: { probability: { shape: [1], doubleValues: [0.2316], int64Values: [], stringValues: [], boolValues: [] } }, features: {}, defaultedFeatures: [] };
  const answers = new Map();
  const answer = (n) => {
    let response = answers.get(n);
    if (!response) answers.set(n, (response = { requestId: '6f1c2d4e-8a9b-4c3d-9e2f-1a2b3c4d5e6f', modelName: 'bench-flights', modelVersion: 1, arm: 'stable', predictions: Array.from({ length: n }, () => prediction) }));
    return response;
  };
  // Only Predict's definition is registered: the same path, serializer and deserializer as serving's.
  const { predict } = servingV1.ServingServiceService;
  server.addService({ predict }, { predict: (call, callback) => callback(null, answer(call.request.instances.length)) });
} else if (role === 'features') {
  const names = values.map((v) => v.split('=')[0]);
  const found = values.map((v) => ({ value: { kind: { $case: 'doubleValue', value: Number(v.split('=')[1]) } }, status: featureV1.FeatureStatus.FEATURE_STATUS_PRESENT }));
  server.addService(featureV1.FeatureServiceService, {
    getOnlineFeatures: (call, callback) => callback(null, { featureNames: names, results: call.request.entities.map((entity) => ({ entity, values: found })) }),
  });
} else {
  console.error('usage: node bench/grpc-echo.mjs predict <port> | features <port> <name>=<value>...');
  process.exit(2);
}

server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
  if (error) {
    console.error(error.message);
    process.exit(1);
  }
  console.log(`listening ${bound}`);
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
