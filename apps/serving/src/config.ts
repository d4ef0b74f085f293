import { z } from 'zod';
import { artifactStoreConfig } from '@mlops/artifacts';
// Settings load before telemetry starts: this file imports settings shapes only, never grpc-js or a meter.
import { authConfig, requireOneTokenKey } from '@mlops/auth/config';
import { serviceConfigSchema } from '@mlops/config';

const count = (fallback: number, max = 1_000_000) => z.coerce.number().int().min(1).max(max).default(fallback);

/** The serving service's settings, read from the environment (see README.md for each one). */
export const servingConfig = serviceConfigSchema({ grpcPort: 20055, metricsPort: 9105 })
  .extend(artifactStoreConfig)
  .extend(authConfig)
  .extend({
    /** The registry's gRPC address: versions a SetDeployment names that serving has not seen in an event yet. */
    REGISTRY_ADDRESS: z.string().min(1).default('127.0.0.1:20054'),
    /** The feature service's gRPC address: online features for requests that carry entity keys. */
    FEATURE_ADDRESS: z.string().min(1).default('127.0.0.1:20052'),
    /** Most instances in one request. */
    SERVING_MAX_BATCH: count(1_000, 100_000),
    /** Requests being worked on at once (enrichment and inference); more wait in the queue. */
    SERVING_MAX_CONCURRENCY: count(64, 10_000),
    /** Requests allowed to wait; beyond that a request is refused RESOURCE_EXHAUSTED at once. */
    SERVING_MAX_QUEUE: count(512, 1_000_000),
    /** How often a replica checks the stored deployments for changes made by another replica. */
    SERVING_SYNC_INTERVAL_MS: count(1_000, 600_000),
    /** How often canary rollouts are stepped and their rollback guards evaluated. */
    SERVING_ROLLOUT_INTERVAL_MS: count(1_000, 600_000),
    /** Inference runs on a freshly loaded version before it takes traffic. */
    SERVING_WARMUP_RUNS: count(20, 10_000),
    /** Longest wait for in-flight requests on a version no deployment references before it is unloaded anyway. */
    SERVING_DRAIN_TIMEOUT_MS: count(30_000, 600_000),
    /** onnxruntime threads per inference; 1 suits small tabular models (parallelism comes from concurrent requests). */
    SERVING_INTRA_OP_THREADS: count(1, 256),
    /** Prediction log entries held while Kafka is slow or down; beyond that they are dropped and counted. */
    PREDICTION_LOG_BUFFER: count(20_000),
    /** Most prediction log entries in one Kafka request. */
    PREDICTION_LOG_BATCH: count(500, 100_000),
    /** Longest an entry waits for its batch to fill before it is sent. */
    PREDICTION_LOG_LINGER_MS: z.coerce.number().int().min(0).max(60_000).default(20),
  })
  .superRefine(requireOneTokenKey);

export type ServingConfig = z.output<typeof servingConfig>;
