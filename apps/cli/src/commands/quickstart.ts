import { randomBytes } from 'node:crypto';
import { type CommandModule } from '../core/context';
import { positiveInt } from '../core/numbers';
import { quickstart } from '../quickstart/quickstart';

/** `mlops quickstart`: real flights from data to a served prediction, each step printed as it happens. */
export const quickstartCommands: CommandModule = (program, context) => {
  program
    .command('quickstart')
    .description('replay January–February 2001 flights through the running platform: contract, training, registry, serving, a first prediction (needs KAFKA_BROKERS or the local broker)')
    .option('--every <n>', 'replay every n-th flight', (v) => positiveInt(v, '--every'), 20)
    .action(async (o: { every: number }) => {
      const { platform, out } = context();
      const result = await quickstart({
        requester: platform.as('quickstart:alice', 'contributor'), approver: platform.as('quickstart:bob', 'approver'), out,
        kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','), every: o.every, run: randomBytes(3).toString('hex'),
      });
      if (out.json) out.record(result);
      out.say(`
Next:
  npm run -s mlops -- models show ${result.model}
  npm run -s mlops -- predict ${result.model} --feature origin=SFO --feature destination=JFK --feature distance=2586 --feature dark=1
  npm run -s mlops -- drift ${result.model}          (once predictions have filled a window)
  grpcurl -plaintext -d '{"model_name":"${result.model}","instances":[{"features":{"origin":{"string_value":"ORD"},"destination":{"string_value":"LGA"},"distance":{"double_value":733},"dark":{"double_value":0}}}]}' 127.0.0.1:50055 mlops.serving.v1.ServingService/Predict
  Metrics: http://127.0.0.1:9105/metrics (serving) … 9106 (monitoring); traces go to OTEL_EXPORTER_OTLP_ENDPOINT when set`);
    });
};
