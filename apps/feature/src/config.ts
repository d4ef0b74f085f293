import { serviceConfigSchema } from '@mlops/config';

/** The feature service's settings, read from the environment (see README.md for each one). */
export const featureConfig = serviceConfigSchema({ grpcPort: 50052, metricsPort: 9102 });
