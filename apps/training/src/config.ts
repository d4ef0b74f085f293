import { serviceConfigSchema } from '@mlops/config';

/** The training service's settings, read from the environment (see README.md for each one). */
export const trainingConfig = serviceConfigSchema({ grpcPort: 50053, metricsPort: 9103 });
