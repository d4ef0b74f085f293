import { randomBytes } from 'node:crypto';
import { type CommandModule } from '../core/context';
import { positiveInt } from '../core/numbers';
import { quickstart } from '../quickstart/quickstart';

/** `mlops quickstart`: real flights from data to a served prediction, each step printed as it happens. */
export const quickstartCommands: CommandModule = (program, context) => {
  program
    .command('quickstart')
    .description('replay January–June 2001 flights through the running platform, the whole loop: contract, features, training, registry, serving, then drift, retraining and a canary (needs KAFKA_BROKERS or the local broker)')
    .option('--every <n>', 'replay every n-th flight', (v) => positiveInt(v, '--every'), 20)
    .action(async (o: { every: number }) => {
      const { platform, out } = context();
      const result = await quickstart({
        requester: platform.as('quickstart:alice', 'contributor'), approver: platform.as('quickstart:bob', 'approver'), owner: platform.as('quickstart:carol', 'admin'), out,
        kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','), every: o.every, run: randomBytes(3).toString('hex'),
      });
      if (out.json) out.record({ ...result });
      const model = result.model;
      out.say(`
The platform keeps running (\`npm stop\` stops it). Next:
  npm run -s mlops -- status
  npm run -s mlops -- models show ${model}              the champion, its aliases and versions
  npm run -s mlops -- promotions list ${model}          who promoted what, gates and approvals
  npm run -s mlops -- lineage ${model} ${result.loop.retrainedVersion ?? 1}                a version back to its run, snapshot and features
  npm run -s mlops -- drift ${model} --version 1 --rule darkness_drift
                                                  v1's latest report over the alert's windows: drift, quality, performance
  npm run -s mlops -- drift-history ${model} dark --version 1 --rule darkness_drift
  npm run -s mlops -- alerts ${model}
  npm run -s mlops -- deployment ${model}               arms, weights and what changed them
  npm run -s mlops -- predict ${model} --entity origin=SFO --feature origin=SFO --feature destination=JFK --feature distance=2586 --feature dark=1
  grpcurl -plaintext -d '{"model_name":"${model}","instances":[{"features":{"origin":{"string_value":"ORD"},"destination":{"string_value":"LGA"},"distance":{"double_value":733},"dark":{"double_value":0}},"entity_key":{"join_keys":{"origin":{"string_value":"ORD"}}}}]}' 127.0.0.1:20055 mlops.serving.v1.ServingService/Predict
  Metrics: http://127.0.0.1:9101/metrics … 9106 (ingestion … monitoring); logs: tmp/logs/<service>.log (JSON, with trace ids)
  Traces: start the platform with OTEL_EXPORTER_OTLP_ENDPOINT=http://<collector>:4318 to export them, or with
          OTEL_TRACES_EXPORTER=console to print each span into tmp/logs/`);
    });
};
