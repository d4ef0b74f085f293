import { readFileSync } from 'node:fs';
import { type ServiceDefinition } from '@grpc/grpc-js';
import { type INestApplicationContext } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, NestFactory } from '@nestjs/core';
import { type Kafka, type Producer } from 'kafkajs';
import { type DataSource } from 'typeorm';
import { createKafka, createProducer, ensureTopics, EventConsumer, type EventDefinition, OutboxRelay, type Subscription } from '@mlops/events';
import { GrpcServer } from '@mlops/grpc';
import { createDataSource, listen, migrate, transactionRunner } from '@mlops/persistence';
import { descriptorSetPath } from '@mlops/proto';
import { isTransientConnectionError, retryWithBackoff } from '@mlops/resilience';
import { createLogger, type Logger, type Telemetry } from '@mlops/telemetry';
import { EVENT_HANDLER, GRPC_CONTROLLER } from './decorators';
import { type OnServiceReady, type OnServiceStop } from './lifecycle';
import { NestPinoLogger } from './nest-logger';
import { PlatformModule } from './platform.module';
import { type ServiceSpec } from './service-spec';

export interface RunningService {
  app: INestApplicationContext;
  logger: Logger;
  grpcPort: number;
  /** Resolves once the database and Kafka are connected and health reports SERVING. */
  ready: Promise<void>;
  shutdown(reason: string): Promise<void>;
}

/**
 * Starts a service in the order that keeps it honest: the gRPC server first (health NOT_SERVING),
 * then the database (migrations) and Kafka (topics, consumers, outbox relay), retried with backoff
 * while they are down, then SERVING. Shutdown runs the same steps backwards, each bounded in time.
 */
export async function runService(spec: ServiceSpec, telemetry?: Telemetry): Promise<RunningService> {
  const { config } = spec;
  const logger = createLogger(spec.name, config.LOG_LEVEL);
  const dataSource = createDataSource({
    url: config.DATABASE_URL,
    schema: spec.name,
    entities: spec.entities,
    migrations: spec.migrations,
    applicationName: spec.name,
  });
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: spec.name, logger });
  const app = await NestFactory.createApplicationContext(
    { module: class ServiceRoot {}, imports: [PlatformModule.forService({ config, logger, dataSource, kafka }), spec.module] },
    { logger: new NestPinoLogger(logger), abortOnError: false },
  );

  const server = new GrpcServer({
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    descriptorSet: readFileSync(descriptorSetPath),
    logger,
  });
  for (const { definition, instance } of discoverControllers(app)) server.addService(definition, instance);
  const grpcPort = await server.start();

  const producer = createProducer(kafka);
  const lifecycle = discoverLifecycle(app);
  const subscriptions = discoverEventHandlers(app);
  const consumer = subscriptions.length > 0 ? newConsumer(spec, kafka, producer, subscriptions, dataSource, logger) : undefined;
  const relay = new OutboxRelay({
    schema: spec.name,
    runInTransaction: transactionRunner(dataSource),
    producer,
    logger,
    pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
  });
  const stopping = new AbortController();
  let unlisten: (() => Promise<void>) | undefined;

  const retry = <T>(what: string, attempt: () => Promise<T>, retryIf?: (error: unknown) => boolean) =>
    retryWithBackoff(attempt, {
      retryIf,
      baseMs: 250,
      maxMs: 10_000,
      signal: stopping.signal,
      onRetry: (error, n, delayMs) => logger.warn({ err: error, attempt: n, delayMs }, `${what} unavailable; retrying`),
    });

  const ready = (async () => {
    await retry('database', async () => {
      if (!dataSource.isInitialized) await dataSource.initialize();
      const applied = await migrate(dataSource, spec.name);
      if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
    }, isTransientConnectionError); // a failing migration is a bug: fail loudly instead of looping
    await retry('kafka', async () => {
      await producer.connect();
      const admin = kafka.admin();
      await admin.connect();
      try {
        const consumed = subscriptions.map((s) => s.definition);
        await ensureTopics(admin, [...spec.publishes, ...consumed], consumer ? spec.name : undefined);
      } finally {
        await admin.disconnect();
      }
    });
    if (consumer) await retry('kafka consumer', () => consumer.start());
    relay.start();
    for (const component of lifecycle.ready) await retry(component.constructor.name, () => component.onServiceReady());
    unlisten = await retry('outbox notifications', () =>
      listen(config.DATABASE_URL, `outbox_${spec.name}`, () => relay.notify(), (error) => logger.warn({ err: error }, 'outbox LISTEN connection lost')),
    );
    server.setServing(true);
    logger.info({ grpcPort, metricsPort: config.METRICS_PORT }, `${spec.name} service ready`);
  })();

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason: string) =>
    (shuttingDown ??= (async () => {
      logger.info({ reason }, 'shutting down');
      stopping.abort();
      await ready.catch(() => undefined);
      await server.shutdown();
      for (const component of lifecycle.stop) await step(logger, component.constructor.name, () => component.onServiceStop());
      await step(logger, 'consumer', () => consumer?.stop());
      await step(logger, 'outbox relay', () => relay.stop());
      await step(logger, 'outbox listener', () => unlisten?.());
      await step(logger, 'producer', () => producer.disconnect());
      await step(logger, 'application', () => app.close());
      await step(logger, 'database', () => (dataSource.isInitialized ? dataSource.destroy() : undefined));
      await step(logger, 'telemetry', () => telemetry?.shutdown());
      logger.info('stopped');
    })());

  return { app, logger, grpcPort, ready, shutdown };
}

