import { serviceConfigSchema } from '@mlops/config';

/** The monitoring service's settings, read from the environment (see README.md for each one). */
export const monitoringConfig = serviceConfigSchema({ grpcPort: 50056, metricsPort: 9106 });
