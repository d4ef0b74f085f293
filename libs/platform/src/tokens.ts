/** Injection tokens for what the platform provides to every service module. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const TRANSACTION_RUNNER = Symbol('TRANSACTION_RUNNER');
/** The service's Kafka client, for components that consume upstream topics (see @mlops/events SourceConsumer). */
export const KAFKA = Symbol('KAFKA');
