import { ConfigError, loadConfig } from './load-config';
import { serviceConfigSchema } from './service-config';

const schema = serviceConfigSchema({ grpcPort: 20051, metricsPort: 9101 });
const valid = { KAFKA_BROKERS: '127.0.0.1:19092, kafka-2:9092', DATABASE_URL: 'postgres://u:p@127.0.0.1:15432/db' };

function issuesOf(env: NodeJS.ProcessEnv) {
  try {
    loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and parses lists', () => {
    const config = loadConfig(schema, valid);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:19092', 'kafka-2:9092']);
    expect(config.GRPC_PORT).toBe(20051);
    expect(config.SHUTDOWN_TIMEOUT_MS).toBe(10_000);
  });

  it('names a missing setting', () => {
    expect(issuesOf({ DATABASE_URL: valid.DATABASE_URL }).map((i) => i.setting)).toEqual(['KAFKA_BROKERS']);
  });

  it('names each malformed setting with its problem', () => {
    const issues = issuesOf({ ...valid, GRPC_PORT: '70000', DATABASE_URL: 'mysql://x', KAFKA_BROKERS: 'nohost' });
    expect(issues.map((i) => i.setting).sort()).toEqual(['DATABASE_URL', 'GRPC_PORT', 'KAFKA_BROKERS']);
    expect(issues.find((i) => i.setting === 'DATABASE_URL')?.problem).toMatch(/postgres/);
  });
});
