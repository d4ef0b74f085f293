export interface Infrastructure {
  kafkaBrokers: string[];
  databaseUrl: string;
}

/**
 * The real Kafka and PostgreSQL that integration and end-to-end tests run against. `npm test` starts
 * them (deploy/local) and exports KAFKA_BROKERS and DATABASE_URL; a test never starts a fake instead.
 */
export function infrastructure(): Infrastructure {
  const brokers = process.env.KAFKA_BROKERS;
  const databaseUrl = process.env.DATABASE_URL;
  if (!brokers || !databaseUrl) {
    throw new Error('KAFKA_BROKERS and DATABASE_URL are not set: run the tests with `npm test`, which starts Kafka and PostgreSQL, or export both');
  }
  return { kafkaBrokers: brokers.split(','), databaseUrl };
}
