import { z } from 'zod';
import { artifactStoreConfig } from '@mlops/artifacts';
// Settings load before telemetry starts: this file imports settings shapes only, never grpc-js or a meter.
import { authConfig, requireOneTokenKey } from '@mlops/auth/config';
import { serviceConfigSchema } from '@mlops/config';

const count = (fallback: number, max = 1_000_000) => z.coerce.number().int().min(1).max(max).default(fallback);
const millis = (fallback: number, min = 0) => z.coerce.number().int().min(min).max(366 * 24 * 3600_000).default(fallback);

/** The monitoring service's settings, read from the environment (see README.md for each one). */
export const monitoringConfig = serviceConfigSchema({ grpcPort: 20056, metricsPort: 9106 })
  .extend(artifactStoreConfig)
  .extend(authConfig)
  .extend({
    /** Window of every model's standard report, and of alert rules that name none: tumbling, this long. */
    MONITORING_WINDOW_MS: millis(3600_000, 1),
    /** How far behind the newest prediction a window's end must be before it is reported: room for stragglers. */
    MONITORING_ALLOWED_LATENESS_MS: millis(60_000),
    /** How often closed windows are reported, labels retried and alerts evaluated. */
    MONITORING_EVALUATION_INTERVAL_MS: count(5_000, 600_000),
    /** A prediction takes labels observed up to this long after it; later it counts as expired. */
    MONITORING_LABEL_JOIN_WINDOW_MS: millis(7 * 24 * 3600_000, 1),
    /** How long a label that matches no prediction waits (its prediction may still be on its way) before it is dead-lettered. */
    MONITORING_LABEL_WAIT_MS: millis(10 * 60_000),
    /** Fewer values than this in a window is "insufficient data" for drift and performance. */
    MONITORING_MIN_SAMPLE_SIZE: count(30, 1_000_000),
    /** Most windows one series reports per evaluation, so a replayed backlog is worked off in steps. */
    MONITORING_MAX_WINDOWS_PER_PASS: count(50, 10_000),
    /** Most predictions one window report reads (a larger window is reported on a uniform sample of this size). */
    MONITORING_MAX_WINDOW_ROWS: count(200_000, 10_000_000),
    /** Prediction-log partitions consumed at once by one replica. */
    MONITORING_PARTITION_CONCURRENCY: count(3, 64),
  })
  .superRefine(requireOneTokenKey);

export type MonitoringConfig = z.output<typeof monitoringConfig>;