/** Runs a service as the process's main job: exits cleanly on SIGTERM/SIGINT, with a hard deadline. */
export async function runServiceProcess(spec: ServiceSpec, telemetry?: Telemetry): Promise<void> {
  let service: RunningService;
  try {
    service = await runService(spec, telemetry);
  } catch (error) {
    // e.g. the gRPC port is taken: nothing to retry, say why and stop.
    process.stderr.write(`${JSON.stringify({ level: 'fatal', service: spec.name, msg: `cannot start: ${(error as Error).message}` })}\n`);
    process.exit(1);
  }
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    stopping = true;
    const hardStop = setTimeout(() => process.exit(1), spec.config.SHUTDOWN_TIMEOUT_MS * 2 + 5_000);
    hardStop.unref();
    void service.shutdown(signal).then(() => process.exit(0));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  service.ready.catch((error: unknown) => {
    if (stopping) return; // start-up interrupted by a signal: the shutdown above takes over
    service.logger.fatal({ err: error }, 'start-up failed');
    void service.shutdown('start-up failed').finally(() => process.exit(1));
  });
}

async function step(logger: Logger, what: string, action: () => unknown): Promise<void> {
  try {
    await action();
  } catch (error) {
    logger.warn({ err: error }, `stopping ${what} failed`);
  }
}

function newConsumer(spec: ServiceSpec, kafka: Kafka, producer: Producer, subscriptions: Subscription[], dataSource: DataSource, logger: Logger) {
  return new EventConsumer({
    kafka,
    groupId: spec.name,
    subscriptions,
    producer,
    logger,
    runInTransaction: transactionRunner(dataSource),
    maxAttempts: spec.config.CONSUMER_MAX_ATTEMPTS,
    retryBaseMs: spec.config.CONSUMER_RETRY_BASE_MS,
  });
}

function discoverLifecycle(app: INestApplicationContext) {
  const instances = app
    .get(DiscoveryService)
    .getProviders()
    .map((wrapper) => wrapper.instance as unknown)
    .filter((instance): instance is object => typeof instance === 'object' && instance !== null);
  return {
    ready: instances.filter((i): i is OnServiceReady => typeof (i as Partial<OnServiceReady>).onServiceReady === 'function'),
    stop: instances.filter((i): i is OnServiceStop => typeof (i as Partial<OnServiceStop>).onServiceStop === 'function'),
  };
}

function discoverControllers(app: INestApplicationContext) {
  return app
    .get(DiscoveryService)
    .getProviders()
    .filter((wrapper) => wrapper.instance && wrapper.metatype)
    .flatMap((wrapper) => {
      const definition = Reflect.getMetadata(GRPC_CONTROLLER, wrapper.metatype as object) as ServiceDefinition | undefined;
      return definition ? [{ definition, instance: wrapper.instance as object }] : [];
    });
}

function discoverEventHandlers(app: INestApplicationContext): Subscription[] {
  const scanner = app.get(MetadataScanner);
  return app
    .get(DiscoveryService)
    .getProviders()
    .filter((wrapper) => wrapper.instance && typeof wrapper.instance === 'object')
    .flatMap((wrapper) => {
      const instance = wrapper.instance as Record<string, unknown>;
      const prototype = Object.getPrototypeOf(instance) as object;
      return scanner.getAllMethodNames(prototype).flatMap((name) => {
        const method = instance[name] as (...args: unknown[]) => Promise<void>;
        const definition = Reflect.getMetadata(EVENT_HANDLER, method) as EventDefinition<unknown> | undefined;
        return definition ? [{ definition, handler: method.bind(instance) }] : [];
      });
    });
}
