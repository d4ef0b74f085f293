import { type z } from 'zod';
import { ConfigError, loadConfig, type ServiceConfig } from '@mlops/config';
import { startTelemetry, type Telemetry } from './start-telemetry';

export interface Boot<C> {
  config: C;
  telemetry: Telemetry;
}

/**
 * First thing a service's `main.ts` does: validate the environment (a bad setting ends the process at
 * once, naming the setting) and start telemetry, before grpc-js, kafkajs or pg are loaded.
 */
export function bootService<S extends z.ZodType<ServiceConfig>>(serviceName: string, schema: S): Boot<z.output<S>> {
  let config: z.output<S>;
  try {
    config = loadConfig(schema);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const issue of error.issues) {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', service: serviceName, msg: `invalid setting ${issue.setting}: ${issue.problem}`, setting: issue.setting })}\n`);
    }
    process.exit(78); // EX_CONFIG from sysexits.h
  }
  const telemetry = startTelemetry({ serviceName, metricsPort: config.METRICS_PORT });
  return { config, telemetry };
}
