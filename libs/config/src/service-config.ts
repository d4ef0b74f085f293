import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);

const kafkaBrokers = z
  .string({ error: 'is required (comma-separated host:port list, e.g. 127.0.0.1:19092)' })
  .trim()
  .min(1, 'must not be empty')
  .transform((value) => value.split(',').map((broker) => broker.trim()))
  .refine((brokers) => brokers.every((b) => /^[^\s:]+:\d{1,5}$/.test(b)), 'each broker must be host:port');

const databaseUrl = z
  .string({ error: 'is required (e.g. postgres://user:pass@127.0.0.1:5432/db)' })
  .trim()
  .refine((value) => {
    try {
      return ['postgres:', 'postgresql:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, 'must be a postgres:// URL');

export interface ServiceDefaults {
  grpcPort: number;
  metricsPort: number;
}

/** Settings every service shares. Services extend this schema with their own keys. */
export function serviceConfigSchema(defaults: ServiceDefaults) {
  return z.object({
    KAFKA_BROKERS: kafkaBrokers,
    DATABASE_URL: databaseUrl,
    GRPC_HOST: z.string().default('0.0.0.0'),
    GRPC_PORT: port.default(defaults.grpcPort),
    METRICS_PORT: port.default(defaults.metricsPort),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    /** How long in-flight calls may take to drain on shutdown before they are cancelled. */
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    /** How often the outbox relay polls when no notification arrives. */
    OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(500),
    /** Attempts (with exponential backoff) before a failing event goes to the dead-letter topic. */
    CONSUMER_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
    CONSUMER_RETRY_BASE_MS: z.coerce.number().int().min(1).default(200),
  });
}

export type ServiceConfig = z.output<ReturnType<typeof serviceConfigSchema>>;
