// Training–serving parity of a feature service: `npm run parity -- <feature service> [samples]`.
// Asks the feature service (FEATURE_ADDRESS, default 127.0.0.1:20052) to compute sampled values by
// the offline and the online path, prints the comparison and exits 1 on any mismatch.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const { featureV1: pb } = require(join(import.meta.dirname, '../dist/libs/proto/src/index.js'));

const [service, samples = '200'] = process.argv.slice(2);
if (!service) {
  console.error('usage: npm run parity -- <feature service> [samples]');
  process.exit(2);
}
const client = new pb.FeatureServiceClient(process.env.FEATURE_ADDRESS ?? '127.0.0.1:20052', grpc.credentials.createInsecure());
const request = pb.CheckParityRequest.fromPartial({ features: { selection: { $case: 'featureService', value: { name: service, version: 0 } } }, sampleSize: Number(samples), seed: Date.now() % 1_000_000, tolerance: 1e-9 });
client.checkParity(request, (error, result) => {
  client.close();
  if (error) {
    console.error(`parity check failed: ${error.details ?? error.message}`);
    process.exit(2);
  }
  const plain = (v) => (v?.kind && v.kind.$case !== 'nullValue' ? v.kind.value : null);
  console.log(`${result.samples} samples, ${result.valuesCompared} values compared, ${result.mismatchCount} mismatches`);
  for (const m of result.mismatches) {
    const entity = Object.entries(m.entity.joinKeys).map(([k, v]) => `${k}=${plain(v)}`).join(',');
    console.log(`  ${m.feature} ${entity} as of ${m.asOf.toISOString()}: offline ${plain(m.offlineValue)}, online ${plain(m.onlineValue)}`);
  }
  process.exit(result.mismatchCount > 0 ? 1 : 0);
});
